"""Disputes of a bill (issue 21): a billing manager opens one on a sent,
overdue or paid family invoice (reason, date of the dispute notice; never
refused for age) and resolves it with what the parent owes: below what the
invoice bills, a credit note brings it down; money paid above it is the
account's credit, flagged for review. Ledger = billing figures = Billing AR
to the cent throughout."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import DUE, BillingCommon


@tagged("post_install", "-at_install")
class TestDisputes(BillingCommon):
    def _notes(self, move):
        return " ".join(move.message_ids.mapped("body")).replace("&nbsp;", " ")

    def test_open_on_sent_overdue_and_paid_never_refused_for_age(self):
        sent = self._invoice_due()
        overdue = self._invoice_due()
        self._mark_overdue(overdue)
        paid = self._invoice_due()
        paid._billing_register_payment(130.0, DUE, "check", "2001")
        # 200 days after the first bill: the dispute entity decides, not the practice.
        with freeze_time(DUE + timedelta(days=170)):
            for move in sent | overdue | paid:
                move.invalidate_recordset(["billing_days_since_sent"])
                move.with_user(self.billing_manager)._billing_open_dispute(
                    "Over the estimate", DUE + timedelta(days=160)
                )
                self.assertEqual(
                    move.billing_days_since_sent, (DUE + timedelta(days=170) - move.billing_sent_date.date()).days
                )
        self.assertEqual((sent | overdue | paid).mapped("billing_dispute_state"), ["open"] * 3)
        self.assertEqual(paid.billing_dispute_notice_date, DUE + timedelta(days=160))
        self.assertIn("Over the estimate", self._notes(paid))
        with self.assertRaisesRegex(UserError, "already under dispute"):
            sent._billing_open_dispute("again")

    def test_open_is_refused_where_the_law_does_not_apply(self):
        draft = self._draft_invoice()
        with self.assertRaisesRegex(UserError, "Only a sent, overdue or paid invoice"):
            draft._billing_open_dispute("too early")
        voided = self._invoice_due()
        voided._billing_void("duplicate")
        with self.assertRaisesRegex(UserError, "Only a sent, overdue or paid invoice"):
            voided._billing_open_dispute("voided")
        move = self._invoice_due()
        with self.assertRaises(AccessError):
            move.with_user(self.billing_user)._billing_open_dispute("a clerk")
        with self.assertRaisesRegex(UserError, "requires a reason"):
            move._billing_open_dispute("  ")
        with self.assertRaisesRegex(UserError, "in the future"):
            move._billing_open_dispute("x", DUE + timedelta(days=4000))
        self.assertEqual(move.billing_dispute_state, "none")
        # Odoo's write cannot open or close one either.
        with self.assertRaisesRegex(UserError, "billing actions"):
            move.write({"billing_dispute_state": "open"})

    def test_resolve_below_total_posts_a_credit_note(self):
        move = self._invoice_due()
        move._billing_open_dispute("Over the estimate")
        with self.assertRaises(AccessError):
            move.with_user(self.billing_user)._billing_resolve_dispute(100.0)
        for bad in (-1, "abc", float("nan"), 130.01):
            with self.assertRaises(UserError):
                move._billing_resolve_dispute(bad)
        credit = move.with_user(self.billing_manager)._billing_resolve_dispute(87.35)
        self.assertRecordValues(
            credit,
            [{"move_type": "out_refund", "state": "posted", "amount_total": 42.65, "reversed_entry_id": move.id}],
        )
        self.assertRecordValues(
            move,
            [
                {
                    "billing_dispute_state": "resolved",
                    "billing_dispute_amount": 87.35,
                    "billing_amount_credited": 42.65,
                    "billing_amount_due": 87.35,
                    "billing_state": "sent",
                    "billing_needs_review": False,
                }
            ],
        )
        self.assertAccountMoney(self.parent_rivera, 87.35)
        with self.assertRaisesRegex(UserError, "no open dispute"):
            move._billing_resolve_dispute(50.0)

    def test_resolve_in_full_posts_nothing(self):
        move = self._invoice_due()
        move._billing_open_dispute("Over the estimate")
        self.assertFalse(move._billing_resolve_dispute(130.0))
        self.assertEqual(move.billing_amount_due, 130.0)
        self.assertAccountMoney(self.parent_rivera, 130.0)

    def test_resolve_below_what_was_paid_leaves_flagged_credit(self):
        move = self._invoice_due()
        move._billing_register_payment(130.0, DUE, "check", "3001")
        move._billing_open_dispute("Over the estimate")
        move._billing_resolve_dispute(100.0)
        self.assertRecordValues(
            move, [{"billing_state": "paid", "billing_amount_due": 0.0, "billing_needs_review": True}]
        )
        self.assertIn("30.00", self._notes(move))
        self.assertEqual(self.parent_rivera.billing_credit_amount, 30.0)
        self.assertAccountMoney(self.parent_rivera, -30.0, invoices_due=0.0)

    def test_resolve_part_paid_with_late_fee(self):
        self.company.write(
            {"billing_late_fee_type": "flat", "billing_late_fee_amount": 15.0, "billing_late_fee_days": 1}
        )
        move = self._invoice_due()
        with freeze_time(DUE + timedelta(days=1)):
            self.env["account.move"]._cron_billing_overdue()
        self.assertEqual(move.billing_amount_total, 145.0)
        move._billing_register_payment(100.0, DUE + timedelta(days=2), "check", "4001")
        move._billing_open_dispute("Over the estimate")
        # owes 120.00 of 145.00: 20.00 still due
        move._billing_resolve_dispute(120.0)
        self.assertRecordValues(move, [{"billing_amount_due": 20.0, "billing_needs_review": False}])
        self.assertAccountMoney(self.parent_rivera, 20.0)
        # another: owes 60.00 of 130.00, 100.00 paid: 40.00 is the account's credit
        other = self._invoice_due()
        other._billing_register_payment(100.0, DUE, "check", "4002")
        other._billing_open_dispute("Over the estimate")
        other._billing_resolve_dispute(60.0)
        self.assertRecordValues(other, [{"billing_amount_due": 0.0, "billing_needs_review": True}])
        self.assertAccountMoney(self.parent_rivera, -20.0, invoices_due=20.0)

    def test_wizards_and_buttons(self):
        move = self._invoice_due()
        manager_move = move.with_user(self.billing_manager)
        self.assertTrue(manager_move.billing_can_dispute)
        self.assertFalse(move.with_user(self.billing_user).billing_can_dispute)
        action = manager_move.action_billing_open_dispute()
        form = Form(self.env[action["res_model"]].with_user(self.billing_manager).with_context(**action["context"]))
        form.reason = "Parent's dispute notice"
        form.save().action_open()
        self.assertEqual(move.billing_dispute_state, "open")
        action = manager_move.action_billing_open_resolve_dispute()
        form = Form(self.env[action["res_model"]].with_user(self.billing_manager).with_context(**action["context"]))
        self.assertEqual(form.billed, 130.0)
        form.amount = 110.0
        form.save().action_resolve()
        self.assertEqual(move.billing_amount_due, 110.0)
        self.assertAccountMoney(self.parent_rivera, 110.0)
