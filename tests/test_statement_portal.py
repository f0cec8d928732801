"""The parent's Statements page over real HTTP: Maria sees her own sent
statements; Jose, a second contact under her record, and David, another
family, see nothing of them - by the page, by the PDF URL and over RPC."""

from datetime import timedelta

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged

from .common import BillingCommon, JsonRpcMixin, html_text


@tagged("post_install", "-at_install")
class TestStatementPortal(JsonRpcMixin, BillingCommon, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))
        cls._portal_family_users()

        Statement = cls.env["practice.statement"]
        cls.date_from, cls.date_to = Statement._billing_statement_period(fields.Date.today())
        cls.inv_sofia = cls._invoice_in_period(cls.client_sofia)
        cls.inv_sofia._billing_register_payment(30.0, cls.date_to, "check", "CHK-1")
        cls.inv_lily = cls._invoice_in_period(cls.client_lily)
        cls.st_maria, cls.st_david = Statement._billing_generate(
            cls.parent_rivera | cls.parent_chen, cls.date_from, cls.date_to
        )
        (cls.st_maria | cls.st_david).action_billing_send()
        # Not sent: not the parent's yet.
        cls.st_draft = Statement._billing_generate(cls.parent_rivera, cls.date_from, cls.date_from)
        assert cls.st_draft.state == "draft"

    @classmethod
    def _invoice_in_period(cls, client):
        sessions = cls.env["practice.session"].create(
            [{"client_id": client.id, "product_id": cls.service_aba.id, "units": 2.0} for _i in range(2)]
        )
        sessions.action_finalize()
        move = sessions.charge_ids._create_invoices()
        move.write({"invoice_date": cls.date_from, "invoice_date_due": cls.date_from + timedelta(days=30)})
        move.action_billing_send()
        return move

    def _get(self, url, login, **kwargs):
        self.authenticate(login, f"{login}-pass-1234")
        return self.url_open(url, **kwargs)

    def test_parent_sees_own_statements_with_counter(self):
        self.authenticate("maria", "maria-pass-1234")
        home = self.url_open("/my")
        self.assertIn('href="/my/statements"', home.text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["statement_count"]})
        self.assertEqual(counters["statement_count"], 1, "the sent statement, not the draft")

        listing = self.url_open("/my/statements")
        self.assertEqual(listing.status_code, 200)
        text = html_text(listing.content)
        self.assertIn(self.st_maria.name, text)
        self.assertIn("$ 100.00", text, "closing balance: 130.00 - 30.00")
        self.assertNotIn(self.st_david.name, text)
        self.assertNotIn(self.st_draft.name, text)

        page = self.url_open(f"/my/statements/{self.st_maria.id}")
        self.assertEqual(page.status_code, 200)
        text = html_text(page.content)
        for expected in (self.st_maria.name, "Opening balance", "Balance on", "$ 100.00", self.inv_sofia.name):
            self.assertIn(expected, text)
        self.assertNotIn("Lily", text)

        # Under test Odoo's report engine answers the document's HTML instead of
        # calling wkhtmltopdf (which would deadlock on this single-threaded test
        # server); test_statements proves the real PDF.
        pdf = self.url_open(f"/my/statements/{self.st_maria.id}?report_type=pdf&download=true")
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        self.assertIn("Balance on", html_text(pdf.content))
        disposition = pdf.headers["Content-Disposition"]
        self.assertIn(self.st_maria.name.replace("/", "_"), disposition)
        self.assertNotIn("Rivera", disposition)
        self.assertNotIn("Sofia", disposition)

    def test_second_contact_and_other_family_are_refused(self):
        for login in ("jose", "david"):
            with self.subTest(login=login):
                listing = html_text(self._get("/my/statements", login).content)
                self.assertNotIn(self.st_maria.name, listing)
                for url in (
                    f"/my/statements/{self.st_maria.id}",
                    f"/my/statements/{self.st_maria.id}?report_type=pdf&download=true",
                    f"/my/statements/{self.st_maria.id}?report_type=html",
                ):
                    response = self.url_open(url, allow_redirects=False)
                    self.assertIn(response.status_code, (303, 403, 404), url)
                    self.assertNotIn(self.st_maria.name, response.text)
                    self.assertNotIn("Balance on", response.text)
                counters = self.make_jsonrpc_request("/my/counters", {"counters": ["statement_count"]})
                self.assertEqual(counters["statement_count"], 1 if login == "david" else 0)

    def test_draft_statement_is_not_shown_even_to_its_parent(self):
        response = self._get(f"/my/statements/{self.st_draft.id}", "maria", allow_redirects=False)
        self.assertEqual(response.status_code, 303)
        self.assertNotIn(self.st_draft.name, response.text)

    def test_superseded_statement_stays_open_from_its_email_link(self):
        self.inv_sofia._billing_register_payment(10.0, self.date_to, "check", "CHK-2")
        new = self.env["practice.statement"]._billing_generate(self.parent_rivera, self.date_from, self.date_to)
        self.assertEqual(new.previous_id, self.st_maria)
        self.assertEqual(self.st_maria.state, "superseded")
        page = self._get(f"/my/statements/{self.st_maria.id}", "maria", allow_redirects=False)
        self.assertEqual(page.status_code, 200)
        self.assertIn("$ 100.00", html_text(page.content), "what the parent was told then")
        listing = html_text(self.url_open("/my/statements").content)
        self.assertNotIn(self.st_maria.name, listing, "the list shows live statements only")
        self.assertNotIn(new.name, listing, "not sent yet")
        new.action_billing_send()
        listing = html_text(self.url_open("/my/statements").content)
        self.assertIn(new.name, listing)
        self.assertIn("$ 90.00", listing)
        response = self._get(f"/my/statements/{self.st_maria.id}", "jose", allow_redirects=False)
        self.assertNotIn(self.st_maria.name, response.text, "still the parent's only")

    def test_record_rule_over_rpc(self):
        statement = self.st_maria
        self.assertEqual(statement.with_user(self.user_maria).read(["closing_balance"])[0]["closing_balance"], 100.0)
        for user in (self.user_jose, self.user_david):
            with self.subTest(user=user.login):
                Statement = self.env["practice.statement"].with_user(user)
                self.assertFalse(Statement.search([("id", "=", statement.id)]))
                with self.assertRaises(AccessError):
                    statement.with_user(user).read(["closing_balance"])
                lines = (
                    self.env["practice.statement.line"].with_user(user).search([("statement_id", "=", statement.id)])
                )
                self.assertFalse(lines)
        # The same over real JSON-RPC, as the second contact.
        self.authenticate("jose", "jose-pass-1234")
        answer = self._call("practice.statement", "search_read", [[]], {"fields": ["name", "closing_balance"]})
        self.assertEqual(answer.get("result"), [], answer)
        answer = self._call("practice.statement", "read", [statement.ids], {"fields": ["closing_balance"]})
        self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.AccessError")
        answer = self._call("practice.statement", "action_billing_send", [self.st_draft.ids])
        self.assertIn("error", answer, "a parent cannot send statements")
        self.st_draft.invalidate_recordset()
        self.assertEqual(self.st_draft.state, "draft")
