from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import HttpCase, tagged

from .common import BillingCommon, RealConnectionsCase, html_text

# What must never reach the parent's inbox: the client (child), the services
# and their CPT codes, the invoice notes (free text staff may fill with
# session details). The test below puts each of them on the invoice.


@tagged("post_install", "-at_install")
class TestSend(BillingCommon, HttpCase):
    """Send renders the real PDF. wkhtmltopdf fetches the report's CSS from
    the test server: Odoo's own runner holds the registry lock for the whole
    run and lets requests in only during an HttpCase (test mode), so the
    tests that render PDFs are HttpCases or the fetch would wait for ever."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))
        cls.parent_rivera.lang = cls.env.user.lang
        # Staff follow the family's invoices: they must not get the parent's email.
        cls.billing_user.partner_id.email = "clerk@practice.example.com"

    def _family_invoice(self, **kwargs):
        move = self._draft_invoice(**kwargs)
        move.message_subscribe(partner_ids=self.billing_user.partner_id.ids)
        return move

    def _parent_mails(self, move):
        return self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", move.id), ("recipient_ids", "!=", False)]
        )

    def _pdf_attachments(self, move):
        return self.env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", move.id), ("mimetype", "=", "application/pdf")]
        )

    def test_send_posts_attaches_pdf_and_queues_the_parent_email(self):
        move = self._family_invoice(notes="Thank you for your visit")
        self.assertEqual(move.billing_state, "draft")
        move.with_user(self.billing_user).action_billing_send()

        self.assertRecordValues(move, [{"state": "posted", "billing_state": "sent"}])
        self.assertTrue(move.billing_sent_date)
        self.assertTrue(move.name.startswith("INV/"))

        pdf = self._pdf_attachments(move)
        self.assertEqual(len(pdf), 1, "one PDF attached to the chatter")
        self.assertEqual(pdf.name, f"{move.name.replace('/', '_')}.pdf", "the file name is the invoice number only")
        self.assertTrue(pdf.raw.startswith(b"%PDF"), "rendered server-side by wkhtmltopdf")
        chatter = move.message_ids.filtered(lambda m: pdf in m.attachment_ids)
        self.assertEqual(len(chatter), 1, "the PDF is on a chatter message (the audit log)")

        mail = self._parent_mails(move)
        self.assertEqual(len(mail), 1, "one notification email queued")
        self.assertEqual(mail.state, "outgoing", "queued, not sent inline")
        self.assertEqual(mail.recipient_ids, self.parent_rivera, "the parent, and only the parent")
        self.assertFalse(mail.attachment_ids, "the PDF stays behind the portal sign-in")
        notified = mail.mail_message_id.notification_ids.res_partner_id
        self.assertEqual(notified, self.parent_rivera)
        self.assertNotIn(self.billing_user.partner_id, notified, "staff followers get no copy")
        self.assertIn(move.name, mail.subject)

    def test_email_is_privacy_minimal(self):
        move = self._family_invoice(notes="Tolerated transitions well")
        move.action_billing_send()
        mail = self._parent_mails(move)
        self.assertEqual(len(mail), 1)
        # What it does say: the invoice number, the amount, the due date and the portal link.
        body = self.assertPrivacyMinimal(mail, move)
        self.assertIn("Your Invoice", body)
        self.assertNotIn("Journal Entry", body)

    def test_sending_twice_sends_once(self):
        move = self._family_invoice()
        move.action_billing_send()
        sent_date = move.billing_sent_date
        move.action_billing_send()
        (move | move).action_billing_send()
        self.assertEqual(len(self._parent_mails(move)), 1, "no second email")
        self.assertEqual(len(self._pdf_attachments(move)), 1, "no second PDF")
        self.assertEqual(move.billing_sent_date, sent_date)

    def test_send_uses_the_company_template(self):
        template = self.env.ref("parent_billing.mail_template_parent_invoice").copy(
            {"subject": "Your statement {{ object.name }} is ready"}
        )
        self.company.billing_mail_template_id = template
        move = self._family_invoice()
        move.action_billing_send()
        self.assertEqual(self._parent_mails(move).subject, f"Your statement {move.name} is ready")

    def test_lines_are_read_only_after_send(self):
        move = self._family_invoice()
        move.action_billing_send()
        line = move.invoice_line_ids[0]
        with self.assertRaises(UserError):
            line.unlink()
        with self.assertRaises(UserError):
            move._billing_add_adjustment("discount", "fixed", 5.0)
        with self.assertRaises(UserError):
            move.write({"invoice_line_ids": [Command.create({"name": "Write-in", "price_unit": 10.0})]})
        self.assertEqual(move.amount_total, 130.0)

    def test_only_drafts_with_lines_and_a_positive_total_are_sent(self):
        move = self._family_invoice()
        move.invoice_line_ids.price_unit = 0.0
        with self.assertRaisesRegex(UserError, "zero or negative total"):
            move.action_billing_send()
        self.assertEqual(move.billing_state, "draft")
        self.assertFalse(self._parent_mails(move))

    def test_pdf_content(self):
        """The PDF a parent gets: branding, header, lines, totals, notes, how to pay."""
        self.company.partner_id.write({"street": "500 Harbor Lane", "city": "Springfield"})
        move = self._family_invoice(notes="Thank you for your visit")
        move.action_billing_send()
        html = html_text(
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=False)
            ._render_qweb_html("account.account_invoices", move.ids)[0]
            .decode()
        )
        for expected in (
            self.company.name,
            "500 Harbor Lane",
            "Bright Steps Therapy - thank you!",  # footer
            move.name,
            "Invoice date",
            "Due date",
            "ABA treatment",
            "$ 65.00",
            "Total",
            "Amount paid",
            "Balance",
            "$ 130.00",
            "Thank you for your visit",  # notes
            "Mail check to: Bright Steps, 1 Main St.",  # payment instructions
        ):
            self.assertIn(expected, html)


@tagged("post_install", "-at_install")
class TestConcurrentSend(RealConnectionsCase):
    """Two users pressing Send on the same draft at once, on two real database
    connections: one posting, one email."""

    def test_two_concurrent_sends_post_once_and_email_once(self):
        ids = self._commit_family("Send", price=40.0, invoice=True)
        with self._connection() as env1, self._connection() as env2:
            cr1, cr2 = env1.cr, env2.cr
            env2["account.move"].browse(ids["move"]).read(["state"])  # the second user has the form open
            env1["account.move"].browse(ids["move"]).action_billing_send()
            env1.flush_all()
            # The second user presses Send while the first has not committed yet.
            with self.assertRaisesRegex(UserError, "Another user is working"):
                env2["account.move"].browse(ids["move"]).action_billing_send()
            cr2.rollback()
            cr1.commit()
            # Pressing Send again once the first committed does nothing.
            env2.invalidate_all()
            env2["account.move"].browse(ids["move"]).action_billing_send()
            cr2.commit()
            env2.invalidate_all()
            move = env2["account.move"].browse(ids["move"])
            self.assertEqual(move.billing_state, "sent")
            mails = env2["mail.mail"].search(
                [("model", "=", "account.move"), ("res_id", "=", move.id), ("recipient_ids", "!=", False)]
            )
            self.assertEqual(len(mails), 1, "one email")
            pdfs = env2["ir.attachment"].search(
                [("res_model", "=", "account.move"), ("res_id", "=", move.id), ("mimetype", "=", "application/pdf")]
            )
            self.assertEqual(len(pdfs), 1, "one PDF")
            self.assertEqual(
                len(move.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")),
                1,
                "one posting",
            )
