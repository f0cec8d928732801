"""Smaller points of issue 24: the Billing Run bills last month by default,
the refund dialog says what "Also credit the invoice" does, and the
declined-autopay email's header names the invoice, not a journal entry."""

from datetime import date

from freezegun import freeze_time

from odoo.tests import Form, tagged

from .common import BillingCommon, html_text
from .test_autopay import AutopayCommon


@tagged("post_install", "-at_install")
class TestFamilySmaller(BillingCommon):
    def test_billing_run_defaults_to_the_end_of_last_month(self):
        with freeze_time("2026-03-10"):
            wizard = Form(self.env["practice.charge.billing.run"].with_user(self.billing_user))
            self.assertEqual(wizard.date_to, date(2026, 2, 28))

    def test_refund_dialog_says_what_crediting_the_invoice_does(self):
        arch = self.env["account.move.billing.refund"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("The refunded amount becomes due again on this invoice", arch)
        self.assertIn("the invoice's balance stays at zero", arch)


@tagged("post_install", "-at_install")
class TestDeclinedAutopayHeader(AutopayCommon):
    def test_declined_email_header_names_the_invoice(self):
        move = self._autopay_invoice(self._token(self.parent_rivera, state="error"), run_on="2026-05-01 10:00:00")
        mail = self._declined_emails(move)
        self.assertEqual(len(mail), 1)
        body = html_text(mail.body_html)
        self.assertIn("Your Invoice", body)
        self.assertNotIn("Journal Entry", body)
