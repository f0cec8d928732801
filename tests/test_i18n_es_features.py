"""The documents that came after the invoice reach a Spanish-reading parent in
Spanish too: the statement (email, portal page, PDF), the payment reminder
email, the autopay page of the portal and its declined-card email (i18n/es.po)."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import html_text
from .test_i18n_es import SPANISH, SpanishParentCommon

# The statement's Spanish labels, on its portal page and in its PDF alike.
STATEMENT_LABELS_ES = (
    "Saldo inicial",
    "Saldo al",
    "Desde el",
    "A pagar ahora, al",
    "Factura abierta",
    "Saldo abierto por antigüedad al",
)


@tagged("post_install", "-at_install")
class TestSpanishFeatures(SpanishParentCommon, HttpCase):
    """An HttpCase: the statement PDF goes through wkhtmltopdf (see TestSend)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))
        cls.user_maria = cls._portal_user("maria", cls.parent_rivera)

    def _page(self, url):
        self.authenticate("maria", "maria-pass-1234")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return html_text(response.text).replace("&#39;", "'")

    def _sent_statement(self):
        Statement = self.env["practice.statement"]
        date_from, date_to = Statement._billing_statement_period(fields.Date.today())
        move = self._draft_invoice()
        move.write({"invoice_date": date_from, "invoice_date_due": date_from + timedelta(days=30)})
        move.action_billing_send()
        statement = Statement.with_user(self.billing_user)._billing_generate(self.parent_rivera, date_from, date_to)
        statement.with_user(self.billing_user).action_billing_send()
        self.assertEqual(statement.state, "sent")
        return statement.with_env(self.env)

    def test_statement_email_portal_page_and_pdf_are_in_spanish(self):
        statement = self._sent_statement()

        mail = self.env["mail.mail"].search(
            [("model", "=", "practice.statement"), ("res_id", "=", statement.id), ("recipient_ids", "!=", False)]
        )
        self.assertSpanishMail(
            mail,
            f"estado de cuenta {statement.name}",
            (
                "Hola Maria Rivera:",
                f"Su estado de cuenta {statement.name}",
                "está listo",
                "A pagar ahora:",
                "Factura abierta",
                "Fecha de vencimiento",
                "Su saldo al",
                "el final del período",
                "Ver su estado de cuenta",
                "Inicie sesión en su cuenta para ver los detalles y descargar el PDF.",
            ),
            ("Hello", "is ready", "Due now", "Open invoice", "Your balance on", "View your statement", "Sign in"),
        )

        page = self._page(statement.get_portal_url())
        self.assertSpanish(
            page,
            (
                f"Estado de cuenta {statement.name}",
                *STATEMENT_LABELS_ES,
                "Sus facturas, con Pagar ahora donde se ofrece, están en la página Facturación .",
            ),
            (
                "Opening balance",
                "Balance on",
                "Since",
                "Due now",
                "Open invoice",
                "Open balance by age on",
                "Your invoices",
            ),
        )

        pdf, _fmt = self.env["ir.actions.report"]._render_qweb_pdf(
            "parent_billing.action_report_practice_statement", statement.ids
        )
        text = self._pdf_text(pdf)
        self.assertSpanish(
            text,
            (
                "ESTADO DE CUENTA",
                "ESTADO DE CUENTA DE",
                *STATEMENT_LABELS_ES,
                "Sus facturas están en su cuenta en",
            ),
            ("STATEMENT FOR", "Opening balance", "Balance on", "Since", "Due now", "Open invoice", "Your invoices"),
        )

    def test_reminder_email_is_in_spanish(self):
        move = self._draft_invoice()
        due = fields.Date.today() + timedelta(days=10)
        move.write({"invoice_date": due - timedelta(days=30), "invoice_date_due": due})
        move.action_billing_send()
        with freeze_time(due - timedelta(days=3)):
            self.env["account.move"]._cron_billing_reminders()
        mail = self.env["mail.mail"].search(
            [
                ("model", "=", "res.partner"),
                ("res_id", "=", self.parent_rivera.id),
                ("recipient_ids", "in", self.parent_rivera.ids),
            ]
        )
        self.assertSpanishMail(
            mail,
            f"recordatorio de pago ({move.name})",
            (
                "Hola Maria Rivera:",
                "Un recordatorio amable: el saldo a continuación vence pronto.",
                "Saldo pendiente",
                "Fecha de vencimiento",
                "Ver factura",
                "Si ya pagó, le damos las gracias; por favor, ignore este recordatorio.",
            ),
            ("Hello", "friendly reminder", "Balance due", "View invoice", "disregard"),
        )

    def _card(self, state="done"):
        """A card Maria saved with Odoo's demo provider; its charges end in ``state``."""
        return self._demo_card(self._enable_demo_provider(), self.parent_rivera, state)

    def _enroll(self, card):
        parent = self.parent_rivera.with_user(self.user_maria).with_context(lang=SPANISH)
        wording = parent.sudo()._billing_autopay_wording(card, self.company)
        parent._billing_autopay_enroll(card, wording, self.company)

    def test_autopay_declined_email_is_in_spanish(self):
        self.company.billing_autopay_retry_days = False
        with freeze_time("2026-04-01"):
            self._enroll(self._card(state="error"))
            move = self._sent_invoice(count=1)
        with freeze_time(move.invoice_date_due):
            self.env["account.move"]._cron_billing_autopay()
        mail = (
            self.env["mail.mail"]
            .search([("model", "=", "account.move"), ("res_id", "=", move.id)])
            .filtered(lambda m: self.parent_rivera in m.recipient_ids and "rechazada" in m.subject)
        )
        self.assertSpanishMail(
            mail,
            f"su tarjeta fue rechazada para la factura {move.name}",
            (
                "Hola Maria Rivera:",
                f"No pudimos cobrar a su tarjeta guardada la factura {move.name}",
                "No volveremos a intentar con esta tarjeta para esta factura.",
                "Actualice su tarjeta",
                "pague la factura ahora",
            ),
            ("Hello", "could not charge", "Update your card", "pay the invoice now"),
        )

    def test_autopay_portal_page_is_in_spanish(self):
        card = self._card()
        page = self._page("/my/autopay")
        self.assertSpanish(
            page,
            (
                "Pago automático",
                "El pago automático está desactivado",
                f"Autorizo a {self.company.name} a cobrar a mi tarjeta",
                "Acepto los términos anteriores para la tarjeta que elegí.",
                "Activar el pago automático",
            ),
            ("Autopay is", "I authorize", "I agree", "Turn on autopay"),
        )

        self._enroll(card)
        page = self._page("/my/autopay")
        self.assertRegex(page, r"El pago automático está activado con la tarjeta \S.* desde el \d")
        self.assertIn("Desactivar el pago automático", page)
        self.assertNotIn("Turn off autopay", page)

    def test_autopay_on_and_off_emails_are_in_spanish(self):
        self._enroll(self._card())
        consent = self.parent_rivera.billing_autopay_consent_id
        self.parent_rivera.with_user(self.billing_user).action_billing_autopay_disable()
        mails = self.env["mail.mail"].search(
            [("model", "=", "practice.autopay.consent"), ("res_id", "=", consent.id)], order="id"
        )
        self.assertEqual(len(mails), 2)
        mail_on, mail_off = mails
        # The layout's header reads "Your <model>": the consent's name in Spanish.
        self.assertIn("Su Consentimiento de pago automático", html_text(mail_on.body_html))
        self.assertSpanishMail(
            mail_on,
            "el pago automático está activado",
            (
                "Hola Maria Rivera:",
                "El pago automático ya está activado para sus facturas de",
                "Esto es lo que usted aceptó.",
                "terminada en",
                "Cuándo cobra",
                "Qué facturas",
                "Los términos que aceptó:",
                "Puede desactivar el pago automático en cualquier momento:",
            ),
            ("Hello", "Your Autopay Consent", "is now on", "ending in", "When it charges", "turn autopay off"),
        )
        self.assertSpanishMail(
            mail_off,
            "el pago automático está desactivado",
            (
                "Hola Maria Rivera:",
                "El pago automático está desactivado desde el",
                "Sus facturas abiertas siguen abiertas: páguelas desde su cuenta.",
                "Administrar el pago automático",
            ),
            ("Hello", "Autopay is off", "no longer charged", "Manage autopay"),
        )
