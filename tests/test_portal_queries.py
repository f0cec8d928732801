from odoo import fields
from odoo.tests import HttpCase, tagged

from .common import BillingCommon

PORTAL_QUERY_LIMIT = 30


@tagged("post_install", "-at_install")
class TestPortalQueryCount(BillingCommon, HttpCase):
    """A parent with many invoices: the Billing list and an invoice page cost
    the same number of SQL queries with 20 invoices as with 200 (counts, not
    timings), and no more than 30 (the page asks for the invoice's live
    charges and the practice's online payment once each)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_maria = cls._portal_user("maria", cls.parent_rivera)
        cls.kids = cls.env["practice.client"].create(
            [
                {"name": f"Rivera child {i}", "partner_id": cls.parent_rivera.id, "bill_to_mode": "client"}
                for i in range(20)
            ]
        )

    def _sent_invoices(self, rounds):
        """20 sent family invoices per round (one per child). Posted by the
        billing transition without rendering each PDF: the portal pages are
        what is measured here, not Send."""
        moves = self.env["account.move"]
        for _round in range(rounds):
            charges = self.env["practice.charge"].create(
                [
                    {"client_id": kid.id, "product_id": self.service_aba.id, "units": 1.0, "unit_price": 32.5}
                    for kid in self.kids
                ]
            )
            moves |= charges._create_invoices()
        with self.env["account.move"]._billing_transition():
            moves._post(soft=False)
            moves.write({"billing_sent_date": fields.Datetime.now()})
        self.env.flush_all()
        return moves

    def _queries(self, url):
        """SQL queries of one request to ``url``, once the worker is warm."""
        self.assertEqual(self.url_open(url).status_code, 200)
        self.url_open(url)
        before = self.cr.sql_log_count
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        self.assertNotIn("/web/login", response.url)
        return self.cr.sql_log_count - before

    def test_billing_list_and_invoice_page_constant_queries(self):
        first = self._sent_invoices(1)
        self.authenticate("maria", "maria-pass-1234")
        page_url = first[-1].get_portal_url()
        list_20 = self._queries("/my/billing")
        page_20 = self._queries(page_url)

        self._sent_invoices(9)
        self.assertEqual(
            self.env["account.move"].search_count(
                [("partner_id", "=", self.parent_rivera.id), ("billing_state", "=", "sent")]
            ),
            200,
        )
        list_200 = self._queries("/my/billing")
        page_200 = self._queries(page_url)

        self.assertEqual(list_200, list_20, "the Billing list costs more queries with 200 invoices than with 20")
        self.assertEqual(page_200, page_20, "an invoice page costs more queries with 200 invoices than with 20")
        self.assertLessEqual(max(list_200, page_200), PORTAL_QUERY_LIMIT)
