"""Exports (issue 24): billing users export their lists (Odoo's export
right, implied by the Billing user group), e.g. Billing AR to XLSX."""

import io
import json

from odoo import http
from odoo.tests import HttpCase, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestExports(BillingCommon, HttpCase):
    def test_billing_user_exports_billing_ar_to_xlsx(self):
        self.assertTrue(self.billing_user.has_group("base.group_allow_export"))
        move = self._sent_invoice()  # 130.00
        self.authenticate("clerk", "clerk")
        data = {
            "model": "practice.ar.aging",
            "fields": [
                {"name": "move_id", "label": "Invoice", "type": "many2one"},
                {"name": "amount_residual", "label": "Open Balance", "type": "monetary"},
            ],
            "ids": False,
            "domain": [("partner_id", "=", self.parent_rivera.id)],
            "import_compat": False,
            "context": {},
        }
        response = self.url_open(
            "/web/export/xlsx", data={"data": json.dumps(data), "csrf_token": http.Request.csrf_token(self)}
        )
        self.assertEqual(response.status_code, 200, response.text[-3000:])
        import openpyxl  # noqa: PLC0415  (Odoo's own dependency)

        sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertEqual(rows[0], ["Invoice", "Open Balance"])
        self.assertEqual(rows[1:], [[move.display_name, 130.0]])
