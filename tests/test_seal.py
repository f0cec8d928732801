"""The seal of the family invoice, tried as an attacker and a careless user
would: JSON-RPC as the billing user (not a manager) and as the manager, on
Odoo's own buttons, wizards and direct writes. Every attempt is refused with
a clear error (or routed to the billing action that owns the step) and
leaves the invoice, its charges and the parent's ledger as they were."""

from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import format_date

from ..models.account_move_seal import BILLING_TRANSITIONS
from .common import BillingCommon, JsonRpcMixin


@tagged("post_install", "-at_install")
class TestSealRpc(JsonRpcMixin, BillingCommon, HttpCase):
    """Calls over real JSON-RPC (/web/dataset/call_kw), as the browser or a
    script logged in as the billing clerk sends them."""

    def setUp(self):
        super().setUp()
        self.move = self._sent_invoice(units=2.0, count=1)  # 2 x 32.50 = 65.00
        self.authenticate("clerk", "clerk")

    def _unchanged(self, move, state="sent", due=65.0, paid=0.0):
        move.invalidate_recordset()
        self.assertEqual(move.billing_state, state)
        self.assertEqual(move.state, "posted")
        self.assertAlmostEqual(move.billing_amount_due, due, places=2)
        self.assertAlmostEqual(move.billing_amount_paid, paid, places=2)
        self.assertEqual(self._receivable_balance(move.partner_id), due)

    def test_billing_fields_cannot_be_written_over_rpc(self):
        for vals in (
            {"billing_state": "paid"},
            {"billing_amount_due": 1.0},
            {"billing_void_date": fields.Datetime.to_string(fields.Datetime.now()), "void_reason": "x"},
            {"billing_overdue": True},
            {"billing_sent_date": False},
            {"billing_is_late_fee": True},
        ):
            self._refused("account.move", "write", [self.move.ids, vals], match="billing actions")
        self._unchanged(self.move)
        self.assertFalse(self.move.billing_void_date)

    def test_written_balance_cannot_make_pay_now_charge_less(self):
        self._refused("account.move", "write", [self.move.ids, {"billing_amount_due": 1.0}])
        values = self.move._get_invoice_portal_extra_values()
        self.assertAlmostEqual(values["amount_due"], 65.0, places=2)

    def test_cancel_is_refused_and_charges_stay_invoiced(self):
        charges = self.move.invoice_line_ids.practice_charge_id
        self._refused("account.move", "button_cancel", [self.move.ids], match="Void")
        self._unchanged(self.move)
        self.assertEqual(set(charges.mapped("state")), {"invoiced"})

    def test_reset_to_draft_and_force_delete_are_refused_on_a_paid_invoice(self):
        self.move._billing_register_payment(65.0, None, "check", "1001")
        self._unchanged(self.move, state="paid", due=0.0, paid=65.0)
        self._refused("account.move", "button_draft", [self.move.ids], match="cannot be reset to draft")
        # Odoo's own guard or the seal refuses first; either way nothing is deleted.
        self._refused("account.move", "unlink", [self.move.ids], {"context": {"force_delete": True}})
        self.assertTrue(self.move.exists())
        self._unchanged(self.move, state="paid", due=0.0, paid=65.0)
        self.assertTrue(self.move.line_ids.filtered("reconciled"), "the payment stays matched")

    def test_sent_lines_and_header_are_frozen(self):
        line = self.move.invoice_line_ids[0]
        for vals in (
            {"price_unit": 0.01},
            {"quantity": 99},
            {"name": "Something else"},
            {"account_id": self.company_data["default_account_expense"].id},
        ):
            self._refused("account.move.line", "write", [line.ids, vals], match="read-only")
        self._refused("account.move.line", "write", [line.ids, {"practice_charge_id": False}], match="Create Invoice")
        self._refused(
            "account.move", "write", [self.move.ids, {"invoice_date_due": "2099-01-01"}], match="Extend Due Date"
        )
        self._refused("account.move", "write", [self.move.ids, {"narration": "<p>changed</p>"}], match="has been sent")
        self._refused(
            "account.move", "write", [self.move.ids, {"partner_id": self.parent_chen.id}], match="has been sent"
        )
        self._refused(
            "account.move", "write", [self.move.ids, {"practice_client_id": self.client_lily.id}], match="has been sent"
        )
        self._refused(
            "account.move.line",
            "create",
            [[{"move_id": self.move.id, "name": "extra", "quantity": 1, "price_unit": 5}]],
            match="read-only",
        )
        self._refused("account.move.line", "unlink", [line.ids])
        line.invalidate_recordset()
        self.assertEqual((line.quantity, line.price_unit), (2.0, 32.5))
        self.assertEqual(self.move.invoice_date_due, self.move.invoice_date + timedelta(days=30))
        self._unchanged(self.move)

    def test_odoo_credit_and_debit_notes_are_refused(self):
        self._refused("account.move", "action_reverse", [self.move.ids], match="Credit Note is not available")
        self._refused("account.move", "action_debit_note", [self.move.ids], match="Debit Note")
        # The wizards themselves, created directly over RPC.
        wizard_id = self._rpc(
            "account.move.reversal",
            "create",
            [{"journal_id": self.move.journal_id.id, "reason": "x"}],
            {"context": {"active_model": "account.move", "active_ids": self.move.ids}},
        )
        self._refused("account.move.reversal", "refund_moves", [[wizard_id]], match="Void or Issue Refund")
        debit_id = self._rpc(
            "account.debit.note",
            "create",
            [{"reason": "x", "copy_lines": True}],
            {"context": {"active_model": "account.move", "active_ids": self.move.ids}},
        )
        self._refused("account.debit.note", "create_debit", [[debit_id]], match="cannot be duplicated")
        self._refused("account.move", "copy", [self.move.ids], match="cannot be duplicated")
        self.assertFalse(self.move.reversal_move_ids | self.move.debit_note_ids)
        self._unchanged(self.move)

    def test_odoo_register_payment_routes_to_record_payment(self):
        for method in ("action_register_payment", "action_force_register_payment"):  # button, gear menu
            action = self._rpc("account.move", method, [self.move.ids])
            self.assertEqual(action["res_model"], "account.move.billing.payment")
            self.assertEqual(action["context"]["default_move_id"], self.move.id)
        wizard_id = self._rpc(
            "account.payment.register",
            "create",
            [{"amount": 1.0, "payment_difference_handling": "open"}],
            {"context": {"active_model": "account.move", "active_ids": self.move.ids}},
        )
        self._refused("account.payment.register", "action_create_payments", [[wizard_id]], match="Record Payment")
        self._unchanged(self.move)

    def test_odoo_send_and_print_is_refused(self):
        self._refused("account.move", "action_invoice_sent", [self.move.ids], match="Send & Print")
        self._refused("account.move", "action_send_and_print", [self.move.ids], match="Send & Print")
        context = {"active_model": "account.move", "active_ids": self.move.ids}
        self._refused("account.move.send.wizard", "create", [{}], {"context": context}, match="Send & Print")
        self._refused("account.move.send.batch.wizard", "create", [{}], {"context": context}, match="Send & Print")

    def test_payment_in_the_log_cannot_be_reset_or_cancelled(self):
        payment = self.move._billing_register_payment(30.0, None, "check", "1002")
        self._refused("account.payment", "action_draft", [payment.ids], match="Issue Refund")
        self._refused("account.payment", "action_cancel", [payment.ids], match="Issue Refund")
        partial = self.move.line_ids.matched_credit_ids
        self._refused("account.move", "js_remove_outstanding_partial", [self.move.id, partial.id])
        self._unchanged(self.move, due=35.0, paid=30.0)
        self.assertIn(payment.state, ("in_process", "paid"))

    def test_confirm_on_a_family_draft_is_send(self):
        draft = self._draft_invoice(client=self.client_lily)
        self._rpc("account.move", "action_post", [draft.ids])
        draft.invalidate_recordset()
        self.assertEqual(draft.billing_state, "sent")
        self.assertTrue(draft.billing_sent_date)
        self.assertTrue(self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", draft.id)]))

    def test_charges_are_invoiced_and_released_by_billing_actions_only(self):
        charge = self._charges(self.client_lily, self.service_ot)
        self._refused("practice.charge", "write", [charge.ids, {"state": "invoiced"}], match="billing actions")
        invoiced = self.move.invoice_line_ids.practice_charge_id
        self._refused("practice.charge", "write", [invoiced.ids, {"state": "unbilled", "move_line_id": False}])
        self.assertEqual(charge.state, "unbilled")
        self.assertEqual(invoiced.state, "invoiced")


@tagged("post_install", "-at_install")
class TestSealActions(BillingCommon):
    """The billing actions still work through the seal, and the manager-only
    steps stay the manager's."""

    def test_buttons_and_checks_read_one_table(self):
        draft = self._draft_invoice()
        sent = self._sent_invoice(client=self.client_lily)
        for move in (draft, sent):
            for user, is_manager in ((self.billing_user, False), (self.billing_manager, True)):
                move_as = move.with_user(user)
                for action, (states, manager_only) in BILLING_TRANSITIONS.items():
                    allowed = move.billing_state in states and (is_manager or not manager_only)
                    self.assertEqual(
                        move_as[f"billing_can_{action}"], allowed, (move.billing_state, action, user.login)
                    )

    def test_clerk_cannot_void_refund_waive_or_extend(self):
        move = self._sent_invoice().with_user(self.billing_user)
        with self.assertRaisesRegex(AccessError, "Only a billing manager can void"):
            move._billing_void("x")
        with self.assertRaisesRegex(AccessError, "Only a billing manager can extend"):
            move._billing_extend_due_date(move.invoice_date_due + timedelta(days=10), "x")

    def test_manager_extends_due_date_with_a_logged_reason(self):
        move = self._sent_invoice()
        old = move.invoice_date_due
        self._mark_overdue(move)
        self.assertEqual(move.billing_state, "overdue")
        new = fields.Date.today() + timedelta(days=45)
        wizard = Form(
            self.env["account.move.billing.extend.due"]
            .with_user(self.billing_manager)
            .with_context(default_move_id=move.id)
        )
        wizard.due_date = new
        wizard.reason = "Payment plan agreed by phone"
        wizard.save().action_extend()
        self.assertEqual(move.invoice_date_due, new)
        receivable = move.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        self.assertEqual(receivable.date_maturity, new)
        self.assertEqual(move.billing_state, "sent", "no longer overdue before the new date")
        log = move.message_ids[0]
        self.assertIn("Payment plan agreed by phone", log.body)
        self.assertIn(format_date(self.env, old), log.body)
        self.assertTrue(log.subtype_id.internal, "the reason is a staff note")
        with self.assertRaisesRegex(UserError, "must be after the current one"):
            move._billing_extend_due_date(old, "back")
        with self.assertRaisesRegex(UserError, "requires a reason"):
            move._billing_extend_due_date(new + timedelta(days=1), " ")

    def test_draft_stays_editable_and_deletable(self):
        move = self._draft_invoice().with_user(self.billing_user)
        line = move.invoice_line_ids[0]
        line.price_unit = 30.0
        move.write({"invoice_date_due": fields.Date.today() + timedelta(days=10), "narration": "<p>Thanks</p>"})
        charge = move.invoice_line_ids[1].practice_charge_id
        move.write({"invoice_line_ids": [Command.unlink(move.invoice_line_ids[1].id)]})
        self.assertEqual(charge.state, "unbilled")
        charges = move.invoice_line_ids.practice_charge_id
        move.unlink()
        self.assertEqual(set(charges.mapped("state")), {"unbilled"})

    def test_void_then_send_again_is_refused_and_voided_invoice_stays_sealed(self):
        move = self._sent_invoice()
        move._billing_void("Duplicate")
        self.assertEqual(move.billing_state, "voided")
        with self.assertRaisesRegex(UserError, "cannot be sent: it is Voided"):
            move.action_billing_send()
        reversal = move.reversal_move_ids
        self.assertEqual(reversal.billing_origin_id, move, "the reversal is a family document")
        with self.assertRaisesRegex(UserError, "cannot be reset to draft"):
            reversal.button_draft()
        with self.assertRaisesRegex(UserError, "billing actions"):
            move.write({"billing_void_date": False})
