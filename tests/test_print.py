"""Paper (issue 24): a parent without an email address, or who asked for
paper, gets her invoice printed and mailed. Send marks it To Print and says
so (never "sent to the parent"); Print for Mailing makes one PDF of the
selected invoices, each with the practice's mail-check / ACH instructions."""

import io
import re

from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools.pdf import PdfReader

from .common import BillingCommon, html_text


@tagged("post_install", "-at_install")
class TestPrint(BillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # Send attaches the real PDF, which Print for Mailing then reuses.
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))

    def _pdf_text(self, action):
        """The PDF the action downloads, over HTTP as the clerk, as text."""
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.authenticate("clerk", "clerk")
        response = self.url_open(action["url"])
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content.startswith(b"%PDF"))
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
        return re.sub(r"\s+", " ", text.replace("\xa0", " "))

    def test_batch_print_of_two_no_email_invoices_is_one_pdf_with_the_instructions(self):
        self._enable_demo_provider()  # online payment exists: the paper copy still says how to pay by mail
        self.parent_rivera.email = False
        first = self._draft_invoice(count=1)
        second = self._draft_invoice(count=1)
        (first + second).with_user(self.billing_user).action_billing_send()
        for move in first + second:
            self.assertTrue(move.billing_to_print)
            notes = " ".join(html_text(m.body) for m in move.message_ids)
            self.assertIn("Invoice to print and mail to the parent", notes)
            self.assertNotIn("Invoice sent to the parent", notes)
        self.assertFalse(
            self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "in", (first + second).ids)])
        )
        moves = self.env["account.move"].search(
            [("billing_to_print", "=", True), ("partner_id", "=", self.parent_rivera.id)]
        )
        self.assertEqual(moves, first + second)
        text = self._pdf_text(moves.with_user(self.billing_user).action_billing_print())
        for expected in (first.name, second.name, "Mail check to: Bright Steps, 1 Main St."):
            self.assertIn(expected, text)
        self.assertEqual(text.count("Mail check to: Bright Steps"), 2, "one page of instructions per invoice")
        self.assertIn("Printed for mailing", html_text(first.message_ids[:1].body))

    def test_paper_parent_with_email_is_marked_to_print(self):
        self.parent_chen.with_user(self.billing_user).billing_paper = True
        move = self._sent_invoice(client=self.client_lily, count=1)
        self.assertTrue(move.billing_to_print)
        emailed = self._sent_invoice(count=1)
        self.assertFalse(emailed.billing_to_print)
        self.assertIn("Invoice sent to the parent", " ".join(html_text(m.body) for m in emailed.message_ids))
        plain = self._billing_staff("plain", "base.group_user")
        with self.assertRaises(AccessError):
            self.parent_chen.with_user(plain).billing_paper = False

    def test_print_refuses_what_is_not_a_sent_family_invoice(self):
        draft = self._draft_invoice(count=1)
        with self.assertRaisesRegex(UserError, "sent family invoices only"):
            draft.with_user(self.billing_user).action_billing_print()
