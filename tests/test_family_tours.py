"""What the family sees (issue 24), in real Chromium as the parent: a receipt
after Pay now, the statement's "Due now" equal to the Billing page's "You
owe", Pay all over two invoices in one transaction.

README pictures: PB_SCREENSHOTS=$PWD/docs bin/test tests/test_family_tours.py
saves docs/statement-portal.png, docs/portal-you-owe.png and
docs/statement-pdf.png; normal runs write nothing."""

import subprocess
from datetime import timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from . import test_backoffice_tour
from .common import BillingCommon
from .test_receipts import ReceiptsMixin


@tagged("post_install", "-at_install")
class TestFamilyTours(ReceiptsMixin, BillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))
        cls.user_maria = cls._portal_user("maria", cls.parent_rivera)

    # The screenshot mechanism of the back-office tours (PB_SCREENSHOTS).
    _start_tour = test_backoffice_tour.TestBackofficeTour._start_tour

    def _transactions(self):
        return self.env["payment.transaction"].sudo().search([("partner_id", "=", self.parent_rivera.id)])

    def test_receipt_arrives_after_pay_now(self):
        self._enable_demo_provider()
        move = self._sent_invoice()  # 130.00
        self.start_tour("/my/billing", "parent_billing_family_pay_now", login="maria")
        self.assertEqual(move.billing_state, "paid")
        payment = move.billing_payment_ids
        self.assertEqual(len(payment), 1)
        self.assertEqual(payment.payment_transaction_id, self._transactions())
        mail = self._receipts(payment)
        self.assertEqual(len(mail), 1, "one receipt, queued when the payment landed")
        self.assertEqual(mail.state, "outgoing")
        self._assert_receipt(mail, move, "130.00", "Card", "0.00")
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_statements_due_now_equals_the_portals_you_owe(self):
        self._enable_demo_provider()  # the Billing page offers Pay all
        self.company.write({"name": "Bright Steps Therapy", "logo": False})
        Statement = self.env["practice.statement"]
        date_from, date_to = Statement._billing_statement_period(fields.Date.today())
        with freeze_time(date_to - timedelta(days=10)):
            first = self._sent_invoice()  # 130.00, in the period
        # Since the period: a payment and a new invoice.
        first._billing_register_payment(30.0, fields.Date.today(), "check", "CHK-1")
        self._sent_invoice(count=1)  # 65.00
        statement = Statement._billing_generate(self.parent_rivera, date_from, date_to)
        statement.action_billing_send()
        self.assertEqual(statement.closing_balance, 130.0)
        self.assertEqual(statement.since_line_ids.mapped("amount"), [-30.0, 65.0])
        self.assertEqual(statement.amount_due, 165.0)
        self.assertEqual(statement.amount_due, self.parent_rivera._billing_amount_owed()["amount"])
        self.assertAccountMoney(self.parent_rivera, 165.0)
        self._start_tour(statement.get_portal_url(), "parent_billing_family_statement_due_now", "maria")
        if screenshots := test_backoffice_tour.SCREENSHOTS:
            # README picture of the statement PDF's first page, from the PDF Send attached.
            pdf = (
                self.env["ir.attachment"]
                .search([("res_model", "=", statement._name), ("res_id", "=", statement.id)], limit=1)
                .raw
            )
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-singlefile", "-", str(Path(screenshots, "statement-pdf"))],
                input=pdf,
                check=True,
            )

    def test_pay_all_pays_two_invoices_in_one_transaction(self):
        self._enable_demo_provider()
        first = self._sent_invoice(count=1)  # 65.00
        second = self._sent_invoice(count=1)  # 65.00
        self.start_tour("/my/billing", "parent_billing_family_pay_all", login="maria")
        tx = self._transactions()
        self.assertEqual(len(tx), 1, "one transaction")
        self.assertEqual(tx.state, "done")
        self.assertEqual(tx.amount, 130.0)
        self.assertEqual(tx.invoice_ids, first | second)
        self.assertEqual((first | second).mapped("billing_state"), ["paid", "paid"])
        self.assertEqual(len((first | second).billing_payment_ids), 2, "split per invoice")
        self.assertAccountMoney(self.parent_rivera, 0.0)
