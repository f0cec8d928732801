"""A parent whose contact language is Spanish gets the email, the portal page
and the invoice PDF in Spanish (i18n/es.po), whatever the staff's language."""

import os
from unittest.mock import patch

from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import BillingCommon, html_text
from .test_backoffice_tour import SCREENSHOTS, _handle_console_with_screenshots

SPANISH = "es_419"  # Latin American Spanish; i18n/es.po serves every es_* language
# Odoo's own modules on the parent's screens and emails (mail: the email layout): their Spanish
# comes with Odoo.
PORTAL_MODULES = ["web", "mail", "portal", "payment", "account", "account_payment", "parent_billing"]


class SpanishParentCommon(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang(SPANISH)
        cls.env["ir.module.module"]._load_module_terms(PORTAL_MODULES, [SPANISH], overwrite=True)
        cls.env.user.lang = "en_US"  # the clerk works in English
        cls.parent_rivera.lang = SPANISH
        cls.company.partner_id.write({"street": "500 Harbor Lane", "city": "Springfield"})

    def assertSpanish(self, text, spanish, english):
        """Every ``spanish`` phrase is in ``text``, none of the ``english`` ones."""
        for phrase in spanish:
            self.assertIn(phrase, text)
        for phrase in english:
            self.assertNotIn(phrase, text)

    def assertSpanishMail(self, mail, subject, spanish, english):
        """``mail`` is one email, its subject holds ``subject`` and its body
        reads in Spanish (``assertSpanish``)."""
        self.assertEqual(len(mail), 1)
        self.assertIn(subject, mail.subject)
        self.assertSpanish(html_text(mail.body_html), spanish, english)


@tagged("post_install", "-at_install")
class TestSpanishEmailAndPdf(SpanishParentCommon, HttpCase):
    """Send renders the email and the PDF in the parent's language (the PDF
    through wkhtmltopdf: an HttpCase, see TestSend)."""

    def test_email_is_in_the_parents_language(self):
        move = self._draft_invoice(notes="Gracias")
        move.with_user(self.billing_user).action_billing_send()
        mail = self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", move.id), ("recipient_ids", "in", self.parent_rivera.ids)]
        )
        self.assertSpanishMail(
            mail,
            f"factura {move.name}",
            ("Hola Maria Rivera", f"La factura {move.name}", "está lista", "Ver y pagar su factura"),
            ("is ready",),
        )

    def test_pdf_is_in_the_parents_language(self):
        move = self._sent_invoice(notes="Gracias")
        pdf, _fmt = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("account.account_invoices", move.ids)
        )
        self.assertSpanish(
            self._pdf_text(pdf),
            ("FACTURA", "Fecha de vencimiento", "Saldo pendiente", "Servicio", "Monto pagado", "Cómo pagar"),
            ("INVOICE", "Due date", "Amount paid", "How to pay"),
        )

    def test_error_messages_are_whole_spanish_sentences(self):
        """A parent-facing refusal reads as one Spanish sentence."""
        move = self._draft_invoice()
        move.invoice_line_ids.price_unit = 0.0
        with self.assertRaisesRegex(Exception, "tiene un total cero o negativo y no se puede enviar"):
            move.with_context(lang=SPANISH).action_billing_send()


@tagged("post_install", "-at_install")
class TestSpanishPortal(SpanishParentCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_maria = cls._portal_user("maria", cls.parent_rivera)
        cls.move = cls.env["practice.charge"].browse()
        sessions = cls.env["practice.session"].create(
            [{"client_id": cls.client_sofia.id, "product_id": cls.service_aba.id, "units": 2.0} for _i in range(2)]
        )
        sessions.action_finalize()
        cls.move = sessions.charge_ids._create_invoices(notes="Gracias")
        cls.move.action_billing_send()

    def test_portal_pages_are_in_the_parents_language(self):
        self.assertEqual(self.user_maria.lang, SPANISH, "the portal login follows the contact's language")
        self.authenticate("maria", "maria-pass-1234")
        listing = html_text(self.url_open("/my/billing").text)
        for spanish in ("Facturación", "Fecha de vencimiento", "Saldo"):
            self.assertIn(spanish, listing)
        page = html_text(self.url_open(self.move.get_portal_url()).text)
        for spanish in ("Fecha de vencimiento", "Saldo", "Pagado", "Cómo pagar"):
            self.assertIn(spanish, page)
        for english in ("Due date", "How to pay"):
            self.assertNotIn(english, page)

    def test_screenshot_of_the_spanish_invoice_page(self):
        """README picture (PB_SCREENSHOTS=...): the Spanish portal invoice page."""
        url = self.move.get_portal_url()
        if not SCREENSHOTS:
            self.start_tour(url, "parent_billing_portal_es", login="maria")
            return
        os.makedirs(SCREENSHOTS, exist_ok=True)
        with patch.object(ChromeBrowser, "_handle_console", _handle_console_with_screenshots):
            self.start_tour(url, "parent_billing_portal_es", login="maria", cookies={"pb_screenshots": "1"})
