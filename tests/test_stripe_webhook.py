"""Stripe through Odoo's payment_stripe: a recorded ``payment_intent.succeeded``
event, signed as Stripe signs it, posted to the real webhook route. No network:
Stripe's servers are the only part replaced."""

import hashlib
import hmac
import json
import time
from pathlib import Path

from odoo.tests import HttpCase, tagged

from .common import BillingCommon, pay_now_transaction, skip_unless_installed

WEBHOOK_SECRET = "whsec_parentbillingtest0000000000000"
PAYLOAD = Path(__file__).parent / "data" / "stripe_payment_intent_succeeded.json"


class StripeWebhookCase(BillingCommon, HttpCase):
    """A Stripe provider with a test webhook secret in the test company, and
    signed events posted to Odoo's real webhook route."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        skip_unless_installed(cls.env, "payment_stripe")
        cls.stripe = cls.env.ref("payment.payment_provider_stripe").sudo()
        if cls.stripe.company_id != cls.company:
            cls.stripe = cls.stripe.copy({"company_id": cls.company.id})
        cls.stripe.write(
            {
                "state": "test",
                "is_published": True,
                "stripe_secret_key": "sk_test_parentbilling",
                "stripe_publishable_key": "pk_test_parentbilling",
                "stripe_webhook_secret": WEBHOOK_SECRET,
            }
        )

    def _stripe_transaction(self, invoices, amount=None):
        """What Pay now does with Stripe: a transaction on the invoices."""
        return pay_now_transaction(
            self.env, self.stripe, invoices, amount, method="payment.payment_method_card", operation="online_redirect"
        )

    def _post(self, body, timestamp=None, secret=WEBHOOK_SECRET):
        timestamp = int(timestamp or time.time())
        signature = hmac.new(secret.encode(), f"{timestamp}.{body}".encode(), hashlib.sha256).hexdigest()
        return self.url_open(
            "/payment/stripe/webhook",
            data=body.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={signature}"},
        )

    def _post_process(self):
        # What Odoo's "post-process payment transactions" cron does after a
        # webhook, without the cron's own commit.
        self.env["payment.transaction"].sudo().search(
            [("state", "=", "done"), ("is_post_processed", "=", False)]
        )._post_process()


@tagged("post_install", "-at_install")
class TestStripeWebhook(StripeWebhookCase):
    def setUp(self):
        super().setUp()
        self.invoice = self._sent_invoice(count=2, units=2)  # 130.00
        self.tx = self._stripe_transaction(self.invoice)
        self.body = PAYLOAD.read_text().replace("__REFERENCE__", self.tx.reference)

    def test_signed_webhook_pays_invoice_with_stripe_reference(self):
        response = self._post(self.body)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(self.tx.state, "done")
        self._post_process()
        payment = self.invoice.billing_payment_ids
        self.assertEqual(len(payment), 1)
        self.assertIn("pi_3QpB7yAlCFm536g81Wy7RCPH", payment.memo)
        self.assertEqual(payment.payment_transaction_id, self.tx)
        self.assertRecordValues(
            self.invoice,
            [
                {
                    "billing_state": "paid",
                    "billing_amount_paid": 130.0,
                    "billing_amount_due": 0.0,
                }
            ],
        )
        self.assertEqual(self._receivable_balance(self.parent_rivera), 0.0)

    def test_same_webhook_twice_makes_one_payment(self):
        self._post(self.body)
        self._post_process()
        self._post(self.body)
        self._post_process()
        self.assertEqual(len(self.invoice.billing_payment_ids), 1)
        self.assertEqual(self.invoice.billing_amount_paid, 130.0)
        self.assertEqual(self._receivable_balance(self.parent_rivera), 0.0)

    def test_bad_signature_changes_nothing(self):
        response = self._post(self.body, secret="whsec_forged")
        self.assertEqual(response.status_code, 403)
        self._post_process()
        self.assertEqual(self.tx.state, "draft")
        self.assertFalse(self.invoice.billing_payment_ids)
        self.assertRecordValues(self.invoice, [{"billing_state": "sent", "billing_amount_due": 130.0}])
        self.assertEqual(self._receivable_balance(self.parent_rivera), 130.0)

    def test_stale_signature_changes_nothing(self):
        response = self._post(self.body, timestamp=time.time() - 3600)
        self.assertEqual(response.status_code, 403)
        self._post_process()
        self.assertEqual(self.tx.state, "draft")
        self.assertFalse(self.invoice.billing_payment_ids)
        self.assertEqual(self._receivable_balance(self.parent_rivera), 130.0)

    def test_tampered_payload_changes_nothing(self):
        timestamp = int(time.time())
        signature = hmac.new(WEBHOOK_SECRET.encode(), f"{timestamp}.{self.body}".encode(), hashlib.sha256).hexdigest()
        tampered = json.dumps(json.loads(self.body) | {"livemode": True})
        response = self.url_open(
            "/payment/stripe/webhook",
            data=tampered.encode(),
            headers={"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={signature}"},
        )
        self.assertEqual(response.status_code, 403)
        self.assertEqual(self.tx.state, "draft")
