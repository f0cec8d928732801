"""Collection holds (issue 21): an invoice under an open dispute, or of an
account whose collections staff paused, gets no late fee, no payment reminder
and no full-balance autopay charge on the real daily runs; when the hold
ends, late-fee days and reminder offsets count from that day and the steps
reached during the hold are skipped. Overdue status still follows the due
date."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import DUE, CollectionRunsMixin
from .test_autopay import AutopayCommon


@tagged("post_install", "-at_install")
class TestCollectionHolds(CollectionRunsMixin, AutopayCommon):
    def _reminders(self):
        return self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", self.parent_rivera.id)], order="id"
        )

    def _disputed(self):
        """130.00 due on DUE, disputed three days before it fell due."""
        move = self._invoice_due()
        with freeze_time(DUE - timedelta(days=3)):
            move._billing_open_dispute("Billed $450 above the Good Faith Estimate.")
        return move

    def test_open_dispute_gets_no_late_fee_no_reminder_no_autopay(self):
        with freeze_time(DUE - timedelta(days=40)):
            self._enroll(self._token(self.parent_rivera))
        move = self._disputed()
        self.assertTrue(move.billing_collection_held)
        self.assertFalse(move.billing_autopay_next_date, "no autopay while the dispute is open")
        for days in (-3, 0, 1, 5, 6, 15, 30, 60):
            self._daily(DUE + timedelta(days=days))
        self.assertEqual(move.billing_state, "overdue", "overdue status still follows the due date")
        self.assertFalse(move.billing_late_fee_ids, "no late fee")
        self.assertFalse(self._reminders(), "no reminder")
        self.assertFalse(move.billing_reminder_step_ids)
        self.assertFalse(move.billing_autopay_transaction_ids, "no autopay charge")
        self.assertAccountMoney(self.parent_rivera, 130.0)
        # Resolved in full: the card is charged by the next run.
        with freeze_time(DUE + timedelta(days=61)):
            move._billing_resolve_dispute(130.0)
        self._daily(DUE + timedelta(days=61))
        self.assertEqual(move.billing_autopay_transaction_ids.mapped("state"), ["done"])
        self.assertEqual(move.billing_state, "paid")
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_after_the_hold_fee_days_and_reminder_offsets_count_from_its_end(self):
        move = self._disputed()
        for days in (-3, 0, 1, 5, 15, 30, 40):
            self._daily(DUE + timedelta(days=days))
        self.assertFalse(move.billing_late_fee_ids)
        self.assertFalse(self._reminders())
        end = DUE + timedelta(days=40)
        with freeze_time(end):
            move._billing_resolve_dispute(130.0)
        self.assertEqual(move.billing_hold_end_date, end)
        self.assertFalse(move.billing_collection_held)
        self._daily(end)
        self.assertFalse(self._reminders(), "the steps reached during the hold are skipped")
        self._daily(end + timedelta(days=1))
        self.assertEqual(move.billing_reminder_step_ids.mapped("offset_days"), [1], "step 1: a day after the end")
        self.assertEqual(len(self._reminders()), 1)
        self._daily(end + timedelta(days=4))
        self.assertFalse(move.billing_late_fee_ids, "fee days count from the end of the hold")
        self._daily(end + timedelta(days=5))
        self.assertEqual(move.billing_late_fee_ids.mapped("amount_total"), [10.0])
        self._daily(end + timedelta(days=14))
        self.assertEqual(len(self._reminders()), 1)
        self._daily(end + timedelta(days=15))
        self.assertEqual(sorted(move.billing_reminder_step_ids.mapped("offset_days")), [1, 15])
        self.assertAccountMoney(self.parent_rivera, 140.0)

    def test_paused_collections_hold_every_invoice_of_the_account(self):
        moves = self._invoice_due() | self._invoice_due()
        other = self._invoice_due(client=self.client_lily)
        with self.assertRaises(UserError):
            self.parent_rivera.with_user(self.billing_user)._billing_pause_collections("  ")
        with self.assertRaises(AccessError):
            self.parent_rivera.with_user(self._portal_user("pp", self.parent_chen))._billing_pause_collections("x")
        with freeze_time(DUE - timedelta(days=10)):
            # the clerk's Pause Collections button and its dialog
            action = self.parent_rivera.with_user(self.billing_user).action_billing_open_pause_collections()
            dialog = Form(self.env[action["res_model"]].with_user(self.billing_user).with_context(**action["context"]))
            dialog.reason = "Hardship, call first"
            dialog.save().action_pause()
        self.assertEqual(self.parent_rivera.billing_collections_pause_reason, "Hardship, call first")
        self.assertFalse(self.parent_rivera.billing_reminders_paused, "the reminder pause is a separate thing")
        self.assertEqual(moves._billing_collection_held(), moves)
        self.assertFalse(other._billing_collection_held())
        with self.assertRaises(ValidationError):
            self.parent_rivera.write({"billing_collections_pause_reason": False})
        for days in (-3, 1, 5, 15):
            self._daily(DUE + timedelta(days=days))
        self.assertFalse(moves.billing_late_fee_ids)
        self.assertFalse(moves.billing_reminder_step_ids)
        self.assertTrue(other.billing_late_fee_ids, "another account is not held")
        self.assertTrue(other.billing_reminder_step_ids)
        resumed = DUE + timedelta(days=20)
        with freeze_time(resumed):
            self.parent_rivera.with_user(self.billing_user).action_billing_resume_collections()
        self.assertEqual(self.parent_rivera.billing_collections_hold_end_date, resumed)
        self.assertFalse(moves._billing_collection_held())
        self._daily(resumed + timedelta(days=4))
        self.assertFalse(moves.billing_late_fee_ids)
        self._daily(resumed + timedelta(days=5))
        self.assertEqual(len(moves.billing_late_fee_ids), 2)
        self.assertEqual(moves.mapped(lambda m: m.billing_reminder_step_ids.offset_days), [1, 1])
        self.assertAccountMoney(self.parent_rivera, 280.0)

    def test_the_predicate_is_one_place(self):
        move = self._disputed()
        self.assertEqual(move._billing_collection_held(), move)
        self.assertEqual(move._billing_collection_base_date(), DUE)
        with freeze_time(date(2026, 4, 1)):
            move._billing_resolve_dispute(130.0)
        self.assertFalse(move._billing_collection_held())
        self.assertEqual(move._billing_collection_base_date(), date(2026, 4, 1))
