"""Credits (issue 12): money a parent has on account is applied to her next
sent invoice automatically, oldest credit first, logged on both documents and
shown as "Credit applied"; staff can refund it instead. After each scenario
the parent's ledger, the invoices' balances and Billing AR agree to the cent."""

from datetime import date

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import BillingCommon, html_text


class CreditsCommon(BillingCommon):
    def _assert_books(self, ledger, figures=(), partner=None):
        """The parent's ledger and Billing AR are ``ledger``; each (invoice,
        credit applied, paid, balance, state) as given."""
        partner = partner or self.parent_rivera
        for move, applied, paid, due, state in figures:
            move.invalidate_recordset()
            self.assertRecordValues(
                move,
                [
                    {
                        "billing_amount_credit_applied": applied,
                        "billing_amount_paid": paid,
                        "billing_amount_due": due,
                        "billing_state": state,
                    }
                ],
            )
        self.assertMoneyAgrees(partner, ledger)

    def _notes(self, record):
        return " ".join(record.message_ids.mapped("body")).replace("\xa0", " ").replace("&nbsp;", " ")

    def _overpaid(self, amount=100.0, move=None):
        """A sent 65.00 invoice (or ``move``) paid ``amount`` by check, the
        excess kept as credit."""
        move = move or self._sent_invoice(count=1, units=2.0)
        move._billing_register_payment(amount, fields.Date.today(), "check", f"CHK-{move.id}", keep_excess=True)
        return move

    def _paid_after_void(self):
        """A 41.25 invoice voided while the parent was paying it online: the
        money stays on her account as a credit (in the voided invoice's log)."""
        provider = self._enable_demo_provider()
        move = self._sent_invoice(service=self.service_ot, units=1.0, count=1)
        tx = self._demo_transaction(provider, move, 41.25)
        self._abandon(tx)  # an abandoned click (over 30 minutes old): no longer a payment in flight
        move._billing_void("Issued in error")
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx._post_process()
        self.assertEqual(move.billing_amount_refundable, 41.25)
        return move, tx.payment_id


@tagged("post_install", "-at_install")
class TestCredits(CreditsCommon):
    def test_overpayment_credit_is_applied_on_next_send(self):
        first = self._overpaid(100.0)
        self._assert_books(-35.0, [(first, 0.0, 65.0, 0.0, "paid")])
        self.assertEqual(self.parent_rivera.billing_credit_amount, 35.0)
        second = self._sent_invoice(count=1, units=2.0)  # 65.00
        self._assert_books(30.0, [(first, 0.0, 65.0, 0.0, "paid"), (second, 35.0, 35.0, 30.0, "sent")])
        self.assertEqual(second.billing_amount_paid_direct, 0.0)
        self.parent_rivera.invalidate_recordset()
        self.assertEqual(self.parent_rivera.billing_credit_amount, 0.0)
        self.assertIn("Credit applied: $ 35.00 of the parent's credit from " + first.name, self._notes(second))
        self.assertIn(
            f"$ 35.00 of the parent's credit from here was applied to invoice {second.name}", self._notes(first)
        )
        # Sending again changes nothing (Send is idempotent).
        second.action_billing_send()
        self._assert_books(30.0, [(second, 35.0, 35.0, 30.0, "sent")])

    def test_credit_larger_than_invoice_leaves_the_rest_for_later(self):
        first = self._overpaid(165.0)  # 100.00 credit
        second = self._sent_invoice(count=1, units=2.0)
        self._assert_books(-35.0, [(second, 65.0, 65.0, 0.0, "paid")])
        third = self._sent_invoice(service=self.service_speech, units=1.0, count=1)
        self._assert_books(90.0, [(first, 0.0, 65.0, 0.0, "paid"), (third, 35.0, 35.0, 90.0, "sent")])

    def test_oldest_credit_first(self):
        with freeze_time("2026-03-01"):
            overpaid = self._sent_invoice(count=1, units=2.0)  # sent before any credit exists
        with freeze_time("2026-03-02"):
            voided, payment = self._paid_after_void()  # 41.25 credit, on 2026-03-02
        with freeze_time("2026-03-10"):
            self._overpaid(100.0, overpaid)  # 35.00 credit, later
            self._assert_books(-76.25, [(voided, 0.0, 0.0, 0.0, "voided")])
            move = self._sent_invoice(count=1, units=1.5)  # 48.75: all of the older, 7.50 of the newer
            self._assert_books(-27.5, [(move, 48.75, 48.75, 0.0, "paid"), (overpaid, 0.0, 65.0, 0.0, "paid")])
        self.assertEqual(voided.billing_amount_refundable, 0.0, "the voided invoice's credit was used")
        self.assertIn(
            f"$ 41.25 of the parent's credit from here was applied to invoice {move.name}", self._notes(voided)
        )
        self.assertIn(
            f"$ 7.50 of the parent's credit from here was applied to invoice {move.name}", self._notes(overpaid)
        )
        receivable = move.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        partials = receivable.matched_credit_ids.sorted("id")
        self.assertEqual(partials.mapped("amount"), [41.25, 7.5], "the older credit first")
        self.assertEqual(partials[0].credit_move_id.move_id, payment.move_id)

    def test_no_credit_of_another_family(self):
        self._overpaid(100.0)
        chen = self._sent_invoice(client=self.client_lily, service=self.service_speech, units=1.0, count=1)
        self._assert_books(125.0, [(chen, 0.0, 0.0, 125.0, "sent")], partner=self.parent_chen)
        self._assert_books(-35.0)

    def test_credit_applied_shows_on_pdf_and_email_figures(self):
        self._overpaid(100.0)
        second = self._sent_invoice(count=1, units=2.0)
        html = self.env["ir.actions.report"]._render_qweb_html("account.account_invoices", second.ids)[0].decode()
        text = html_text(html)
        self.assertIn("Total $ 65.00 Credit applied - $ 35.00 Amount paid $ 0.00 Balance $ 30.00", text)
        # The PDF attached at Send was rendered after the credit was applied.
        self.assertIn("Invoice sent to the parent.", self._notes(second))
        self.assertEqual(second.billing_amount_due, 30.0)

    # --- Refund Credit -----------------------------------------------------------
    def test_staff_refund_credit_instead_of_applying_it(self):
        first = self._overpaid(100.0)
        refunds = self.parent_rivera.with_user(self.billing_manager)._billing_refund_credit(
            35.0, "check", "Parent asked for her money back"
        )
        self.assertRecordValues(
            refunds,
            [{"payment_type": "outbound", "amount": 35.0, "billing_move_id": first.id, "billing_method": "check"}],
        )
        self._assert_books(0.0, [(first, 0.0, 65.0, 0.0, "paid")])
        self.parent_rivera.invalidate_recordset()
        self.assertEqual(self.parent_rivera.billing_credit_amount, 0.0)
        self.assertIn("was refunded by Boss (Check): Parent asked for her money back", self._notes(first))
        second = self._sent_invoice(count=1, units=2.0)
        self._assert_books(65.0, [(second, 0.0, 0.0, 65.0, "sent")])

    def test_partial_refund_of_credits_oldest_first(self):
        with freeze_time("2026-03-01"):
            overpaid = self._sent_invoice(count=1, units=2.0)
        with freeze_time("2026-03-02"):
            voided, _payment = self._paid_after_void()  # 41.25
        with freeze_time("2026-03-10"):
            self._overpaid(100.0, overpaid)  # 35.00
            refunds = self.parent_rivera._billing_refund_credit(50.0, "ach", "Partial")
            self.assertEqual(refunds.mapped("amount"), [41.25, 8.75])
            self.assertEqual(refunds.billing_move_id, voided | overpaid)
            self.assertEqual(voided.billing_amount_refundable, 0.0)
            self._assert_books(-26.25, [(voided, 0.0, 0.0, 0.0, "voided")])
            move = self._sent_invoice(count=1, units=2.0)
            self._assert_books(38.75, [(move, 26.25, 26.25, 38.75, "sent")])

    def test_refund_credit_refusals_leave_everything_as_it_was(self):
        self._overpaid(100.0)
        with self.assertRaisesRegex(AccessError, "Only a billing manager can refund a parent's credit"):
            self.parent_rivera.with_user(self.billing_user)._billing_refund_credit(10.0, "check", "x")
        with self.assertRaisesRegex(UserError, "of unapplied credit of Maria Rivera"):
            self.parent_rivera._billing_refund_credit(35.01, "check", "x")
        with self.assertRaisesRegex(UserError, "must be a number above zero"):
            self.parent_rivera._billing_refund_credit(float("nan"), "check", "x")
        with self.assertRaisesRegex(UserError, "requires a reason"):
            self.parent_rivera._billing_refund_credit(10.0, "check", " ")
        with self.assertRaisesRegex(UserError, "Unknown refund method"):
            self.parent_rivera._billing_refund_credit(10.0, "bitcoin", "x")
        self._assert_books(-35.0)

    def test_refund_credit_wizard(self):
        self._overpaid(100.0)
        action = self.parent_rivera.with_user(self.billing_manager).action_billing_open_refund_credit()
        wizard = (
            self.env["res.partner.billing.refund.credit"]
            .with_user(self.billing_manager)
            .with_context(**action["context"])
            .create({"method": "cash", "reason": "Moving away"})
        )
        self.assertEqual(wizard.amount, 35.0)
        wizard.action_refund()
        self._assert_books(0.0)

    def test_partial_credit_leaves_a_balance(self):
        with freeze_time(date(2026, 5, 4)):
            self._overpaid(80.0)
            move = self._sent_invoice(count=1, units=1.0)  # 32.50, 15.00 of it from credit
            self._assert_books(17.5, [(move, 15.0, 15.0, 17.5, "sent")])


@tagged("post_install", "-at_install")
class TestCreditsPortal(CreditsCommon, HttpCase):
    def test_parent_sees_credit_applied_on_the_invoice_page(self):
        self._portal_user("maria", self.parent_rivera)
        jose = self.env["res.partner"].create({"name": "Jose Rivera", "parent_id": self.parent_rivera.id})
        self._portal_user("jose", jose)
        self._overpaid(100.0)
        second = self._sent_invoice(count=1, units=2.0)
        self.authenticate("maria", "maria-pass-1234")
        response = self.url_open(f"/my/invoices/{second.id}")
        self.assertEqual(response.status_code, 200)
        text = html_text(response.content)
        self.assertIn("Total $ 65.00 Credit applied $ 35.00 Paid $ 0.00 Balance $ 30.00", text)
        self.authenticate("jose", "jose-pass-1234")
        response = self.url_open(f"/my/invoices/{second.id}")
        self.assertNotIn("Credit applied", response.text)
