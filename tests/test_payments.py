from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2 import errors

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import (
    BillingCommon,
    RealConnectionsCase,
    abandon_transaction,
    ledger_balance,
    pay_now_transaction,
    skip_unless_installed,
)


class PaymentsCommon(BillingCommon):
    """One 130.00 invoice (two 65.00 ABA lines) for the Riveras, and Odoo's
    demo payment provider in the test company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo_provider = cls.env.ref("payment.payment_provider_demo").sudo().copy({"company_id": cls.company.id})
        cls.demo_provider.state = "test"
        cls.demo_method = cls.env.ref("payment_demo.payment_method_demo", raise_if_not_found=False)

    def _figures(self, move, paid, due, state, ledger):
        """The invoice's amount paid and balance, its state, and the parent's
        partner-ledger balance, to the cent."""
        move.invalidate_recordset()
        self.assertRecordValues(
            move, [{"billing_amount_paid": paid, "billing_amount_due": due, "billing_state": state}]
        )
        self.assertEqual(self._receivable_balance(move.partner_id), ledger)

    def _assert_paid_once(self, move):
        """One payment pays the 130.00 invoice in full."""
        self.assertEqual(len(move.billing_payment_ids), 1)
        self._figures(move, 130.0, 0.0, "paid", 0.0)

    def _refund_after_paying(self, paid, amount, reason, **kwargs):
        """A sent 130.00 invoice paid ``paid`` by check, then refunded ``amount``."""
        move = self._sent_invoice()
        self._pay(move, paid)
        move._billing_refund(amount, reason, **kwargs)
        return move

    def _pending_card_payment(self):
        """A sent invoice whose Pay now the processor reports pending."""
        move = self._sent_invoice()
        tx = self._portal_transaction(move)
        self._notify(tx, "pending")
        return move, tx

    def _pay(self, move, amount, method="check", reference="CHK-1001", user=None, **kwargs):
        move = move.with_user(user) if user else move
        return move._billing_register_payment(amount, fields.Date.today(), method, reference, **kwargs)

    # --- processor helpers -------------------------------------------------
    def _portal_transaction(self, move, amount=None):
        """What the portal's Pay now does: a demo transaction on the invoice."""
        skip_unless_installed(self.env, "payment_demo")
        return pay_now_transaction(self.env, self.demo_provider, move, amount)

    def _notify(self, tx, state="done"):
        """The processor's notification, then Odoo's post-processing (what the
        status poll or the post-processing cron does)."""
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": state}
        )
        if tx.state == "done" and not tx.is_post_processed:
            tx._post_process()


@tagged("post_install", "-at_install")
class TestRecordPayment(PaymentsCommon):
    def test_partial_payment_stays_sent_with_new_balance(self):
        move = self._sent_invoice()
        self._figures(move, 0.0, 130.0, "sent", 130.0)
        payment = self._pay(move, 50.25, "check", "Check 1001", user=self.billing_user)
        self._figures(move, 50.25, 79.75, "sent", 79.75)
        self.assertEqual(move.billing_payment_ids, payment)
        self.assertRecordValues(
            payment,
            [
                {
                    "date": fields.Date.today(),
                    "payment_type": "inbound",
                    "billing_method": "check",
                    "memo": "Check 1001",
                    "amount": 50.25,
                    "billing_signed_amount": 50.25,
                    "create_uid": self.billing_user.id,
                    "partner_id": self.parent_rivera.id,
                }
            ],
        )

    def test_full_payment_marks_paid(self):
        move = self._sent_invoice()
        self._pay(move, 100.0, "ach", "ACH 77")
        self._figures(move, 100.0, 30.0, "sent", 30.0)
        self._pay(move, 30.0, "cash", "")
        self._figures(move, 130.0, 0.0, "paid", 0.0)
        self.assertEqual(move.billing_payment_ids.sorted("id").mapped("billing_method"), ["ach", "cash"])

    def test_payment_on_overdue_invoice_marks_paid(self):
        move = self._sent_invoice()
        self._mark_overdue(move)
        self.assertEqual(move.billing_state, "overdue")
        self._pay(move, 20.0)
        self._figures(move, 20.0, 110.0, "overdue", 110.0)
        self._pay(move, 110.0, reference="CHK-1002")
        self._figures(move, 130.0, 0.0, "paid", 0.0)

    def test_overpayment_refused_without_keeping_the_excess(self):
        move = self._sent_invoice()
        with self.assertRaisesRegex(UserError, r"more than the balance 130.0 of invoice .*keep the excess"):
            self._pay(move, 130.01)
        self.assertFalse(move.billing_payment_ids)
        self.assertFalse(self.env["account.payment"].search([("partner_id", "=", self.parent_rivera.id)]))
        self._figures(move, 0.0, 130.0, "sent", 130.0)

    def test_overpayment_kept_as_credit_is_applied_to_next_invoice(self):
        move = self._sent_invoice()
        payment = self._pay(move, 150.0, "check", "Check 2002", keep_excess=True)
        self.assertEqual(payment.amount, 150.0)
        self._figures(move, 130.0, 0.0, "paid", -20.0)
        # The next invoice for the same parent (another child) takes the credit on Send (issue 12).
        nxt = self._sent_invoice(service=self.service_ot, units=1.0, count=1)
        self.assertEqual(nxt.billing_amount_credit_applied, 20.0)
        self._figures(nxt, 20.0, 21.25, "sent", 21.25)
        self._figures(move, 130.0, 0.0, "paid", 21.25)

    def test_credit_arriving_after_send_can_be_applied_by_staff(self):
        nxt = self._sent_invoice(service=self.service_ot, units=1.0, count=1)
        move = self._sent_invoice()
        self._pay(move, 150.0, "check", "Check 2002", keep_excess=True)
        self._figures(move, 130.0, 0.0, "paid", 21.25)
        # The open invoice shows the credit...
        widget = nxt.invoice_outstanding_credits_debits_widget
        self.assertTrue(widget and widget["outstanding"])
        credit = widget["content"][0]
        self.assertEqual(credit["amount"], 20.0)
        # ... and applying it lowers its balance.
        nxt.js_assign_outstanding_line(credit["id"])
        self._figures(nxt, 20.0, 21.25, "sent", 21.25)
        self._figures(move, 130.0, 0.0, "paid", 21.25)

    def test_each_method_goes_to_its_configured_journal(self):
        journals = {
            method: self.env["account.journal"].create(
                {"name": f"Billing {method}", "code": f"B{method[:3].upper()}", "type": "bank"}
            )
            for method in ("check", "ach", "card", "cash", "other")
        }
        self.company.write({f"billing_journal_{m}_id": j.id for m, j in journals.items()})
        move = self._sent_invoice()
        for method, journal in journals.items():
            payment = self._pay(move, 10.0, method, f"ref-{method}")
            self.assertEqual(payment.journal_id, journal, method)
            self.assertEqual(payment.billing_method, method)
        self._figures(move, 50.0, 80.0, "sent", 80.0)

    def test_payment_refused_unless_sent_or_overdue(self):
        draft = self._draft_invoice()
        with self.assertRaisesRegex(UserError, "cannot take a payment: it is Draft"):
            self._pay(draft, 10.0)
        move = self._sent_invoice(client=self.client_lily)
        self._pay(move, 130.0)
        with self.assertRaisesRegex(UserError, "cannot take a payment: it is Paid"):
            self._pay(move, 1.0, keep_excess=True)
        with self.assertRaisesRegex(UserError, "amount must be above zero"):
            self._pay(self._sent_invoice(), 0.0)
        with self.assertRaisesRegex(UserError, "Unknown payment method 'wire'"):
            self._pay(self._sent_invoice(), 5.0, "wire")
        self.assertFalse(draft.billing_payment_ids)
        self.assertEqual(len(move.billing_payment_ids), 1)

    def test_record_payment_wizard(self):
        move = self._sent_invoice()
        action = move.with_user(self.billing_user).action_billing_record_payment()
        wizard = Form(self.env[action["res_model"]].with_user(self.billing_user).with_context(**action["context"]))
        self.assertEqual(wizard.amount, 130.0, "defaults to the balance")
        wizard.amount = 40.0
        wizard.date = date(2024, 3, 5)
        wizard.method = "ach"
        wizard.reference = "ACH-555"
        wizard.save().action_record()
        self.assertRecordValues(
            move.billing_payment_ids,
            [{"amount": 40.0, "date": date(2024, 3, 5), "billing_method": "ach", "memo": "ACH-555"}],
        )
        self._figures(move, 40.0, 90.0, "sent", 90.0)
        # An overpayment through the wizard needs the explicit choice.
        wizard = Form(self.env[action["res_model"]].with_user(self.billing_user).with_context(**action["context"]))
        wizard.amount = 100.0
        self.assertTrue(wizard.is_overpayment)
        with self.assertRaisesRegex(UserError, "more than the balance"):
            wizard.save().action_record()
        wizard.keep_excess = True
        wizard.save().action_record()
        self._figures(move, 130.0, 0.0, "paid", -10.0)

    def test_payment_log_lists_payments_and_refunds(self):
        move = self._sent_invoice()
        self._pay(move, 130.0, "check", "Check 9", user=self.billing_user)
        move.with_user(self.billing_manager)._billing_refund(30.0, "Session cancelled", method="cash")
        log = move.billing_payment_ids.sorted("id")
        self.assertRecordValues(
            log,
            [
                {
                    "payment_type": "inbound",
                    "billing_method": "check",
                    "memo": "Check 9",
                    "billing_signed_amount": 130.0,
                    "billing_reason": False,
                    "create_uid": self.billing_user.id,
                },
                {
                    "payment_type": "outbound",
                    "billing_method": "cash",
                    "memo": f"Refund {move.name}",
                    "billing_signed_amount": -30.0,
                    "billing_reason": "Session cancelled",
                    "create_uid": self.billing_manager.id,
                },
            ],
        )


@tagged("post_install", "-at_install")
class TestVoid(PaymentsCommon):
    def test_void_requires_a_reason(self):
        move = self._sent_invoice()
        for reason in ("", "   ", None):
            with self.assertRaisesRegex(UserError, "requires a reason"):
                move._billing_void(reason)
        self.assertFalse(move.reversal_move_ids)
        self._figures(move, 0.0, 130.0, "sent", 130.0)

    @freeze_time("2024-05-02 10:00:00")
    def test_void_reverses_releases_charges_and_logs(self):
        move = self._sent_invoice()
        charges = move.invoice_line_ids.practice_charge_id
        move.with_user(self.billing_manager)._billing_void("Wrong client")
        self.assertRecordValues(
            move,
            [
                {
                    "billing_state": "voided",
                    "void_reason": "Wrong client",
                    "billing_voided_by_id": self.billing_manager.id,
                    "billing_void_date": fields.Datetime.now(),
                    "state": "posted",  # the original stays for audit
                }
            ],
        )
        reversal = move.reversal_move_ids
        self.assertRecordValues(reversal, [{"move_type": "out_refund", "state": "posted", "amount_total": 130.0}])
        # The reversal is the parent's document too: it names the invoice, not the staff's reason.
        self.assertEqual(reversal.ref, f"Void of {move.name}")
        self.assertEqual(set(charges.mapped("state")), {"unbilled"})
        self.assertFalse(charges.move_line_id)
        self._figures(move, 0.0, 0.0, "voided", 0.0)
        self.assertIn("voided by Boss: Wrong client", move.message_ids[0].body)
        # Still listed among the invoices, with its state.
        self.assertIn(move, self.env["account.move"].search([("billing_state", "=", "voided")]))
        # Its charges can be invoiced again.
        again = charges._create_invoices()
        self.assertEqual(again.invoice_line_ids.practice_charge_id, charges)

    def test_void_draft_cancels_it_without_deleting(self):
        move = self._draft_invoice()
        charges = move.invoice_line_ids.practice_charge_id
        move._billing_void("Duplicate")
        self.assertTrue(move.exists())
        self.assertRecordValues(move, [{"state": "cancel", "billing_state": "voided", "void_reason": "Duplicate"}])
        self.assertEqual(set(charges.mapped("state")), {"unbilled"})
        self.assertEqual(self._receivable_balance(self.parent_rivera), 0.0)

    def test_voided_invoice_accepts_no_staff_payment(self):
        move = self._sent_invoice()
        move._billing_void("Issued in error")
        with self.assertRaisesRegex(UserError, "cannot take a payment: it is Voided"):
            self._pay(move, 10.0)
        self.assertFalse(move.billing_payment_ids)
        self._figures(move, 0.0, 0.0, "voided", 0.0)

    def test_voided_invoice_accepts_no_portal_transaction(self):
        move = self._sent_invoice()
        move._billing_void("Issued in error")
        with self.assertRaisesRegex(UserError, "was voided and accepts no payment"):
            self._portal_transaction(move, amount=130.0)
        self.assertFalse(self.env["payment.transaction"].sudo().search([("invoice_ids", "in", move.ids)]))

    def test_processor_notification_after_void_is_not_applied(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)  # the parent started paying...
        # An abandoned click (over 30 minutes old): no longer a payment in flight.
        self._abandon(tx)
        move._billing_void("Issued in error")  # ... staff voided meanwhile
        self._notify(tx)
        self.assertEqual(tx.state, "done")
        self._figures(move, 0.0, 0.0, "voided", -130.0)  # the money is the parent's credit
        # ... in the invoice's payment log (Billing AR shows it), never matched to the voided invoice
        self.assertEqual(move.billing_payment_ids, tx.payment_id)
        self.assertRecordValues(tx.payment_id, [{"amount": 130.0, "billing_move_id": move.id, "is_reconciled": False}])
        self.assertEqual(move.billing_amount_refundable, 130.0)
        self.assertIn("stays on the parent's account as a credit", "".join(move.message_ids.mapped("body")))

    def test_credit_on_voided_invoice_refunded_through_the_processor(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)
        self._abandon(tx)
        move._billing_void("Issued in error")
        self._notify(tx)
        self._figures(move, 0.0, 0.0, "voided", -130.0)
        with self.assertRaisesRegex(UserError, "nothing left to credit"):
            move._billing_refund(130.0, "Paid after the void", credit_invoice=True, through_processor=True)
        refund = move._billing_refund(130.0, "Paid after the void", through_processor=True)
        self.assertRecordValues(
            refund, [{"payment_type": "outbound", "amount": 130.0, "billing_move_id": move.id, "is_reconciled": True}]
        )
        self.assertEqual(move.billing_amount_refundable, 0.0)
        self._figures(move, 0.0, 0.0, "voided", 0.0)
        with self.assertRaisesRegex(UserError, "is voided and holds no payment to refund"):
            move._billing_refund(1.0, "Again")

    def test_invoice_with_payments_cannot_be_voided_until_refunded(self):
        move = self._sent_invoice()
        self._pay(move, 30.0)
        with self.assertRaisesRegex(UserError, r"has payments \(30.0 paid\): refund them before voiding it"):
            move._billing_void("Wrong family")
        self._figures(move, 30.0, 100.0, "sent", 100.0)
        self.assertFalse(move.reversal_move_ids)
        move._billing_refund(30.0, "Returned the check")
        self._figures(move, 0.0, 130.0, "sent", 130.0)
        move._billing_void("Wrong family")
        self._figures(move, 0.0, 0.0, "voided", 0.0)
        self.assertEqual(set(move.invoice_line_ids.practice_charge_id.mapped("state")), {"unbilled"})

    def test_void_after_waived_late_fee_keeps_the_waiver(self):
        move = self._sent_invoice(count=2, units=2)  # 130.00
        fee = move._billing_create_late_fee(15.0, "Late fee")
        move._billing_waive_late_fee("Goodwill")
        waiver = fee.reversal_move_ids
        self.assertEqual(len(waiver), 1)
        move._billing_void("Wrong client")
        self.assertEqual(fee.reversal_move_ids, waiver, "a waived fee is not reversed a second time")
        receivable = (fee + waiver).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        self.assertTrue(all(receivable.mapped("reconciled")), "the waiver stays matched to its fee")
        self.assertRecordValues(move, [{"billing_state": "voided", "billing_amount_due": 0.0}])
        self.assertEqual(self._receivable_balance(self.parent_rivera), 0.0)

        move = self._sent_invoice()
        action = move.action_billing_open_void()
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
        wizard.reason = "Duplicate invoice"
        wizard.save().action_void()
        self.assertRecordValues(move, [{"billing_state": "voided", "void_reason": "Duplicate invoice"}])


@tagged("post_install", "-at_install")
class TestRefund(PaymentsCommon):
    def test_partial_refund_brings_the_balance_back(self):
        move = self._sent_invoice()
        self._pay(move, 130.0)
        refund = move._billing_refund(50.0, "Overcharged one session")
        self._figures(move, 80.0, 50.0, "sent", 50.0)
        self.assertRecordValues(
            refund,
            [
                {
                    "payment_type": "outbound",
                    "amount": 50.0,
                    "billing_move_id": move.id,
                    "billing_method": "check",  # the refunded payment's method by default
                    "billing_reason": "Overcharged one session",
                    "state": "in_process",
                }
            ],
        )
        self.assertIn(refund, move.billing_payment_ids)
        self.assertFalse(move.reversal_move_ids, "no credit note without credit_invoice")

    def test_full_refund_without_credit(self):
        move = self._refund_after_paying(130.0, 130.0, "Services not delivered")
        self._figures(move, 0.0, 130.0, "sent", 130.0)

    def test_full_refund_with_credit(self):
        move = self._refund_after_paying(130.0, 130.0, "Goodwill", credit_invoice=True)
        self._figures(move, 0.0, 0.0, "paid", 0.0)
        credit = move.reversal_move_ids
        self.assertRecordValues(credit, [{"move_type": "out_refund", "state": "posted", "amount_total": 130.0}])
        self.assertEqual(move.billing_amount_credited, 130.0)

    def test_partial_refund_with_credit_keeps_zero_balance(self):
        move = self._refund_after_paying(130.0, 30.0, "Scholarship", credit_invoice=True, method="ach")
        self._figures(move, 100.0, 0.0, "paid", 0.0)
        self.assertEqual(move.billing_amount_credited, 30.0)

    def test_refund_on_partly_paid_invoice(self):
        move = self._refund_after_paying(100.0, 40.0, "Duplicate charge")
        self._figures(move, 60.0, 70.0, "sent", 70.0)

    def test_refund_refused_above_paid_or_without_reason(self):
        move = self._sent_invoice()
        self._pay(move, 100.0)
        with self.assertRaisesRegex(UserError, r"refund 100.01 is more than the 100.0 paid on invoice"):
            move._billing_refund(100.01, "Too much")
        with self.assertRaisesRegex(UserError, "requires a reason"):
            move._billing_refund(10.0, "  ")
        with self.assertRaisesRegex(UserError, "above zero"):
            move._billing_refund(0.0, "Nothing")
        with self.assertRaisesRegex(UserError, "Unknown refund method 'wire'"):
            move._billing_refund(10.0, "Wrong method", method="wire")
        self.assertEqual(len(move.billing_payment_ids), 1)
        self._figures(move, 100.0, 30.0, "sent", 30.0)
        with self.assertRaisesRegex(UserError, "more than the 0.0 paid"):
            self._sent_invoice(client=self.client_lily)._billing_refund(1.0, "Nothing paid")

    def test_refund_wizard(self):
        move = self._sent_invoice()
        self._pay(move, 130.0)
        action = move.action_billing_open_refund()
        wizard = Form(self.env[action["res_model"]].with_context(**action["context"]))
        self.assertEqual(wizard.amount, 130.0, "defaults to the amount paid")
        self.assertFalse(wizard.can_use_processor, "a check cannot go back through a processor")
        wizard.amount = 20.0
        wizard.reason = "Billing error"
        wizard.credit_invoice = True
        wizard.save().action_refund()
        self._figures(move, 110.0, 0.0, "paid", 0.0)


@tagged("post_install", "-at_install")
class TestRoles(PaymentsCommon):
    def test_billing_user_records_payments_but_cannot_void_or_refund(self):
        move = self._sent_invoice()
        self._pay(move, 30.0, user=self.billing_user)
        as_user = move.with_user(self.billing_user)
        with self.assertRaisesRegex(AccessError, "Only a billing manager can void an invoice"):
            as_user._billing_void("Mistake")
        with self.assertRaisesRegex(AccessError, "Only a billing manager can refund an invoice"):
            as_user._billing_refund(10.0, "Mistake")
        with self.assertRaises(AccessError):
            self.env["account.move.billing.void"].with_user(self.billing_user).create(
                {"move_id": move.id, "reason": "Mistake"}
            )
        with self.assertRaises(AccessError):
            self.env["account.move.billing.refund"].with_user(self.billing_user).create(
                {"move_id": move.id, "amount": 10.0, "reason": "Mistake"}
            )
        self._figures(move, 30.0, 100.0, "sent", 100.0)
        # The manager can.
        as_manager = move.with_user(self.billing_manager)
        as_manager._billing_refund(30.0, "Mistake")
        as_manager._billing_void("Mistake")
        self._figures(move, 0.0, 0.0, "voided", 0.0)


@tagged("post_install", "-at_install")
class TestProcessorPayments(PaymentsCommon):
    def test_processor_payment_posts_itself_with_transaction_id(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)
        self._notify(tx)
        payment = tx.payment_id
        self.assertEqual(move.billing_payment_ids, payment)
        self.assertRecordValues(
            payment,
            [{"amount": 130.0, "payment_type": "inbound", "billing_method": "card", "billing_move_id": move.id}],
        )
        self.assertEqual(tx.provider_reference, f"demo-{tx.reference}")
        self.assertIn(tx.provider_reference, payment.memo)
        self.assertIn(tx.reference, payment.memo)
        self._figures(move, 130.0, 0.0, "paid", 0.0)

    def test_partial_processor_payment(self):
        move = self._sent_invoice()
        self._notify(self._portal_transaction(move, amount=45.5))
        self._figures(move, 45.5, 84.5, "sent", 84.5)

    def test_duplicate_notification_yields_one_payment(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)
        self._notify(tx)
        payment = tx.payment_id
        self._notify(tx)
        tx._post_process()  # and the post-processing cron running again
        tx._create_payment()  # even asked directly, the same transaction pays once
        self.assertEqual(move.billing_payment_ids, payment)
        self.assertEqual(self.env["account.payment"].search_count([("payment_transaction_id", "=", tx.id)]), 1)
        self._figures(move, 130.0, 0.0, "paid", 0.0)

    def test_out_of_order_notifications_yield_one_payment(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)
        self._notify(tx, "done")
        # Stale notifications arriving late change nothing.
        self._notify(tx, "pending")
        self._notify(tx, "cancel")
        self.assertEqual(tx.state, "done")
        self.assertIn(tx.payment_id.state, ("in_process", "paid"))
        self._notify(tx, "done")
        self._assert_paid_once(move)

    def test_pending_then_done_yields_one_payment(self):
        move, tx = self._pending_card_payment()
        self.assertFalse(move.billing_payment_ids)
        self._figures(move, 0.0, 130.0, "sent", 130.0)
        self._notify(tx, "done")
        self._notify(tx, "done")
        self._assert_paid_once(move)

    def test_staff_cannot_record_a_pending_card_payment_by_hand(self):
        move, tx = self._pending_card_payment()
        # Staff saw the card payment in the processor's dashboard: recording it
        # by hand is refused while it is in flight (issue 20)...
        with self.assertRaisesRegex(UserError, tx.reference):
            self._pay(move, 130.0, "card", f"demo-{tx.reference}", user=self.billing_user)
        self.assertFalse(move.billing_payment_ids)
        self._figures(move, 0.0, 130.0, "sent", 130.0)
        # ... the processor's confirmation records it, once.
        self._notify(tx, "done")
        self.assertEqual(move.billing_payment_ids, tx.payment_id)
        self._figures(move, 130.0, 0.0, "paid", 0.0)

    def test_staff_payment_of_the_same_transaction_is_not_doubled(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)  # the parent left the processor's page without an answer
        with freeze_time(fields.Datetime.now() + timedelta(minutes=31)):
            # Half an hour later the click is abandoned, not in flight; staff saw
            # the card payment in the processor's dashboard and record it by hand...
            self.assertFalse(move._billing_live_transactions())
            staff = self._pay(move, 130.0, "card", f"demo-{tx.reference}", user=self.billing_user)
            # ... then the processor's late confirmation of the same money arrives.
            self._notify(tx, "done")
        self.assertEqual(tx.payment_id, staff)
        self.assertEqual(move.billing_payment_ids, staff)
        self._figures(move, 130.0, 0.0, "paid", 0.0)

    def test_staff_cannot_record_a_transaction_the_processor_posted(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move, amount=100.0)
        self._notify(tx)
        self._figures(move, 100.0, 30.0, "sent", 30.0)
        for reference in (tx.reference, tx.provider_reference):
            with self.assertRaisesRegex(UserError, "already recorded on invoice .* by the payment processor"):
                self._pay(move, 30.0, "card", reference, user=self.billing_user)
        self.assertEqual(move.billing_payment_ids, tx.payment_id)
        self._figures(move, 100.0, 30.0, "sent", 30.0)

    def test_refund_through_the_processor(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)
        self._notify(tx)
        refund = move.with_user(self.billing_manager)._billing_refund(30.0, "Missed session", through_processor=True)
        refund_tx = tx.child_transaction_ids
        self.assertRecordValues(
            refund_tx, [{"operation": "refund", "state": "done", "amount": -30.0, "payment_id": refund.id}]
        )
        self.assertRecordValues(
            refund,
            [
                {
                    "payment_type": "outbound",
                    "amount": 30.0,
                    "billing_move_id": move.id,
                    "billing_method": "card",
                    "billing_reason": "Missed session",
                }
            ],
        )
        self.assertIn(refund_tx.provider_reference, refund.memo)
        self.assertEqual(move.billing_payment_ids, tx.payment_id | refund)
        self._figures(move, 100.0, 30.0, "sent", 30.0)
        # A refund beyond what the processor took (less what it refunded) is refused.
        self._pay(move, 30.0, "check", "Check 3")
        with self.assertRaisesRegex(UserError, "can be refunded by 100.0 at most"):
            move._billing_refund(100.01, "Too much", through_processor=True)
        self._figures(move, 130.0, 0.0, "paid", 0.0)

    def test_full_refund_through_the_processor_with_credit(self):
        move = self._sent_invoice()
        tx = self._portal_transaction(move)
        self._notify(tx)
        move._billing_refund(130.0, "Closed account", credit_invoice=True, through_processor=True)
        self._figures(move, 0.0, 0.0, "paid", 0.0)
        self.assertEqual(move.billing_amount_credited, 130.0)

    def test_processor_refund_refused_for_staff_payments(self):
        move = self._sent_invoice()
        self._pay(move, 130.0)
        with self.assertRaisesRegex(UserError, "No payment on invoice .* came through a processor"):
            move._billing_refund(10.0, "Card", through_processor=True)
        self._figures(move, 130.0, 0.0, "paid", 0.0)


@tagged("post_install", "-at_install")
class TestConcurrentPayments(RealConnectionsCase):
    """A processor notification and a staff payment for the same money at the
    same time, on two real database connections (one test transaction
    cannot show this). Whichever comes first wins; the other is refused or
    linked, never a second payment."""

    def _committed_invoice(self):
        skip_unless_installed(self.env, "payment_demo")
        ids = self._commit_family("Concurrent Payer", price=100.0, invoice=True)
        with self._connection() as env:
            move = env["account.move"].browse(ids["move"])
            with move._billing_transition():  # posted as Send would, without the PDF
                move.action_post()
            tx = pay_now_transaction(env, env.ref("payment.payment_provider_demo"), move, 100.0)
            # Started over 30 minutes ago (not in flight: staff may record it by hand).
            abandon_transaction(env, tx)
            ids.update(tx=tx.id, reference=f"demo-{tx.reference}")  # what the processor's dashboard shows
            # The other connections must see this data.
            env.cr.commit()  # pylint: disable=invalid-commit
        return ids

    def _processor_notifies(self, env, ids):
        tx = env["payment.transaction"].browse(ids["tx"])
        notification = {"reference": tx.reference, "simulated_state": "done"}
        env["payment.transaction"]._handle_notification_data("demo", notification)
        tx._post_process()
        env.flush_all()
        return tx

    def _check_one_payment(self, env, ids):
        env.invalidate_all()
        move = env["account.move"].browse(ids["move"])
        tx = env["payment.transaction"].browse(ids["tx"])
        payments = env["account.payment"].search([("partner_id", "=", ids["parent"])])
        self.assertEqual(len(payments), 1)
        self.assertEqual(tx.payment_id, payments)
        self.assertEqual(move.billing_payment_ids, payments)
        self.assertRecordValues(
            move, [{"billing_amount_paid": 100.0, "billing_amount_due": 0.0, "billing_state": "paid"}]
        )
        self.assertEqual(ledger_balance(env, move.partner_id), 0.0)

    def test_processor_first_then_staff(self):
        ids = self._committed_invoice()
        with self._connection() as env1, self._connection() as env2:
            cr1, cr2 = env1.cr, env2.cr
            self._processor_notifies(env1, ids)
            # Staff records the same money while the notification is being processed.
            move2 = env2["account.move"].browse(ids["move"])
            with self.assertRaisesRegex(UserError, "Another user is working on these"):
                move2._billing_register_payment(100.0, fields.Date.today(), "card", ids["reference"])
            cr2.rollback()
            cr1.commit()
            # Once the processor's payment is in, staff cannot record it again.
            env2.invalidate_all()
            with self.assertRaisesRegex(UserError, "it is Paid"):
                move2._billing_register_payment(100.0, fields.Date.today(), "card", ids["reference"])
            cr2.rollback()
            self._check_one_payment(env2, ids)

    def test_staff_first_then_processor(self):
        ids = self._committed_invoice()
        with self._connection() as env1, self._connection() as env2:
            cr1, cr2 = env1.cr, env2.cr
            env1["account.move"].browse(ids["move"])._billing_register_payment(
                100.0, fields.Date.today(), "card", ids["reference"]
            )
            env1.flush_all()
            # The processor's notification arrives before staff committed: it
            # waits for the invoice (here at most 1 s), fails and is retried.
            cr2.execute("SET LOCAL lock_timeout = '1s'")
            # The lock timeout is expected: not an error in Odoo's runner log.
            with self.assertRaises(errors.LockNotAvailable), mute_logger("odoo.sql_db"):
                self._processor_notifies(env2, ids)
            cr2.rollback()
            cr1.commit()
            env2.invalidate_all()
            tx = self._processor_notifies(env2, ids)
            self.assertEqual(tx.state, "done")
            cr2.commit()
            self._check_one_payment(env2, ids)


@tagged("post_install", "-at_install")
class TestRecordPaymentGuards(PaymentsCommon):
    """Record Payment as a careless or hurried user would use it (issue 9, part 5)."""

    def _wizard(self, move, model="account.move.billing.payment", user=None):
        user = user or self.billing_user
        return Form(self.env[model].with_user(user).with_context(default_move_id=move.id))

    def test_dialog_submitted_twice_records_one_payment(self):
        move = self._sent_invoice()
        form = self._wizard(move)
        form.amount = 40.0
        form.reference = "Check 77"
        wizard = form.save()
        wizard.action_record()
        wizard.action_record()  # a double click: the same dialog submitted again
        self.assertEqual(len(move.billing_payment_ids), 1)
        self.assertEqual(wizard.payment_id, move.billing_payment_ids)
        self._figures(move, 40.0, 90.0, "sent", 90.0)

    def test_same_check_reference_on_the_same_invoice_is_refused(self):
        move = self._sent_invoice()
        first = self._pay(move, 40.0, "check", "1234", user=self.billing_user)
        self.assertEqual(first.billing_reference, "1234")
        with self.assertRaisesRegex(
            UserError, rf"already has payment {first.name} of 40.0 .* with Check reference 1234"
        ):
            self._pay(move, 40.0, "check", " 1234 ", user=self.billing_user)
        # Another method with the same number, or no reference at all, is another payment.
        self._pay(move, 10.0, "ach", "1234", user=self.billing_user)
        self._pay(move, 5.0, "cash", "", user=self.billing_user)
        self._pay(move, 5.0, "cash", "", user=self.billing_user)
        self.assertEqual(len(move.billing_payment_ids), 4)
        self._figures(move, 60.0, 70.0, "sent", 70.0)

    def test_excess_needs_a_confirmation_stating_the_credit(self):
        move = self._sent_invoice()
        form = self._wizard(move)
        form.amount = 200.0
        self.assertTrue(form.is_overpayment)
        self.assertEqual(form.excess_amount, 70.0)
        wizard = form.save()
        with self.assertRaisesRegex(UserError, r"confirm to keep the excess 70.0 as the parent's credit"):
            wizard.action_record()
        self.assertFalse(move.billing_payment_ids)
        form = self._wizard(move)
        form.amount = 200.0
        form.keep_excess = True
        form.save().action_record()
        self._figures(move, 130.0, 0.0, "paid", -70.0)

    def test_absurd_amount_is_refused_even_when_kept_as_credit(self):
        move = self._sent_invoice(count=1)  # 65.00
        with self.assertRaisesRegex(UserError, r"more than 10 times the total 65.0 of invoice .* typing error"):
            self._pay(move, 1500000.0, keep_excess=True, user=self.billing_user)
        form = self._wizard(move)
        form.amount = 1500000.0
        form.keep_excess = True
        with self.assertRaisesRegex(UserError, "typing error"):
            form.save().action_record()
        self.assertFalse(move.billing_payment_ids)
        self._figures(move, 0.0, 65.0, "sent", 65.0)
        # Ten times the total is still a (confirmed) prepayment.
        self._pay(move, 650.0, keep_excess=True, user=self.billing_user)
        self._figures(move, 65.0, 0.0, "paid", -585.0)

    def test_nan_and_infinity_amounts_give_a_clear_error(self):
        move = self._sent_invoice()
        self._pay(move, 130.0)
        for bad in (float("nan"), float("inf"), float("-inf")):
            with self.assertRaisesRegex(UserError, "The payment amount must be a number"):
                self._pay(move, bad, user=self.billing_user)
            with self.assertRaisesRegex(UserError, "The refund amount must be a number"):
                move.with_user(self.billing_manager)._billing_refund(bad, "Typo")
            with self.assertRaisesRegex(UserError, "The payment amount must be a number"):
                self.env["account.move.billing.payment"].with_user(self.billing_user).create(
                    {"move_id": move.id, "amount": bad}
                )
            with self.assertRaisesRegex(UserError, "The refund amount must be a number"):
                self.env["account.move.billing.refund"].with_user(self.billing_manager).create(
                    {"move_id": move.id, "amount": bad, "reason": "Typo"}
                )
            with self.assertRaisesRegex(UserError, "The refund amount must be a number"):
                form = self._wizard(move, "account.move.billing.refund", self.billing_manager)
                form.amount = bad
                form.reason = "Typo"
                form.save()
            with self.assertRaisesRegex(UserError, "The payment amount must be a number"):
                form = self._wizard(move)
                form.amount = bad
                form.save()
        self._assert_paid_once(move)
