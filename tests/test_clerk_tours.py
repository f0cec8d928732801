"""The clerk's everyday screens in a real browser (issue 24): print the
invoices of the parents without email as one PDF, export Billing AR to XLSX,
follow a background billing run without reloading its page."""

import io
import re
from unittest.mock import patch

from odoo import fields
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.pdf import PdfReader

from odoo.addons.web.controllers.export import ExcelExport

from ..models import practice_billing_run
from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestClerkTours(BillingCommon, HttpCase):
    def test_clerk_prints_two_no_email_invoices_as_one_pdf(self):
        self.parent_rivera.email = False
        # Send attaches the real PDF (the test thread renders it); Print for Mailing merges those.
        sender = self.env(context=dict(self.env.context, force_report_rendering=True))
        first = self._draft_invoice(count=1)
        second = self._draft_invoice(count=1)
        emailed = self._draft_invoice(client=self.client_lily, count=1)
        (first | second).with_env(sender).action_billing_send()
        emailed.action_billing_send()
        self.assertEqual((first | second | emailed).mapped("billing_to_print"), [True, True, False])

        self.start_tour(
            "/odoo/action-parent_billing.account_move_action_family_invoices",
            "parent_billing_clerk_print",
            login=self.billing_user.login,
        )

        attachment = self.env["ir.attachment"].search([("name", "like", "Invoices to mail")])
        self.assertEqual(len(attachment), 1, "one PDF for the two invoices")
        self.assertTrue(attachment.raw.startswith(b"%PDF"))
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(attachment.raw)).pages)
        text = re.sub(r"\s+", " ", text.replace("\xa0", " "))
        for expected in (first.name, second.name, "Mail check to: Bright Steps, 1 Main St."):
            self.assertIn(expected, text)
        self.assertNotIn(emailed.name, text)
        self.assertTrue(first.billing_printed_date)
        self.assertTrue(second.billing_printed_date)
        self.assertFalse(emailed.billing_printed_date)
        self.assertFalse(
            self.env["account.move"].search_count(
                [("billing_to_print", "=", True), ("billing_printed_date", "=", False)]
            ),
            "nothing is left To Print",
        )

    def test_clerk_exports_billing_ar_to_xlsx(self):
        rivera = self._sent_invoice(count=1)  # 2 x 32.50 = 65.00
        chen = self._sent_invoice(client=self.client_lily, service=self.service_speech, units=1, count=1)  # 125.00
        files = []
        base = ExcelExport.base

        def keep_file(controller, data):
            response = base(controller, data)
            files.append(response.data)
            return response

        with patch.object(ExcelExport, "base", keep_file):
            self.start_tour(
                "/odoo/action-parent_billing.practice_ar_aging_action",
                "parent_billing_clerk_export",
                login=self.billing_user.login,
            )

        self.assertEqual(len(files), 1)
        import openpyxl  # noqa: PLC0415  (Odoo's own dependency)

        sheet = openpyxl.load_workbook(io.BytesIO(files[0])).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        header = rows[0]
        self.assertIn("Invoice", header)
        self.assertIn("Open Balance", header)
        invoice, balance = header.index("Invoice"), header.index("Open Balance")
        exported = {row[invoice]: row[balance] for row in rows[1:] if row[invoice]}
        self.assertEqual(exported, {rivera.display_name: 65.0, chen.display_name: 125.0})

    def test_billing_run_page_follows_the_background_run(self):
        self._charges(self.client_sofia, self.service_aba)
        with (
            patch.object(practice_billing_run, "RUN_SYNC_LIMIT", 0),
            Form(self.env["practice.charge.billing.run"].with_user(self.billing_user)) as wizard,
        ):
            wizard.date_to = fields.Date.today()
        with patch.object(practice_billing_run, "RUN_SYNC_LIMIT", 0):
            action = wizard.save().action_start()
        run = self.env["practice.billing.run"].browse(action["res_id"])
        self.assertEqual(run.state, "running")

        # The background worker bills the run after the page has first shown it.
        Run = type(self.env["practice.billing.run"])
        web_read = Run.web_read
        reads = []

        def web_read_after_work(records, *args, **kwargs):
            reads.append(records.ids)
            if len(reads) == 2:
                run.with_env(records.env)._billing_process(commit=False)
            return web_read(records, *args, **kwargs)

        web_read_after_work._readonly = False  # the worker writes: a read-write request

        with patch.object(Run, "web_read", web_read_after_work):
            self.start_tour(
                f"/odoo/action-parent_billing.practice_billing_run_action/{run.id}",
                "parent_billing_clerk_run_refresh",
                login=self.billing_user.login,
            )
        self.assertEqual(run.state, "done")
        self.assertGreaterEqual(len(reads), 2, "the page read the run again by itself")
