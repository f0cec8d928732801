"""Credits offered against the family's open invoices (issue 24): the
clerk's Apply Credit (on the parent, on an open invoice) puts the account's
own unapplied credit on its open family invoices, oldest due first, skipping
those under dispute; another account's credit is never used; refusals leave
everything as it was. Refund Credit shows the open balance and its invoices,
offers "Apply to open invoices instead", and refuses to give the credit back
silently while an invoice is overdue. Through JSON-RPC as the staff's
browser sends it; ledger = billing = Billing AR per account throughout."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import JsonRpcMixin
from .test_credits import CreditsCommon

WIZARD = "res.partner.billing.refund.credit"


@tagged("post_install", "-at_install")
class TestCreditOffer(JsonRpcMixin, CreditsCommon, HttpCase):
    def _open_and_credit(self):
        """Maria owes an overdue 130.00 and a sent 65.00, then overpays a third
        invoice by 100.00 (kept as credit); David has a 75.00 credit of his own."""
        overdue = self._invoice_due(due=fields.Date.today() - timedelta(days=10))
        self._mark_overdue(overdue)
        sent = self._sent_invoice(count=1)
        self._overpaid(165.0)
        chen = self._sent_invoice(client=self.client_lily, service=self.service_speech, units=1.0, count=1)
        self._overpaid(200.0, chen)
        self.assertAccountMoney(self.parent_rivera, 95.0, 195.0)
        self.assertAccountMoney(self.parent_chen, -75.0, 0.0)
        return overdue, sent

    def test_clerk_applies_the_accounts_credit_oldest_due_first(self):
        overdue, sent = self._open_and_credit()
        self.authenticate("clerk", "clerk")
        result = self._rpc("res.partner", "action_billing_apply_credit", [[self.parent_rivera.id]])
        self.assertEqual(
            result["params"]["message"].replace("\xa0", " "), "$ 100.00 of credit applied to 1 open invoice(s)."
        )
        self._assert_books(95.0, [(overdue, 100.0, 100.0, 30.0, "overdue"), (sent, 0.0, 0.0, 65.0, "sent")])
        self.assertAccountMoney(self.parent_rivera, 95.0)
        self.assertAccountMoney(self.parent_chen, -75.0, 0.0)  # David's credit stays his
        self.assertIn(
            f"Clerk applied $ 100.00 of the account's credit to its open invoices: $ 100.00 to {overdue.name}.",
            self._notes(self.parent_rivera),
        )
        self.assertIn("Credit applied: $ 100.00 of the parent's credit from", self._notes(overdue))
        # Nothing left: a second click is refused and changes nothing.
        self._refused(
            "res.partner", "action_billing_apply_credit", [[self.parent_rivera.id]], match="has no unapplied credit"
        )
        self.assertAccountMoney(self.parent_rivera, 95.0)

    def test_apply_credit_on_an_open_invoice_and_past_a_dispute(self):
        overdue, sent = self._open_and_credit()
        overdue._billing_open_dispute("The parent disputes the bill")
        self.authenticate("clerk", "clerk")
        # From the parent: the disputed invoice is left alone, the credit goes to the next one.
        self._rpc("res.partner", "action_billing_apply_credit", [[self.parent_rivera.id]])
        self._assert_books(95.0, [(overdue, 0.0, 0.0, 130.0, "overdue"), (sent, 65.0, 65.0, 0.0, "paid")])
        self.assertAccountMoney(self.parent_rivera, 95.0, 130.0)
        # From the disputed invoice itself: refused, saying why.
        self._refused(
            "account.move", "action_billing_apply_credit", [[overdue.id]], match=f"{overdue.name} (under dispute)"
        )
        self.assertAccountMoney(self.parent_rivera, 95.0, 130.0)
        self.assertEqual(self.parent_rivera.billing_credit_amount, 35.0)

    def test_invoice_button_uses_its_own_accounts_credit_only(self):
        overdue, sent = self._open_and_credit()
        self.authenticate("clerk", "clerk")
        self._rpc("account.move", "action_billing_apply_credit", [[sent.id]])
        self._assert_books(95.0, [(overdue, 0.0, 0.0, 130.0, "overdue"), (sent, 65.0, 65.0, 0.0, "paid")])
        # David's invoice cannot take Maria's credit, nor Maria's invoice David's.
        with self.assertRaisesRegex(UserError, "applies only to its own invoices"):
            overdue.with_user(self.billing_user)._billing_apply_account_credit(self.parent_chen)
        self.assertAccountMoney(self.parent_rivera, 95.0, 130.0)
        self.assertAccountMoney(self.parent_chen, -75.0, 0.0)

    def test_refusals_leave_everything_as_it_was(self):
        self.authenticate("clerk", "clerk")
        move = self._sent_invoice(count=1)
        self._refused(
            "res.partner",
            "action_billing_apply_credit",
            [[self.parent_rivera.id]],
            match="Maria Rivera has no unapplied credit to apply.",
        )
        self._refused(
            "res.partner",
            "action_billing_apply_credit",
            [[self.parent_chen.id]],
            match="David Chen has no unapplied credit to apply.",
        )
        self.assertAccountMoney(self.parent_rivera, 65.0)
        self._overpaid(100.0, move)
        self._refused(
            "res.partner",
            "action_billing_apply_credit",
            [[self.parent_rivera.id]],
            match="Maria Rivera has no open invoice to apply the credit to.",
        )
        self.assertAccountMoney(self.parent_rivera, -35.0, 0.0)
        self._portal_user("maria", self.parent_rivera)
        self.authenticate("maria", "maria-pass-1234")
        self._refused("res.partner", "action_billing_apply_credit", [[self.parent_rivera.id]])
        self.assertAccountMoney(self.parent_rivera, -35.0, 0.0)

    # --- Refund Credit: the open balance, and Apply instead ---------------------------
    def _refund_dialog(self):
        wizard_id = self._rpc(
            WIZARD,
            "create",
            [{"method": "check", "reason": "Parent asked for her money back"}],
            {"context": {"active_model": "res.partner", "active_id": self.parent_rivera.id}},
        )
        return wizard_id, self._rpc(WIZARD, "read", [[wizard_id], ["amount", "open_amount", "open_note"]])[0]

    def test_refund_dialog_shows_the_open_balance_and_applies_instead(self):
        overdue, sent = self._open_and_credit()
        self.authenticate("boss", "boss")
        wizard_id, dialog = self._refund_dialog()
        self.assertEqual(dialog["amount"], 100.0)
        self.assertEqual(dialog["open_amount"], 195.0)
        self.assertEqual(
            dialog["open_note"].replace("\xa0", " "),
            "Maria Rivera still owes $ 195.00 on 2 open invoice(s), 1 of them overdue. "
            "Apply the credit to them instead, or tick Refund Anyway to give it back.",
        )
        # No silent give-back while an invoice is overdue.
        self._refused(WIZARD, "action_refund", [[wizard_id]], match="Refund Anyway")
        self.assertAccountMoney(self.parent_rivera, 95.0, 195.0)
        self._rpc(WIZARD, "action_apply_instead", [[wizard_id]])
        self._assert_books(95.0, [(overdue, 100.0, 100.0, 30.0, "overdue"), (sent, 0.0, 0.0, 65.0, "sent")])
        self.assertAccountMoney(self.parent_rivera, 95.0)

    def test_refund_anyway_once_the_clerk_has_seen_it(self):
        self._open_and_credit()
        self.authenticate("boss", "boss")
        wizard_id, _dialog = self._refund_dialog()
        self._rpc(WIZARD, "write", [[wizard_id], {"refund_anyway": True}])
        self._rpc(WIZARD, "action_refund", [[wizard_id]])
        self.assertAccountMoney(self.parent_rivera, 195.0)
        self.assertAccountMoney(self.parent_chen, -75.0, 0.0)
