"""Accounts (issue 19): money, cards, credits and statements stop at the
billed account (Odoo's commercial partner of the billed parent). Tried as an
attacker would: JSON-RPC as the clerk and the manager, HTTP as a second
login under a parent or another family, the statement run. After each money
scenario, every account's ledger, its family invoices' balances and Billing
AR agree to the cent."""

from datetime import date, timedelta

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import BillingCommon, JsonRpcMixin, html_text


class AccountsCommon(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_family_users()

    def _credit_of(self, partner, amount=100.0):
        """A sent 41.25 invoice of ``partner``'s family paid ``amount`` by
        check, the excess kept as the account's credit; returns the credit line."""
        client = self.client_lily if partner == self.parent_chen else self.client_sofia
        move = self._sent_invoice(client=client, service=self.service_ot, units=1.0, count=1)
        move._billing_register_payment(amount, fields.Date.today(), "check", f"CHK-{move.id}", keep_excess=True)
        return self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_id.account_type", "=", "asset_receivable"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ]
        )


@tagged("post_install", "-at_install")
class TestAccountsRpc(JsonRpcMixin, AccountsCommon, HttpCase):
    """Over real JSON-RPC, as the clerk and the manager."""

    def test_staff_cannot_apply_another_accounts_credit(self):
        credit = self._credit_of(self.parent_chen)  # 58.75 of the Chens' money
        self.assertEqual(len(credit), 1)
        move = self._sent_invoice(units=2.0, count=1)  # 65.00 for Maria
        self.assertAccountMoney(self.parent_rivera, 65.0)
        self.assertAccountMoney(self.parent_chen, -58.75, 0.0)
        for login in ("clerk", "boss"):
            self.authenticate(login, login)
            self._refused("account.move", "js_assign_outstanding_line", [move.ids, credit.id], match="its own account")
        self.assertAccountMoney(self.parent_rivera, 65.0)
        self.assertAccountMoney(self.parent_chen, -58.75, 0.0)
        # The account's own credit is still applied by staff.
        own = self._credit_of(self.parent_rivera, amount=50.0)  # 8.75 of Maria's money
        self.authenticate("clerk", "clerk")
        answer = self._call("account.move", "js_assign_outstanding_line", [move.ids, own.id])
        self.assertNotIn("error", answer)
        self.assertAccountMoney(self.parent_rivera, 56.25)

    def test_send_applies_only_the_accounts_own_credit(self):
        self._credit_of(self.parent_chen)
        move = self._sent_invoice(units=2.0, count=1)
        self.assertEqual(move.billing_amount_credit_applied, 0.0)
        self.assertAccountMoney(self.parent_rivera, 65.0)
        self.assertAccountMoney(self.parent_chen, -58.75, 0.0)

    def test_staff_cannot_change_a_given_portal_token(self):
        move = self._sent_invoice(units=2.0, count=1)
        move._portal_ensure_token()
        statement = self.env["practice.statement"]._billing_generate(
            self.parent_rivera, date.today().replace(day=1), date.today()
        )
        statement.action_billing_send()
        self.assertTrue(statement.access_token)
        given = {statement: statement.access_token, move: move.access_token}
        for login in ("clerk", "boss"):
            self.authenticate(login, login)
            for record in (statement, move):
                for token in ("forged", False):
                    self._refused(record._name, "write", [record.ids, {"access_token": token}], match="already given")
        for record, token in given.items():
            record.invalidate_recordset()
            self.assertEqual(record.access_token, token)
        # An empty token is still filled when a link is mailed.
        other = self._sent_invoice(client=self.client_lily, units=1.0, count=1)
        with other._billing_transition():  # a billing action may clear it
            other.access_token = False
        self.assertTrue(other._portal_ensure_token())

    def test_billing_contact_is_ticked_by_billing_staff_only(self):
        self.authenticate("jose", "jose-pass-1234")
        self._refused("res.partner", "write", [self.jose.ids, {"billing_contact": True}])
        plain = self._billing_staff("plain", "base.group_user")
        with self.assertRaisesRegex(AccessError, "Only billing staff"):
            self.jose.with_user(plain).write({"billing_contact": True})
        self.assertFalse(self.jose.billing_contact)
        self.authenticate("clerk", "clerk")
        self._rpc("res.partner", "write", [self.jose.ids, {"billing_contact": True}])
        self.assertTrue(self.jose.billing_contact)


@tagged("post_install", "-at_install")
class TestAccountsPortal(JsonRpcMixin, AccountsCommon, HttpCase):
    """Over real HTTP: Jose is a second login under Maria's account, David
    another family."""

    def setUp(self):
        super().setUp()
        self.move = self._sent_invoice(units=2.0, count=1)  # 65.00 for Maria (Sofia)
        self.move._portal_ensure_token()

    def _text(self, response):
        return html_text(response.text)

    def _login(self, login):
        self.authenticate(login, f"{login}-pass-1234")

    def _pay_params(self, provider, amount, token=None, tokenize=False):
        return {
            "access_token": self.move.access_token,
            "provider_id": provider.id,
            "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "token_id": token.id if token else None,
            "amount": amount,
            "flow": "token" if token else "direct",
            "tokenization_requested": tokenize,
            "landing_route": "/my/billing",
        }

    def test_billing_contact_sees_the_accounts_documents_only_when_ticked(self):
        statement = self.env["practice.statement"]._billing_generate(
            self.parent_rivera, date.today().replace(day=1), date.today()
        )
        statement.action_billing_send()
        self._login("jose")
        self.assertNotIn(self.move.name, self._text(self.url_open("/my/billing")))
        self.assertNotIn(statement.name, self._text(self.url_open("/my/statements")))
        self.assertNotIn(self.move.name, self._text(self.url_open(f"/my/invoices/{self.move.id}")))
        self.jose.with_user(self.billing_user).billing_contact = True
        self.assertIn(self.move.name, self._text(self.url_open("/my/billing")))
        page = self.url_open(f"/my/invoices/{self.move.id}")
        self.assertEqual(page.status_code, 200)
        self.assertIn(self.move.name, self._text(page))
        self.assertIn(statement.name, self._text(self.url_open("/my/statements")))
        self.assertEqual(self.url_open(f"/my/statements/{statement.id}").status_code, 200)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["billing_count", "statement_count"]})
        self.assertEqual(counters, {"billing_count": 1, "statement_count": 1})
        # Another family sees none of it, and emails still go to the account only.
        self._login("david")
        self.assertNotIn(self.move.name, self._text(self.url_open("/my/billing")))
        self.assertNotIn(statement.name, self._text(self.url_open("/my/statements")))
        self.assertEqual(statement.message_partner_ids & self.jose, self.env["res.partner"])

    def test_second_login_cannot_use_or_remove_her_card(self):
        provider = self._enable_demo_provider()
        maria_card = self._demo_card(provider, self.parent_rivera, digits="4242")
        jose_card = self._demo_card(provider, self.jose, digits="1111")
        self.jose.with_user(self.billing_user).billing_contact = True
        self._login("jose")
        result = self._jsonrpc(f"/invoice/transaction/{self.move.id}", self._pay_params(provider, 65.0, maria_card))
        self.assertIn("error", result)
        self.assertIn("saved it", result["error"]["data"]["message"])
        self.assertFalse(self.move.transaction_ids)
        result = self._jsonrpc("/payment/archive_token", {"token_id": maria_card.id})
        self.assertIn("error", result)
        self.assertTrue(maria_card.active)
        page = self._text(self.url_open("/my/payment_method"))
        self.assertIn("1111", page)
        self.assertNotIn("4242", page, "her card is not on his page")
        invoice_page = self._text(self.url_open(f"/my/invoices/{self.move.id}"))
        self.assertNotIn("4242", invoice_page)
        # His own card pays the account's invoice, posted to the account.
        result = self._jsonrpc(f"/invoice/transaction/{self.move.id}", self._pay_params(provider, 65.0, jose_card))
        self.assertNotIn("error", result)
        tx = self.move.transaction_ids
        self.assertEqual(tx.state, "done")
        tx._post_process()
        self.assertEqual(tx.payment_id.partner_id, self.parent_rivera)
        self.assertAccountMoney(self.parent_rivera, 0.0)
        self.assertAccountMoney(self.parent_chen, 0.0)
        # She still removes her own card.
        self._login("maria")
        self.assertIn("4242", self._text(self.url_open("/my/payment_method")))
        result = self._jsonrpc("/payment/archive_token", {"token_id": maria_card.id})
        self.assertNotIn("error", result)
        self.assertFalse(maria_card.active)

    def test_emailed_link_neither_uses_nor_saves_a_card(self):
        provider = self._enable_demo_provider()
        provider.allow_tokenization = True
        maria_card = self._demo_card(provider, self.parent_rivera, digits="4242")
        page = self._text(self.url_open(f"/my/invoices/{self.move.id}?access_token={self.move.access_token}"))
        self.assertIn(self.move.name, page)
        self.assertNotIn("4242", page)
        result = self._jsonrpc(f"/invoice/transaction/{self.move.id}", self._pay_params(provider, 65.0, maria_card))
        self.assertIn("error", result)
        self.assertFalse(self.move.transaction_ids)
        result = self._jsonrpc(f"/invoice/transaction/{self.move.id}", self._pay_params(provider, 65.0, tokenize=True))
        self.assertNotIn("error", result)
        self.assertFalse(self.move.transaction_ids.tokenize)
        self.assertAccountMoney(self.parent_rivera, 65.0)

    def test_another_familys_payment_is_posted_to_the_invoices_account(self):
        provider = self._enable_demo_provider()
        self._login("david")
        result = self._jsonrpc(f"/invoice/transaction/{self.move.id}", self._pay_params(provider, 65.0))
        self.assertNotIn("error", result)
        tx = self.move.transaction_ids
        self.assertEqual(tx.partner_id, self.parent_chen)
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "payment_details": "5678", "simulated_state": "done"}
        )
        tx._post_process()
        self.assertEqual(tx.payment_id.partner_id, self.parent_rivera)
        self.assertEqual(self.move.billing_state, "paid")
        self.assertAccountMoney(self.parent_rivera, 0.0)
        self.assertAccountMoney(self.parent_chen, 0.0)


@tagged("post_install", "-at_install")
class TestAccountsRules(AccountsCommon):
    def test_contact_under_another_cannot_be_a_responsible_parent(self):
        jose = self.jose.with_user(self.billing_user)
        Client = self.env["practice.client"].with_user(self.billing_user)
        with self.assertRaisesRegex(ValidationError, "make them a contact of their own"):
            Client.create({"name": "Leo Rivera", "partner_id": jose.id})
        with self.assertRaisesRegex(ValidationError, "make them a contact of their own"):
            self.client_sofia.with_user(self.billing_user).partner_id = jose
        # Made a contact of his own (no documents yet), he can be.
        self.jose.parent_id = False
        Client.create({"name": "Leo Rivera", "partner_id": self.jose.id})

    def test_account_with_family_documents_keeps_its_place(self):
        self._sent_invoice(units=2.0, count=1)
        other = self.env["res.partner"].create({"name": "Rivera Household", "is_company": True})
        for partner, vals in (
            (self.parent_rivera, {"parent_id": other.id}),
            (self.parent_rivera, {"is_company": True}),
            (self.jose, {"parent_id": other.id}),
            (self.jose, {"parent_id": False}),
        ):
            with (
                self.subTest(partner=partner.name, vals=vals),
                self.assertRaisesRegex(UserError, "Create a new contact"),
            ):
                partner.write(vals)
        self.assertFalse(self.parent_rivera.parent_id)
        self.assertEqual(self.jose.parent_id, self.parent_rivera)
        self.parent_rivera.write({"parent_id": False, "email": "maria@example.net"})  # unchanged: fine
        # A responsible parent without documents is not put under another contact either.
        with self.assertRaisesRegex(UserError, "responsible parent of Lily Chen"):
            self.parent_chen.write({"parent_id": other.id})

    def test_existing_offenders_are_listed_for_staff(self):
        leo = self._billing_client("Leo Rivera", self.parent_rivera, "client")
        self.env.cr.execute("UPDATE practice_client SET partner_id = %s WHERE id = %s", [self.jose.id, leo.id])
        leo.invalidate_recordset()
        action = self.env["res.partner"].with_user(self.billing_user).action_billing_accounts_to_review()
        self.assertEqual(self.env["res.partner"].search(action["domain"]), self.jose)

    def test_statements_are_per_account(self):
        today = date.today()
        maria = self._sent_invoice(units=2.0, count=1)
        david = self._sent_invoice(client=self.client_lily, units=1.0, count=1)
        with self.assertRaises(ValidationError):
            self._billing_client("Leo Rivera", self.jose, "client")
        parents = self.env["practice.statement"]._billing_parents(self.company)
        self.assertEqual(parents, self.parent_rivera | self.parent_chen)
        statements = self.env["practice.statement"]._billing_generate(
            self.jose | parents, today - timedelta(days=30), today
        )
        self.assertEqual(statements.partner_id, self.parent_rivera | self.parent_chen)
        by_account = {s.partner_id: s for s in statements}
        self.assertEqual(by_account[self.parent_rivera].line_ids.move_id, maria)
        self.assertEqual(by_account[self.parent_chen].line_ids.move_id, david)
        self.assertEqual(by_account[self.parent_rivera].closing_balance, 65.0)
        self.assertAccountMoney(self.parent_rivera, 65.0)
        self.assertAccountMoney(self.parent_chen, 32.5)
