import re
import uuid
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from .common import BillingCommon, JsonRpcMixin, html_text

VOID_REASON = "Duplicate of another invoice, therapist entered it twice"
REFUND_REASON = "Goodwill after a complaint about the therapist"
WAIVE_REASON = "Hardship: the family is going through a divorce"
STAFF_REASONS = (VOID_REASON, REFUND_REASON, WAIVE_REASON)
# Distinctive parts, in case a reason is cut, escaped or reworded around.
STAFF_WORDS = ("entered it twice", "complaint about the therapist", "going through a divorce")


@tagged("post_install", "-at_install")
class TestPortalFamilyDocuments(JsonRpcMixin, BillingCommon, HttpCase):
    """Sections 2 and 3 of the seal, through the parent's own path (real HTTP):
    the documents made from a family invoice (late fee, void reversal, credit
    note, fee waiver) are family documents, staff reasons never reach the
    parent, and the parent's family account lives in one place, the Billing
    tab. Maria is the billed parent; Jose is a second contact under her record
    with his own portal login; David is another family."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_family_users()

        # A late fee that is still open.
        cls.inv_fee = cls._sent_invoice_cls()
        cls.fee_open = cls.inv_fee._billing_create_late_fee(10.0, "Late fee")
        # Voided with its late fee: the void reverses both.
        cls.inv_void = cls._sent_invoice_cls()
        cls.fee_voided = cls.inv_void._billing_create_late_fee(15.0, "Late fee")
        cls.inv_void._billing_void(VOID_REASON)
        cls.void_reversal = cls.inv_void.reversal_move_ids
        cls.fee_void_reversal = cls.fee_voided.reversal_move_ids
        # Paid, then partly refunded with a credit note.
        cls.inv_credit = cls._sent_invoice_cls()
        cls.inv_credit._billing_register_payment(130.0, None, "check", "CHK-130")
        cls.refund = cls.inv_credit._billing_refund(40.0, REFUND_REASON, credit_invoice=True)
        cls.credit_note = cls.inv_credit.reversal_move_ids
        # A late fee waived by a manager.
        cls.inv_waive = cls._sent_invoice_cls()
        cls.fee_waived = cls.inv_waive._billing_create_late_fee(12.0, "Late fee")
        cls.inv_waive._billing_waive_late_fee(WAIVE_REASON)
        cls.waiver = cls.fee_waived.reversal_move_ids

        cls.derived = {
            "late fee": cls.fee_open,
            "voided late fee": cls.fee_voided,
            "void reversal": cls.void_reversal,
            "late fee void reversal": cls.fee_void_reversal,
            "credit note": cls.credit_note,
            "waived late fee": cls.fee_waived,
            "fee waiver": cls.waiver,
        }
        for what, move in cls.derived.items():
            assert len(move) == 1 and move.billing_origin_id, what

        # An ordinary Odoo invoice of the same parent (a workshop book), past due.
        cls.book = cls.env["product.product"].create(
            {"name": "Parenting workshop book", "type": "consu", "list_price": 20.0, "taxes_id": [Command.clear()]}
        )
        past = fields.Date.today() - timedelta(days=40)
        cls.other_invoice = cls.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": cls.parent_rivera.id,
                "invoice_date": past,
                "invoice_date_due": past + timedelta(days=10),
                "invoice_line_ids": [
                    Command.create({"product_id": cls.book.id, "quantity": 1.0, "price_unit": 20.0, "tax_ids": []})
                ],
            }
        )
        cls.other_invoice.action_post()

    @classmethod
    def _sent_invoice_cls(cls, invoice_date=None):
        """Sofia's two ABA sessions of 2 units: $130.00, sent."""
        sessions = cls.env["practice.session"].create(
            [{"client_id": cls.client_sofia.id, "product_id": cls.service_aba.id, "units": 2.0} for _i in range(2)]
        )
        sessions.action_finalize()
        move = sessions.charge_ids._create_invoices()
        if invoice_date:
            move.write({"invoice_date": invoice_date, "invoice_date_due": invoice_date + timedelta(days=30)})
        move.action_billing_send()
        return move

    def _login(self, login):
        self.authenticate(login, f"{login}-pass-1234")

    def _money(self, amount):
        return self.currency.format(amount).replace("\xa0", " ")

    def _assert_no_staff_reason(self, content, where):
        content = content if isinstance(content, str) else str(content)
        for word in STAFF_WORDS:
            self.assertNotIn(word, content, f"{where}: a staff reason reached the parent")

    def _own_token(self, move):
        """A token of the derived document itself (none is made by the
        addon; a leftover or hand-made one must not open anything)."""
        move.sudo().access_token = str(uuid.uuid4())
        return move.sudo().access_token

    # ------------------------------------------------------------------
    # 2. Documents made from a family invoice are family documents
    # ------------------------------------------------------------------
    def test_derived_documents_know_their_family_invoice(self):
        """... and open through it: their portal links carry the invoice's key."""
        self.assertEqual(self.fee_open.billing_origin_id, self.inv_fee)
        for move in self.derived.values():
            self.assertEqual(move._portal_ensure_token(), move.billing_origin_id._portal_ensure_token())
            self.assertFalse(move.access_token, "no key of its own")
            self.assertIn(f"access_token={move.billing_origin_id.access_token}", move.get_portal_url())
        self.assertEqual(self.void_reversal.billing_origin_id, self.inv_void)
        self.assertEqual(self.fee_void_reversal.billing_origin_id, self.inv_void)
        self.assertEqual(self.credit_note.billing_origin_id, self.inv_credit)
        self.assertEqual(self.waiver.billing_origin_id, self.inv_waive)

    def test_second_contact_cannot_read_derived_documents_through_orm(self):
        """Odoo's portal rule lets Jose read what his commercial partner
        follows; the family rule keeps every family document Maria's."""
        Move = self.env["account.move"]
        Line = self.env["account.move.line"]
        for what, move in self.derived.items():
            with self.subTest(what):
                for user in (self.user_jose, self.user_david):
                    self.assertFalse(Move.with_user(user).search([("id", "=", move.id)]), f"{what}, {user.login}")
                    self.assertFalse(Line.with_user(user).search([("move_id", "=", move.id)]), f"{what}, {user.login}")
                    with self.assertRaises(AccessError):
                        move.with_user(user).read(["name", "amount_total"])
                # The billed parent may see what she may see on her invoice.
                self.assertEqual(Move.with_user(self.user_maria).search([("id", "=", move.id)]), move, what)

    def test_second_contact_cannot_open_or_download_derived_documents(self):
        """The finding: Jose downloaded Maria's late fee and a void reversal
        listing the CPT lines. Every URL of a derived document is refused to
        him, with any token he can come by."""
        self._login("jose")
        for what, move in self.derived.items():
            own_token = self._own_token(move)
            for url in (
                f"/my/invoices/{move.id}",
                f"/my/invoices/{move.id}?report_type=pdf&download=1",
                f"/my/invoices/{move.id}?report_type=html",
                f"/my/invoices/{move.id}?access_token={own_token}",
                f"/my/invoices/{move.id}?report_type=pdf&download=1&access_token={own_token}",
                f"/report/pdf/account.report_invoice/{move.id}",
            ):
                with self.subTest(what=what, url=url), mute_logger("odoo.http", "odoo.addons.base.models.ir_rule"):
                    response = self.url_open(url)
                    refused = response.status_code in (403, 404) or (
                        response.status_code == 200 and response.url.endswith("/my")
                    )
                    self.assertTrue(refused, f"{what} {url}: got {response.status_code} at {response.url}")
                    text = html_text(response.content)
                    for secret in (move.name, move.billing_origin_id.name, "ABA treatment", "97153", "Sofia"):
                        self.assertNotIn(secret, text, f"{what} {url}")

    def _pay_params(self, provider, access_token, amount):
        """What the portal's payment form posts to /invoice/transaction/<id>."""
        return self._demo_pay_params(provider, amount, "/my/billing", access_token=access_token)

    def test_second_contact_cannot_pay_a_derived_document(self):
        provider = self._enable_demo_provider()
        token = self._own_token(self.fee_open)
        self._login("jose")
        with mute_logger("odoo.http"):
            result = self._jsonrpc(f"/invoice/transaction/{self.fee_open.id}", self._pay_params(provider, token, 10.0))
        self.assertIn("error", result)
        self.assertFalse(self.fee_open.sudo().transaction_ids)

    def test_derived_document_url_opens_its_invoice(self):
        """A late fee, reversal or credit note is part of its invoice: its URL
        leads the parent to the invoice page (no "PROFORMA Credit Note", no
        separate bill with a Pay Now that cannot pay)."""
        self._login("maria")
        for what, move in self.derived.items():
            with self.subTest(what):
                response = self.url_open(f"/my/invoices/{move.id}")
                self.assertEqual(response.status_code, 200, what)
                self.assertTrue(response.url.endswith(f"/my/invoices/{move.billing_origin_id.id}"), response.url)
                text = html_text(response.content)
                self.assertIn(move.billing_origin_id.name, text)
                self.assertNotIn("PROFORMA", text)
                self.assertNotIn("Credit Note", text)
        # The download of a late fee is the family invoice, fee included.
        response = self.url_open(f"/my/invoices/{self.fee_open.id}?report_type=pdf&download=1")
        self.assertEqual(response.status_code, 200)
        expected = self.inv_fee.name.replace("/", "_") + ".pdf"
        self.assertEqual(response.headers["Content-Disposition"], f"attachment; filename*=UTF-8''{expected}")
        self.assertIn(self._money(10.0), html_text(response.content), "the fee is on the invoice's document")

    def test_derived_document_with_the_invoice_token_opens_the_invoice(self):
        """Signed out, the link of the parent's email (the invoice's token)
        opens the invoice from a derived document's URL; the derived
        document's own token opens nothing."""
        self.inv_fee._portal_ensure_token()
        response = self.url_open(f"/my/invoices/{self.fee_open.id}?access_token={self.inv_fee.access_token}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(f"/my/invoices/{self.inv_fee.id}", response.url)
        self.assertIn(self.inv_fee.name, html_text(response.content))
        own_token = self._own_token(self.fee_open)
        response = self.url_open(f"/my/invoices/{self.fee_open.id}?access_token={own_token}")
        self.assertNotIn(self.inv_fee.name, html_text(response.content))
        self.assertNotIn("ABA treatment", html_text(response.content))

    def test_derived_document_texts_carry_no_staff_reason(self):
        """References and line names of the derived documents are what the
        parent can read of them; the reasons stay on the staff side."""
        for what, move in self.derived.items():
            with self.subTest(what):
                for text in (move.ref, move.name, *move.line_ids.mapped("name"), move.narration):
                    self._assert_no_staff_reason(text or "", what)
        self.assertEqual(self.inv_void.void_reason, VOID_REASON, "staff still see why")
        self.assertEqual(self.refund.billing_reason, REFUND_REASON)
        for move, reason in ((self.inv_void, VOID_REASON), (self.inv_credit, REFUND_REASON)):
            notes = move.message_ids.filtered(lambda m, reason=reason: reason in str(m.body))
            self.assertTrue(notes, "the reason is logged for staff")
            self.assertTrue(all(m.subtype_id.internal for m in notes), "as an internal note")
        notes = self.inv_waive.message_ids.filtered(lambda m: WAIVE_REASON in str(m.body))
        self.assertTrue(notes and all(m.subtype_id.internal for m in notes))

    def test_parent_never_sees_staff_reasons(self):
        """Pages, documents, PDFs, the portal chatter, the ORM over RPC and the
        emails: nothing Maria can open says why staff voided, refunded or
        waived."""
        self._login("maria")
        invoices = self.inv_void | self.inv_credit | self.inv_waive
        pages = ["/my", "/my/billing", "/my/invoices"]
        for move in invoices:
            pages += [
                f"/my/invoices/{move.id}",
                f"/my/invoices/{move.id}?report_type=html",
                f"/my/invoices/{move.id}?report_type=pdf&download=1",
            ]
        for move in self.derived.values():
            pages += [f"/my/invoices/{move.id}", f"/report/html/account.report_invoice/{move.id}"]
        for url in pages:
            with self.subTest(url=url), mute_logger("odoo.http"):
                self._assert_no_staff_reason(self.url_open(url).text, url)

        documents = invoices | self.fee_voided | self.fee_waived
        for move in documents | self.void_reversal | self.fee_void_reversal | self.credit_note | self.waiver:
            with self.subTest(chatter=move.name):
                fetched = self._jsonrpc(
                    "/mail/chatter_fetch", {"thread_model": "account.move", "thread_id": move.id, "limit": 100}
                )
                self._assert_no_staff_reason(fetched, f"portal chatter of {move.name}")
                fetched = self._jsonrpc(
                    "/mail/thread/messages", {"thread_model": "account.move", "thread_id": move.id, "limit": 100}
                )
                self._assert_no_staff_reason(fetched, f"messages of {move.name}")

        # What Maria's own ORM access reads over RPC: references, line names, the void reason.
        moves = documents.union(*self.derived.values())
        read = self._jsonrpc(
            "/web/dataset/call_kw",
            {
                "model": "account.move",
                "method": "search_read",
                "args": [[("id", "in", moves.ids)], ["name", "ref", "narration", "payment_reference"]],
                "kwargs": {},
            },
        )
        self.assertEqual(len(read["result"]), len(moves), "Maria reads her family documents")
        self._assert_no_staff_reason(read, "account.move over RPC")
        read = self._jsonrpc(
            "/web/dataset/call_kw",
            {
                "model": "account.move.line",
                "method": "search_read",
                "args": [[("move_id", "in", moves.ids)], ["name", "ref"]],
                "kwargs": {},
            },
        )
        self._assert_no_staff_reason(read, "account.move.line over RPC")
        read = self._jsonrpc(
            "/web/dataset/call_kw",
            {"model": "account.move", "method": "read", "args": [self.inv_void.ids, ["void_reason"]], "kwargs": {}},
        )
        self._assert_no_staff_reason(read, "void_reason over RPC")

        # Emails and notifications to the parent.
        mails = self.env["mail.mail"].sudo().search([("recipient_ids", "in", self.parent_rivera.ids)])
        self._assert_no_staff_reason([(m.subject, m.body_html) for m in mails], "emails")
        notified = self.env["mail.notification"].sudo().search([("res_partner_id", "=", self.parent_rivera.id)])
        self.assertTrue(notified, "Maria was told about her invoices")
        self._assert_no_staff_reason(notified.mail_message_id.mapped("body"), "notifications")

    # ------------------------------------------------------------------
    # 3. The parent sees one consistent account
    # ------------------------------------------------------------------
    def test_generic_invoice_list_shows_no_family_documents(self):
        """Odoo's "Invoices & Bills" lists only the ordinary invoice; the
        family documents are on the Billing tab, each invoice once."""
        self._login("maria")
        text = html_text(self.url_open("/my/invoices").content)
        self.assertIn(self.other_invoice.name, text)
        family = self.inv_fee | self.inv_void | self.inv_credit | self.inv_waive
        for move in family | self.fee_open | self.fee_voided | self.fee_waived:
            self.assertNotIn(move.name, text)
        for move in self.void_reversal | self.fee_void_reversal | self.credit_note | self.waiver:
            self.assertNotIn(move.name, text)
        counters = self._jsonrpc(
            "/my/counters", {"counters": ["invoice_count", "billing_count", "overdue_invoice_count"]}
        )["result"]
        self.assertEqual(counters["invoice_count"], 1, "the tile stays for the ordinary invoice")
        self.assertEqual(counters["billing_count"], 4)
        self.assertEqual(counters["overdue_invoice_count"], 1, "only the ordinary invoice is Odoo's to collect")

        billing = self.url_open("/my/billing")
        self.assertEqual(len(re.findall(r'class="o_billing_row"', billing.text)), 4)
        text = html_text(billing.content)
        for move in family:
            self.assertIn(move.name, text)
        self.assertNotIn(self.other_invoice.name, text)

    def test_generic_invoice_tile_is_gone_without_ordinary_invoices(self):
        self.other_invoice.button_draft()
        self.other_invoice.button_cancel()
        self._login("maria")
        counters = self._jsonrpc("/my/counters", {"counters": ["invoice_count", "overdue_invoice_count"]})["result"]
        # Odoo always shows the "Your Invoices" tile once its counter answers, even 0: a
        # parent with family invoices gets no answer for it, so only Billing shows.
        self.assertEqual(counters, {"overdue_invoice_count": 0})

    def test_pay_overdue_ignores_family_documents(self):
        """Odoo's "Pay overdue" pays the ordinary invoice only: family invoices
        (and their late fees) are paid on their own page, with the balance."""
        inv = self._sent_invoice_cls(invoice_date=fields.Date.today() - timedelta(days=60))
        self.assertLess(inv.invoice_date_due, fields.Date.today())
        self._enable_demo_provider()
        self._login("maria")
        response = self.url_open("/my/invoices/overdue")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self._money(20.0), html_text(response.content), "the ordinary invoice's 20.00 only")
        self.assertNotIn(self._money(20.0 + 130.0 + 5.0), html_text(response.content))

    def test_voided_invoice_never_reads_paid(self):
        self._login("maria")
        response = self.url_open(f"/my/invoices/{self.inv_void.id}")
        self.assertEqual(response.status_code, 200)
        text = html_text(response.content)
        self.assertIn("Voided", text)
        self.assertIn("This invoice was voided and is not payable.", text)
        self.assertNotIn("text-bg-success", response.text, "no green Paid badge")
        self.assertNotRegex(text, r"(?<!Amount )\bPaid\b(?! )", "no Paid status")
        self.assertNotIn("o_billing_pay_now", response.text)
        billing = self.url_open("/my/billing").text
        row = next(r for r in billing.split('class="o_billing_row"') if self.inv_void.name in r)
        self.assertIn(">Voided</span>", row)
        self.assertNotIn(">Paid</span>", row)

    def test_invoice_page_shows_late_fees_credits_and_refunds(self):
        """Late fees, credits and refunds are shown with their invoice, with
        the billing figures to the cent."""
        self._login("maria")
        response = self.url_open(f"/my/invoices/{self.inv_fee.id}")
        activity = html_text(response.content)
        self.assertIn("Late fee", activity)
        self.assertIn(self.fee_open.name, activity)
        self.assertIn(self._money(10.0), activity)
        self.assertEqual(self.inv_fee.billing_amount_due, 140.0)
        self.assertIn(self._money(self.inv_fee.billing_amount_due), activity)

        self.assertRecordValues(
            self.inv_credit,
            [{"billing_amount_total": 130.0, "billing_amount_credited": 40.0, "billing_amount_paid": 90.0}],
        )
        text = html_text(self.url_open(f"/my/invoices/{self.inv_credit.id}").content)
        summary = text[text.index("Balance") :]
        for label, amount in (("Credit", 40.0), ("Refund", 40.0)):
            self.assertRegex(summary, rf"{label}[^$]*- {re.escape(self._money(amount))}")
        self.assertIn(self._money(90.0), text, "paid, net of the refund")
        self._assert_no_staff_reason(text, "refund rows")

        text = html_text(self.url_open(f"/my/invoices/{self.inv_waive.id}").content)
        self.assertIn("waived", text)
        self.assertIn(self._money(self.inv_waive.billing_amount_due), text)
        self.assertEqual(self.inv_waive.billing_amount_due, 130.0, "a waived fee is not owed")

    def test_late_fee_is_paid_with_its_invoice(self):
        """With a provider, the invoice page of an open late fee offers Pay Now
        for the whole balance; there is no separate bill to pay."""
        provider = self._enable_demo_provider()
        self._login("maria")
        response = self.url_open(f"/my/invoices/{self.fee_open.id}")
        self.assertTrue(response.url.endswith(f"/my/invoices/{self.inv_fee.id}"))
        self.assertIn("o_billing_pay_now", response.text)
        self.assertNotIn("No payment method available", response.text)
        self.assertIn(self._money(140.0), html_text(response.content))
        token = self.fee_open.sudo()._portal_ensure_token()
        self.assertEqual(token, self.inv_fee.access_token, "a late fee's link carries its invoice's key")
        with mute_logger("odoo.http"):
            result = self._jsonrpc(f"/invoice/transaction/{self.fee_open.id}", self._pay_params(provider, token, 10.0))
        self.assertIn("error", result, "a late fee is not paid on its own")
        self.assertFalse(self.fee_open.sudo().transaction_ids)
        # Its invoice is, for the whole balance.
        token = self.inv_fee._portal_ensure_token()
        result = self._jsonrpc(f"/invoice/transaction/{self.inv_fee.id}", self._pay_params(provider, token, 140.0))
        self.assertNotIn("error", result)
        self.assertEqual(self.inv_fee.sudo().transaction_ids.amount, 140.0)

    def test_ordinary_invoice_still_works_as_odoo_shows_it(self):
        self._login("maria")
        response = self.url_open(f"/my/invoices/{self.other_invoice.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.other_invoice.name, html_text(response.content))
        self.assertIn(self._money(20.0), html_text(response.content))
        self.assertNotIn("o_billing_summary", response.text)
        html = html_text(self.url_open(f"/my/invoices/{self.other_invoice.id}?report_type=html").content)
        self.assertIn("Parenting workshop book", html)
        download = self.url_open(f"/my/invoices/{self.other_invoice.id}?report_type=pdf&download=1")
        self.assertEqual(download.status_code, 200)
        # Odoo lets every contact of the commercial partner see it: so does Jose.
        self._login("jose")
        response = self.url_open(f"/my/invoices/{self.other_invoice.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(self.other_invoice.name, html_text(response.content))
        self.assertIn(self.other_invoice.name, html_text(self.url_open("/my/invoices").content))

    def test_parent_cannot_touch_derived_documents_over_rpc(self):
        self._login("maria")
        for method, args in (
            ("write", [[self.fee_open.id], {"ref": "mine"}]),
            ("unlink", [[self.credit_note.id]]),
        ):
            with self.subTest(method=method), mute_logger("odoo.http"):
                with self.assertRaises(JsonRpcException):
                    self.make_jsonrpc_request(
                        "/web/dataset/call_kw",
                        {"model": "account.move", "method": method, "args": args, "kwargs": {}},
                    )
        self.assertNotEqual(self.fee_open.ref, "mine")
        self.assertTrue(self.credit_note.exists())
