"""The portal's Billing page (issue 24): one Billing tile, what the family
owes now, and Pay all: one transaction over the account's open family
invoices, split per invoice when it lands, over real HTTP with Odoo's demo
provider."""

from odoo.tests import HttpCase, tagged

from .common import BillingCommon, JsonRpcMixin, html_text


@tagged("post_install", "-at_install")
class TestPayAll(JsonRpcMixin, BillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_maria = cls._portal_user("maria", cls.parent_rivera)

    def setUp(self):
        super().setUp()
        self.provider = self._enable_demo_provider()
        self.first = self._sent_invoice(count=1)  # 65.00
        self.second = self._sent_invoice(count=1)  # 65.00
        self.authenticate("maria", "maria-pass-1234")

    def _pay_all(self, amount):
        return self._jsonrpc(
            "/my/billing/pay/transaction",
            {
                "provider_id": self.provider.id,
                "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
                "token_id": None,
                "amount": amount,
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": "/my/billing",
            },
        )

    def _land(self, tx):
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"}
        )
        tx._post_process()

    def _transactions(self):
        return self.env["payment.transaction"].sudo().search([("partner_id", "=", self.parent_rivera.id)])

    def test_pay_all_pays_two_invoices_in_one_transaction(self):
        page = html_text(self.url_open("/my/billing").text)
        self.assertIn("You owe", page)
        self.assertIn("130.00", page)
        self.assertIn("Pay all", page)
        form = self.url_open("/my/billing/pay")
        self.assertEqual(form.status_code, 200)
        for move in self.first + self.second:
            self.assertIn(move.name, html_text(form.text))
        self.assertIn('data-transaction-route="/my/billing/pay/transaction"', form.text)
        result = self._pay_all(130.0)
        self.assertNotIn("error", result, result.get("error"))
        tx = self._transactions()
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.invoice_ids, self.first + self.second)
        self._land(tx)
        for move in self.first + self.second:
            self.assertRecordValues(
                move.billing_payment_ids, [{"amount": 65.0, "payment_transaction_id": tx.id, "billing_method": "card"}]
            )
            self.assertEqual(move.billing_state, "paid")
        self.assertAccountMoney(self.parent_rivera, 0.0)
        self.assertIn("0.00", html_text(self.url_open("/my/billing").text))

    def test_part_of_the_total_pays_the_oldest_first(self):
        # Both due the same day: the older invoice first.
        self.assertNotIn("error", self._pay_all(100.0))
        self._land(self._transactions())
        self.assertEqual(self.first.billing_amount_due, 0.0)
        self.assertEqual(self.second.billing_amount_due, 30.0)
        self.assertAccountMoney(self.parent_rivera, 30.0)

    def test_pay_all_refusals_leave_nothing(self):
        for amount, message in ((130.01, "130.00 of your open invoices"), (0, "above zero")):
            result = self._pay_all(amount)
            self.assertIn(message, result["error"]["data"]["message"])
        self.assertFalse(self._transactions())
        live = self._demo_transaction(self.provider, self.first, 65.0)
        result = self._pay_all(65.0)
        self.assertIn("already being processed", result["error"]["data"]["message"])
        self.assertEqual(self._transactions(), live)
        self.assertNotIn("Pay all", html_text(self.url_open("/my/billing").text))
        self.assertAccountMoney(self.parent_rivera, 130.0)

    def test_you_owe_takes_off_the_accounts_credit(self):
        self.first.with_user(self.billing_user)._billing_register_payment(
            100.0, self.first.invoice_date, "check", "1001", keep_excess=True
        )
        owed = self.parent_rivera._billing_amount_owed()
        self.assertEqual(owed["invoices"], self.second)
        # 65.00 open less the 35.00 kept as credit.
        self.assertEqual(owed["amount"], 30.0)
        self.assertIn("30.00", html_text(self.url_open("/my/billing").text))

    def test_one_billing_tile(self):
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["invoice_count", "billing_count"]})
        self.assertEqual(counters, {"billing_count": 2})
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["invoice_count"]})
        self.assertEqual(counters, {})
