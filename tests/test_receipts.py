"""Receipts (issue 24): every payment that lands on a family invoice, by
staff, Pay now or autopay, sends the parent one receipt: invoice number,
amount, date, method, the balance left, the service dates and names; never
the client's name or session notes."""

from freezegun import freeze_time

from odoo import fields
from odoo.tests import tagged

from .common import BillingCommon, html_text
from .test_autopay import AutopayCommon
from .test_i18n_es import SPANISH, SpanishParentCommon


class ReceiptsMixin:
    def _send_receipts(self):
        """What the commit of the request or the cron does: the receipts go
        out when the transaction is about to commit."""
        self.env.cr.precommit.run()

    def _receipts(self, payments):
        return self.env["mail.mail"].search(
            [("model", "=", "account.payment"), ("res_id", "in", payments.ids)], order="id"
        )

    def _assert_receipt(self, mail, move, amount, method, balance):
        body = html_text(mail.body_html)
        self.assertIn(move.name, mail.subject)
        self.assertEqual(mail.recipient_ids, move.partner_id)
        for text in (move.name, amount, method, balance, "Remaining balance", "Your Receipt"):
            self.assertIn(text, body)
        date = self.env["ir.qweb.field.date"].value_to_html(fields.Date.today(), {})
        self.assertIn(date, body)
        for line in move.invoice_line_ids.filtered("practice_charge_id"):
            self.assertIn(line.name, body)
        for private in ("Sofia", "Tolerated transitions", "Journal Entry"):
            self.assertNotIn(private, body)
        return body


@tagged("post_install", "-at_install")
class TestReceipts(ReceiptsMixin, BillingCommon):
    def test_staff_payment_sends_one_receipt(self):
        move = self._sent_invoice()  # 130.00
        payment = move._billing_register_payment(100.0, fields.Date.today(), "check", "1001")
        self._send_receipts()
        mail = self._receipts(payment)
        self.assertEqual(len(mail), 1)
        self._assert_receipt(mail, move, "100.00", "Check", "30.00")
        self.assertIn("ABA treatment", html_text(mail.body_html))
        self.assertIn(f"Receipt for payment {payment.name}", html_text(move.message_ids[:1].body))
        # At most once per payment: a later commit sends nothing again.
        self._send_receipts()
        self.assertEqual(self._receipts(payment), mail)

    def test_no_email_parent_gets_a_note_not_a_receipt(self):
        move = self._sent_invoice()
        self.parent_rivera.email = False
        payment = move._billing_register_payment(130.0, fields.Date.today(), "cash", "")
        self._send_receipts()
        self.assertFalse(self._receipts(payment))
        self.assertIn("has no email address", html_text(move.message_ids[:1].body))

    def test_pay_now_over_two_invoices_sends_a_receipt_per_invoice(self):
        provider = self._enable_demo_provider()
        first = self._sent_invoice(count=1)  # 65.00
        second = self._sent_invoice(count=1)
        tx = self._demo_transaction(provider, first + second, 130.0)
        tx._set_done()
        tx._post_process()
        self._send_receipts()
        payments = first.billing_payment_ids + second.billing_payment_ids
        self.assertEqual(len(payments), 2)
        mails = self._receipts(payments)
        self.assertEqual(len(mails), 2)
        for move in (first, second):
            mail = mails.filtered(lambda m, move=move: m.res_id == move.billing_payment_ids.id)
            self._assert_receipt(mail, move, "65.00", "Card", "0.00")

    def test_voided_invoice_gets_no_receipt(self):
        provider = self._enable_demo_provider()
        move = self._sent_invoice(count=1)
        tx = self._demo_transaction(provider, move, 65.0)
        self._abandon(tx)
        move._billing_void("duplicate")
        tx._set_done()
        tx._post_process()
        self._send_receipts()
        self.assertFalse(self._receipts(move.billing_payment_ids))


@tagged("post_install", "-at_install")
class TestAutopayReceipt(ReceiptsMixin, AutopayCommon):
    def test_autopay_charge_sends_a_receipt(self):
        move = self._autopay_invoice(self._token(self.parent_rivera))
        with freeze_time("2026-05-01 10:00:00"):
            self._run()
            payment = move.billing_payment_ids
            self.assertEqual(len(payment), 1)
            self._send_receipts()
            mail = self._receipts(payment)
            self.assertEqual(len(mail), 1)
            self._assert_receipt(mail, move, "65.00", "Card", "0.00")


@tagged("post_install", "-at_install")
class TestSpanishReceipt(ReceiptsMixin, SpanishParentCommon):
    """A Spanish-reading parent gets the receipt in Spanish (i18n/es.po),
    whatever the staff's language."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # The email's layout ("Your ...") is mail's: its Spanish comes with Odoo.
        cls.env["ir.module.module"]._load_module_terms(["mail"], [SPANISH], overwrite=True)

    def test_receipt_is_in_the_parents_language(self):
        move = self._sent_invoice()  # 130.00
        payment = move._billing_register_payment(100.0, fields.Date.today(), "check", "1001")
        self._send_receipts()
        self.assertSpanishMail(
            self._receipts(payment),
            f"recibo de su pago de la factura {move.name}",
            (
                "Hola Maria Rivera",
                "Gracias por su pago. Este es su recibo.",
                "Monto pagado",
                "Cheque",
                "Saldo pendiente",
                "Servicios de esta factura",
                "Ver su factura",
                "Su Recibo",
            ),
            ("Hello", "Thank you for your payment", "Amount paid", "Remaining balance", "Receipt"),
        )
