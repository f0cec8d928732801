import re

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import BillingCommon, JsonRpcMixin, html_text


@tagged("post_install", "-at_install")
class TestParentPortal(JsonRpcMixin, BillingCommon, HttpCase):
    """The parent portal, over real HTTP: the Riveras (Sofia and Mateo) and
    the Chens are two families; Jose is a second contact under Maria's
    record (a sibling contact, same commercial partner)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_family_users()
        cls.company.partner_id.write({"street": "120 Harbor Lane", "city": "Portland"})

        # Maria: a sent invoice for each child, and a draft.
        cls.inv_sofia = cls._draft_invoice_cls(cls.client_sofia, cls.service_aba, notes="See you next week")
        session = cls.env["practice.session"].create(
            {"client_id": cls.client_mateo.id, "product_id": cls.service_speech.id, "units": 1.0}
        )
        claim = session.action_finalize()
        claim.patient_responsibility = 35.17
        claim.action_post()
        cls.inv_mateo = claim.charge_ids._create_invoices()
        (cls.inv_sofia | cls.inv_mateo).action_billing_send()
        cls.draft_rivera = cls._draft_invoice_cls(cls.client_sofia, cls.service_ot)
        # The Chens: one sent invoice.
        cls.inv_lily = cls._draft_invoice_cls(cls.client_lily, cls.service_speech)
        cls.inv_lily.action_billing_send()

    @classmethod
    def _draft_invoice_cls(cls, client, service, notes=None):
        sessions = cls.env["practice.session"].create(
            [{"client_id": client.id, "product_id": service.id, "units": 2.0} for _i in range(2)]
        )
        sessions.action_finalize()
        return sessions.charge_ids._create_invoices(notes=notes)

    def _get(self, url, login=None, **kwargs):
        if login:
            self.authenticate(login, f"{login}-pass-1234")
        return self.url_open(url, **kwargs)

    # ------------------------------------------------------------------
    # Home and list
    # ------------------------------------------------------------------
    def test_home_shows_billing_entry_with_count(self):
        self.authenticate("maria", "maria-pass-1234")
        home = self.url_open("/my")
        self.assertEqual(home.status_code, 200)
        self.assertIn('href="/my/billing"', home.text)
        self.assertIn('data-placeholder_count="billing_count"', home.text)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["billing_count"]})
        self.assertEqual(counters["billing_count"], 2, "the two sent invoices, not the draft")

    def test_billing_list_shows_the_family_invoices_only(self):
        self.inv_sofia._billing_register_payment(50.0, None, "check", "CHK-7")
        response = self._get("/my/billing", login="maria")
        self.assertEqual(response.status_code, 200)
        text = html_text(response.content)
        for header in ("Invoice #", "Client", "Date", "Due Date", "Status", "Total", "Paid", "Balance"):
            self.assertIn(header, text)
        self.assertIn(self.inv_sofia.name, text)
        self.assertIn(self.inv_mateo.name, text)
        self.assertIn("Sofia Rivera", text)
        self.assertIn("Mateo Rivera", text)
        self.assertIn("$ 130.00 $ 50.00 $ 80.00", text, "total, paid, balance")
        self.assertIn("$ 35.17 $ 0.00 $ 35.17", text)
        self.assertEqual(response.text.count(">Open</span>"), 2)  # parents read "Open", not "Sent"
        self.assertNotIn(self.inv_lily.name, text, "another family's invoice")
        self.assertNotIn("Lily", text)
        self.assertEqual(len(re.findall(r'class="o_billing_row"', response.text)), 2, "no draft")

    def test_list_shows_each_status(self):
        self.inv_mateo._billing_register_payment(35.17, None, "cash", "")
        self._mark_overdue(self.inv_sofia)
        text = html_text(self._get("/my/billing", login="maria").content)
        self.assertIn("Paid", text)
        self.assertIn("Overdue", text)
        self.inv_sofia._billing_void("Wrong client")
        text = html_text(self._get("/my/billing").content)
        self.assertIn("Voided", text)

    def test_sibling_contact_and_other_family_see_nothing_in_lists(self):
        for login in ("jose", "david"):
            text = html_text(self._get("/my/billing", login=login).content)
            self.assertNotIn(self.inv_sofia.name, text, login)
            self.assertNotIn(self.inv_mateo.name, text, login)
            self.assertNotIn("Sofia", text, login)
            invoices = html_text(self._get("/my/invoices").content)
            self.assertNotIn(self.inv_sofia.name, invoices, login)
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["billing_count", "invoice_count"]})
        self.assertEqual(counters["billing_count"], 1, "David sees his own invoice")

    # ------------------------------------------------------------------
    # Invoice page
    # ------------------------------------------------------------------
    def test_invoice_page_shows_header_lines_totals_and_instructions(self):
        response = self._get(f"/my/invoices/{self.inv_sofia.id}", login="maria")
        self.assertEqual(response.status_code, 200)
        text = html_text(response.content)
        for expected in (self.inv_sofia.name, "Due date", "Total", "Paid", "Balance", "$ 130.00"):
            self.assertIn(expected, text)
        self.assertIn("How to pay", text)
        self.assertIn("Mail check to: Bright Steps, 1 Main St.", text)
        self.assertNotIn("o_billing_pay_now", response.text, "no provider: no Pay now")
        self.assertIn(f"/my/invoices/{self.inv_sofia.id}?access_token=", response.text)
        self.assertIn("report_type=pdf", response.text)
        self.assertIn("download=true", response.text)
        # The document itself (the portal's iframe): lines with date, service, amount, and notes.
        html = html_text(self._get(f"/my/invoices/{self.inv_sofia.id}?report_type=html").content)
        for expected in ("ABA treatment", "$ 65.00", "Amount paid", "Balance", "See you next week", "Bright Steps"):
            self.assertIn(expected, html)

    def test_invoice_page_offers_pay_now_with_a_provider(self):
        self._enable_demo_provider()
        response = self._get(f"/my/invoices/{self.inv_sofia.id}", login="maria")
        self.assertIn("o_billing_pay_now", response.text)
        self.assertNotIn("o_billing_instructions", response.text, "Pay now replaces the instructions")

    def test_parent_cannot_edit(self):
        self.authenticate("maria", "maria-pass-1234")
        for method, args in (
            ("write", [[self.inv_sofia.id], {"narration": "hacked"}]),
            ("action_billing_send", [[self.draft_rivera.id]]),
            ("unlink", [[self.inv_sofia.id]]),
        ):
            with self.subTest(method=method), mute_logger("odoo.http"):
                with self.assertRaisesRegex(JsonRpcException, "AccessError"):
                    self.make_jsonrpc_request(
                        "/web/dataset/call_kw",
                        {"model": "account.move", "method": method, "args": args, "kwargs": {}},
                    )
        self.assertNotEqual(str(self.inv_sofia.narration), "hacked")
        self.assertEqual(self.draft_rivera.state, "draft")

    def test_pdf_download(self):
        """Download PDF: the invoice's document, named after its number only.
        (Under test, Odoo's report engine returns the document's HTML instead
        of calling wkhtmltopdf, which would deadlock fetching its stylesheets
        from this single-threaded test server; test_send proves the real PDF.)"""
        self.authenticate("maria", "maria-pass-1234")
        response = self.url_open(f"/my/invoices/{self.inv_sofia.id}?report_type=pdf&download=true")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/pdf")
        expected = self.inv_sofia.name.replace("/", "_") + ".pdf"
        self.assertEqual(response.headers["Content-Disposition"], f"attachment; filename*=UTF-8''{expected}")
        text = html_text(response.content)
        for expected in (self.inv_sofia.name, "ABA treatment", "Amount paid", "Balance", "$ 130.00"):
            self.assertIn(expected, text)

    # ------------------------------------------------------------------
    # Refusals: other families, sibling contacts, tokens, drafts
    # ------------------------------------------------------------------
    def _assert_refused(self, response, invoice, what):
        refused = response.status_code in (403, 404) or (
            response.status_code == 200 and "/my/invoices/" not in response.url and "/my" in response.url
        )
        self.assertTrue(refused, f"{what}: got {response.status_code} at {response.url}")
        self.assertNotIn(invoice.name, response.text, f"{what}: the invoice number leaked")
        self.assertNotIn(invoice.practice_client_id.name, response.text, f"{what}: the client's name leaked")

    def _assert_all_refused(self, login, urls):
        self.authenticate(login, f"{login}-pass-1234")
        for url in urls:
            with self.subTest(url=url):
                self._assert_refused(self.url_open(url), self.inv_sofia, url)

    def test_other_family_is_refused_by_id_url_and_pdf(self):
        self._assert_all_refused(
            "david",
            (
                f"/my/invoices/{self.inv_sofia.id}",
                f"/my/invoices/{self.inv_sofia.id}?report_type=html",
                f"/my/invoices/{self.inv_sofia.id}?report_type=pdf&download=true",
                f"/my/invoices/{self.inv_sofia.id}?access_token=not-the-token",
                f"/my/invoices/{self.inv_sofia.id}?access_token=",
            ),
        )

    def test_sibling_contact_is_refused(self):
        """Jose reads Maria's invoices under Odoo's commercial-partner rule; a
        family invoice is still only Maria's, whatever token he makes up."""
        self._assert_all_refused(
            "jose",
            (
                f"/my/invoices/{self.inv_sofia.id}",
                f"/my/invoices/{self.inv_sofia.id}?access_token=forged",
                f"/my/invoices/{self.inv_sofia.id}?report_type=pdf&download=true&access_token=forged",
            ),
        )

    def test_sibling_contact_cannot_start_a_payment(self):
        self._enable_demo_provider()
        self.authenticate("jose", "jose-pass-1234")
        answer = self._jsonrpc(f"/invoice/transaction/{self.inv_sofia.id}", {"access_token": "forged"})
        self.assertIn("error", answer)
        self.assertFalse(self.inv_sofia.transaction_ids)

    def test_stale_and_wrong_tokens_are_refused_when_signed_out(self):
        self.inv_sofia._portal_ensure_token()
        stale = self.inv_sofia.access_token
        url = f"/my/invoices/{self.inv_sofia.id}?access_token="
        self.assertEqual(self.url_open(url + stale).status_code, 200, "the email link works signed out")
        with self.inv_sofia._billing_transition():  # the billing actions may renew it, nothing else
            self.inv_sofia.access_token = False
        self.inv_sofia._portal_ensure_token()
        self.assertNotEqual(self.inv_sofia.access_token, stale)
        for token in (stale, "wrong", ""):
            with self.subTest(token=token):
                response = self.url_open(url + token)
                self.assertNotIn(self.inv_sofia.name, response.text)
                self.assertNotIn("Sofia", response.text)

    def test_draft_voided_before_send_is_never_shown(self):
        self.draft_rivera._billing_void("Duplicate")
        self.assertEqual(self.draft_rivera.billing_state, "voided")
        self.authenticate("maria", "maria-pass-1234")
        counters = self.make_jsonrpc_request("/my/counters", {"counters": ["billing_count"]})
        self.assertEqual(counters["billing_count"], 2)
        response = self.url_open("/my/billing")
        self.assertEqual(len(re.findall(r'class="o_billing_row"', response.text)), 2)
        self.assertNotIn("Voided", html_text(response.content))

    def test_drafts_are_never_shown(self):
        self.draft_rivera._portal_ensure_token()
        self.authenticate("maria", "maria-pass-1234")
        for url in (
            f"/my/invoices/{self.draft_rivera.id}",
            f"/my/invoices/{self.draft_rivera.id}?access_token={self.draft_rivera.access_token}",
            f"/my/invoices/{self.draft_rivera.id}?report_type=pdf&download=true",
        ):
            with self.subTest(url=url):
                response = self.url_open(url)
                self.assertTrue(
                    response.status_code == 404 or f"/my/invoices/{self.draft_rivera.id}" not in response.url,
                    f"{url}: got {response.status_code} at {response.url}",
                )
                self.assertNotIn("Therapeutic activities", response.text)

    # ------------------------------------------------------------------
    # The browser tour: list, invoice, PDF, Pay now with the demo provider
    # ------------------------------------------------------------------
    def test_tour_parent_views_downloads_and_pays(self):
        self._enable_demo_provider()
        self.inv_mateo._billing_void("Sent by mistake")  # one invoice to pay in the list
        self.start_tour("/my", "parent_billing_portal_pay", login="maria")
        tx = self.inv_sofia.transaction_ids
        self.assertEqual(len(tx), 1)
        self.assertEqual(tx.state, "done")
        self.assertRecordValues(self.inv_sofia, [{"billing_state": "paid", "billing_amount_due": 0.0}])
        payment = self.inv_sofia.billing_payment_ids
        self.assertEqual(payment.payment_transaction_id, tx)
        self.assertIn(tx.reference, payment.memo, "the transaction reference is recorded")

    def test_partial_online_payment_leaves_the_balance(self):
        provider = self._enable_demo_provider()
        tx = self._demo_transaction(provider, self.inv_sofia, 30.0)
        self.authenticate("maria", "maria-pass-1234")
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"},
        )
        tx._post_process()  # what the status page poll or Odoo's post-processing cron does
        self.inv_sofia.invalidate_recordset()
        self.assertRecordValues(
            self.inv_sofia, [{"billing_state": "sent", "billing_amount_paid": 30.0, "billing_amount_due": 100.0}]
        )
        self.assertIn(tx.reference, tx.payment_id.memo)

    # ------------------------------------------------------------------
    # Below the controllers: the ORM hides a family invoice from every
    # portal user but its parent (chatter, RPC, any other route).
    # ------------------------------------------------------------------
    def test_parent_reads_own_invoice_through_orm(self):
        self.assertEqual(self.inv_sofia.with_user(self.user_maria).read(["name"])[0]["name"], self.inv_sofia.name)

    def test_sibling_contact_cannot_read_parent_invoice_through_orm(self):
        with self.assertRaises(AccessError):
            self.inv_sofia.with_user(self.user_jose).read(["name"])
        moves = self.env["account.move"].with_user(self.user_jose).search([("id", "=", self.inv_sofia.id)])
        self.assertFalse(moves)
        lines = self.env["account.move.line"].with_user(self.user_jose).search([("move_id", "=", self.inv_sofia.id)])
        self.assertFalse(lines)


@tagged("post_install", "-at_install")
class TestPayNowWithLateFee(BillingCommon):
    def test_pay_now_settles_invoice_and_its_late_fee(self):
        provider = TestParentPortal._enable_demo_provider(self)
        move = self._sent_invoice(count=2, units=2)  # 130.00
        fee = move._billing_create_late_fee(15.0, "Late fee")
        self.assertEqual(move.billing_amount_due, 145.0)
        values = move._get_invoice_portal_extra_values()
        self.assertEqual(values["amount_due"], 145.0, "Pay now asks for the balance the parent sees")
        tx = self._demo_transaction(provider, move, values["amount_due"])
        self.assertEqual(tx.invoice_ids, move | fee, "the open late fee is paid with the invoice")
        tx._set_done()
        tx._post_process()
        self.assertRecordValues(
            move, [{"billing_state": "paid", "billing_amount_due": 0.0, "billing_amount_paid": 145.0}]
        )
        self.assertEqual(fee.payment_state, "paid")
        self.assertEqual(self._receivable_balance(self.parent_rivera), 0.0)

    def test_pay_now_offered_when_only_the_late_fee_is_open(self):
        move = self._sent_invoice(count=1, units=1)  # 32.50
        move._billing_register_payment(32.50, fields.Date.today(), "check", "1001")
        self.assertFalse(move._has_to_be_paid())
        move._billing_create_late_fee(5.0, "Late fee")
        self.assertEqual(move.amount_residual, 0.0)
        self.assertEqual(move.billing_state, "sent")
        self.assertTrue(move._has_to_be_paid())
        move._billing_register_payment(5.0, fields.Date.today(), "check", "1002")
        self.assertEqual(move.billing_state, "paid")
        self.assertFalse(move._has_to_be_paid())
