"""Processor money is never lost, doubled or misattributed (issue 9, part 4).

Each scenario posts signed Stripe events to Odoo's real webhook route, runs
Odoo's post-processing, then checks the parent's receivable ledger, the
invoices' billing figures and Billing AR to the cent."""

import json
from pathlib import Path

from odoo import fields
from odoo.tests import tagged

from .test_stripe_webhook import PAYLOAD, StripeWebhookCase

REFUND_PAYLOAD = Path(__file__).parent / "data" / "stripe_charge_refunded.json"


@tagged("post_install", "-at_install")
class TestProcessorMoney(StripeWebhookCase):
    def setUp(self):
        super().setUp()
        self.invoice = self._sent_invoice(count=1, units=2)  # 65.00

    # --- recorded events, adjusted -----------------------------------------
    def _succeeded(self, tx, minor_amount=None, intent="pi_3QpB7yAlCFm536g81Wy7RCPH"):
        """Stripe's payment_intent.succeeded for ``tx``; by default for the
        transaction's amount."""
        event = json.loads(PAYLOAD.read_text().replace("__REFERENCE__", tx.reference))
        payment_intent = event["data"]["object"]
        minor = round(tx.amount * 100) if minor_amount is None else minor_amount
        payment_intent.update(id=intent, amount=minor, amount_received=minor)
        payment_intent["charges"]["data"][0]["amount"] = minor
        return json.dumps(event)

    def _refunded(self, tx, refunds):
        """Stripe's charge.refunded for ``tx``: ``refunds`` is the charge's
        list of (refund id, amount in cents), as Stripe lists them all."""
        event = json.loads(REFUND_PAYLOAD.read_text().replace("__REFERENCE__", tx.reference))
        charge = event["data"]["object"]
        template = charge["refunds"]["data"][0]
        charge["refunds"]["data"] = [dict(template, id=refund_id, amount=minor) for refund_id, minor in refunds]
        charge["refunds"]["total_count"] = len(refunds)
        charge["amount_refunded"] = sum(minor for _id, minor in refunds)
        return json.dumps(event)

    def _deliver(self, body):
        response = self._post(body)
        self.assertEqual(response.status_code, 200)
        self._post_process()

    # --- the books ------------------------------------------------------------
    def _assert_books(self, ledger, moves=None, figures=None):
        """The parent's ledger and Billing AR are ``ledger``; each invoice's
        (amount paid, balance, billing state) are ``figures``."""
        partner = self.parent_rivera
        for move, (paid, due, state) in zip(moves or self.invoice, figures or [], strict=False):
            move.invalidate_recordset()
            self.assertRecordValues(
                move, [{"billing_amount_paid": paid, "billing_amount_due": due, "billing_state": state}]
            )
        self.assertMoneyAgrees(partner, ledger)

    def _messages(self, move):
        return " ".join(move.message_ids.mapped("body"))

    # --- 1. staff payments are linked only on a staff-typed reference ---------
    def test_card_payment_not_swallowed_by_check_without_reference(self):
        check = self.invoice.with_user(self.billing_user)._billing_register_payment(
            30.0, fields.Date.today(), "check", ""
        )
        self.assertEqual(check.memo, self.invoice.name, "Odoo's default memo: the invoice number")
        tx = self._stripe_transaction(self.invoice)  # 35.00
        # In a database without other transactions for this number, Odoo
        # names the transaction after the invoice: the check's memo.
        self.assertTrue(tx.reference.startswith(self.invoice.name))
        self._deliver(self._succeeded(tx))
        card = tx.payment_id
        self.assertNotEqual(card, check)
        self.assertRecordValues(card, [{"amount": 35.0, "billing_move_id": self.invoice.id}])
        self.assertFalse(check.payment_transaction_id)
        self.assertEqual(self.invoice.billing_payment_ids, check | card)
        self._assert_books(0.0, figures=[(65.0, 0.0, "paid")])

    def test_staff_payment_linked_on_typed_reference_and_same_amount(self):
        tx = self._stripe_transaction(self.invoice)
        self._abandon(tx)
        staff = self.invoice.with_user(self.billing_user)._billing_register_payment(
            65.0, fields.Date.today(), "card", "pi_3QpB7yAlCFm536g81Wy7RCPH"
        )
        self.assertEqual(staff.billing_reference, "pi_3QpB7yAlCFm536g81Wy7RCPH")
        self._deliver(self._succeeded(tx))
        self.assertEqual(tx.payment_id, staff)
        self.assertEqual(self.invoice.billing_payment_ids, staff)
        self._assert_books(0.0, figures=[(65.0, 0.0, "paid")])

    # --- 2. refunds never exceed what was paid, in any order ------------------
    def test_refund_event_before_payment_event(self):
        tx = self._stripe_transaction(self.invoice)
        self._deliver(self._refunded(tx, [("re_1", 6500)]))
        refund_tx = tx.child_transaction_ids
        self.assertRecordValues(refund_tx, [{"operation": "refund", "state": "done", "amount": -65.0}])
        self.assertFalse(refund_tx.payment_id, "recorded only once the payment it refunds is")
        self._assert_books(65.0, figures=[(0.0, 65.0, "sent")])
        self._deliver(self._succeeded(tx))
        self.assertEqual(tx.state, "done")
        self.assertTrue(tx.payment_id, "the payment is recorded although a refund child is done")
        self.assertRecordValues(refund_tx.payment_id, [{"payment_type": "outbound", "amount": 65.0}])
        self.assertEqual(self.invoice.billing_payment_ids, tx.payment_id | refund_tx.payment_id)
        # Paid 65, refunded 65 (without credit): the balance is back.
        self._assert_books(65.0, figures=[(0.0, 65.0, "sent")])

    def test_second_full_refund_is_not_accepted_as_money(self):
        tx = self._stripe_transaction(self.invoice)
        self._deliver(self._succeeded(tx))
        self._assert_books(0.0, figures=[(65.0, 0.0, "paid")])
        self._deliver(self._refunded(tx, [("re_1", 6500)]))
        self._assert_books(65.0, figures=[(0.0, 65.0, "sent")])
        self.assertFalse(self.invoice.billing_needs_review)
        self._deliver(self._refunded(tx, [("re_1", 6500), ("re_2", 6500)]))
        second = tx.child_transaction_ids.filtered(lambda t: t.provider_reference == "re_2")
        self.assertEqual(second.state, "done")
        self.assertFalse(second.payment_id)
        self.assertEqual(len(self.invoice.billing_payment_ids), 2, "the payment and one refund")
        self.assertTrue(self.invoice.billing_needs_review)
        self.assertIn("was not recorded: only 0.0 of transaction", self._messages(self.invoice))
        self._assert_books(65.0, figures=[(0.0, 65.0, "sent")])

    def test_refund_events_in_reverse_order_never_exceed_the_payment(self):
        tx = self._stripe_transaction(self.invoice)
        self._deliver(self._refunded(tx, [("re_1", 4000)]))
        self._deliver(self._refunded(tx, [("re_1", 4000), ("re_2", 4000)]))
        self._assert_books(65.0, figures=[(0.0, 65.0, "sent")])
        self._deliver(self._succeeded(tx))
        refunds = tx.child_transaction_ids.payment_id
        self.assertEqual(refunds.mapped("amount"), [40.0], "40 + 40 would exceed the 65 paid")
        self.assertTrue(self.invoice.billing_needs_review)
        self._assert_books(40.0, figures=[(25.0, 40.0, "sent")])

    # --- 3. what arrived, not what was asked -----------------------------------
    def test_success_event_for_another_amount_records_what_arrived(self):
        tx = self._stripe_transaction(self.invoice)
        self._deliver(self._succeeded(tx, minor_amount=100))
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.billing_amount_received, 1.0)
        self.assertRecordValues(tx.payment_id, [{"amount": 1.0, "billing_move_id": self.invoice.id}])
        self.assertTrue(self.invoice.billing_needs_review)
        self.assertIn("for 1.0, not the 65.0 it was started for", self._messages(self.invoice))
        self._assert_books(64.0, figures=[(1.0, 64.0, "sent")])
        # Staff checked the dashboard; the flag goes, the balance stays.
        self.invoice.with_user(self.billing_user).action_billing_mark_reviewed()
        self.assertFalse(self.invoice.billing_needs_review)
        self._assert_books(64.0, figures=[(1.0, 64.0, "sent")])

    # --- 4. money on a voided invoice is a visible, refundable credit ---------
    def test_card_payment_after_void_is_a_refundable_credit(self):
        tx = self._stripe_transaction(self.invoice)  # the parent started paying...
        self._abandon(tx)
        self.invoice.with_user(self.billing_manager)._billing_void("Issued in error")  # ... staff voided
        self._deliver(self._succeeded(tx))
        self.assertRecordValues(tx.payment_id, [{"amount": 65.0, "billing_move_id": self.invoice.id}])
        self.assertEqual(self.invoice.billing_payment_ids, tx.payment_id)
        self.assertEqual(self.invoice.billing_amount_refundable, 65.0)
        self._assert_books(-65.0, figures=[(0.0, 0.0, "voided")])
        refund = self.invoice.with_user(self.billing_manager)._billing_refund(65.0, "Paid after the void")
        self.assertRecordValues(refund, [{"payment_type": "outbound", "amount": 65.0, "billing_method": "card"}])
        self.assertEqual(self.invoice.billing_amount_refundable, 0.0)
        self._assert_books(0.0, figures=[(0.0, 0.0, "voided")])

    # --- 5. one payment for two invoices is split per invoice -----------------
    def test_payment_for_two_invoices_is_split_per_invoice(self):
        other = self._sent_invoice(service=self.service_ot, units=1.0, count=1)
        tx = self._stripe_transaction(self.invoice | other)  # 65.00 + 41.25
        self._deliver(self._succeeded(tx))
        self.assertRecordValues(self.invoice.billing_payment_ids, [{"amount": 65.0, "payment_transaction_id": tx.id}])
        self.assertRecordValues(other.billing_payment_ids, [{"amount": 41.25, "payment_transaction_id": tx.id}])
        self.assertIn(tx.payment_id, self.invoice.billing_payment_ids | other.billing_payment_ids)
        self._assert_books(0.0, self.invoice | other, [(65.0, 0.0, "paid"), (41.25, 0.0, "paid")])
