"""A statement says what is due now (issue 24): the November statement sent
on 12/03 keeps its ledger figures by accounting date (closing 520.00, no
activity dated in November), lists what was posted since (a payment, a void,
the November sessions billed on 12/03) and says "Due now 385.00" with the open
invoices behind it: the portal's "You owe", the ledger and Billing AR that day."""

from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import html_text
from .test_statements import StatementCommon

NOV_FROM, NOV_TO = date(2026, 11, 1), date(2026, 11, 30)
SENT_ON = "2026-12-03 15:00:00"


class StatementDueCommon(StatementCommon):
    """The Ortiz family: four October invoices (130.00 each) open through
    November; on 12/01 one is paid, on 12/02 one is voided, on 12/03 the
    November speech session (125.00) is billed. The November statement is made
    on 12/03 and not yet sent."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.parent_ortiz = cls._billing_parent("Ana Ortiz", "ana@example.com")
        cls.parent_ortiz.lang = cls.env.user.lang
        cls.client_leo = cls._billing_client("Leo Ortiz", cls.parent_ortiz, "client")
        cls.user_ana = cls._portal_user("ana", cls.parent_ortiz)
        cls.oct_paid, cls.oct_void, cls.oct_open, cls.oct_late = (
            cls._invoice_on(cls.client_leo, date(2026, 10, day)) for day in (5, 12, 19, 26)
        )
        with freeze_time("2026-12-01"):
            cls.oct_paid._billing_register_payment(130.0, date(2026, 12, 1), "check", "CHK-1201")
        with freeze_time("2026-12-02"):
            cls.oct_void._billing_void("Billed twice")
        cls.nov_sessions = cls._invoice_on(cls.client_leo, date(2026, 12, 3), cls.service_speech, 1, 1.0)
        with freeze_time(SENT_ON):
            cls.statement = (
                cls.env["practice.statement"]
                .with_user(cls.billing_user)
                ._billing_generate(cls.parent_ortiz, NOV_FROM, NOV_TO)
                .with_env(cls.env)
            )

    def _send(self):
        with freeze_time(SENT_ON):
            self.statement.with_user(self.billing_user).action_billing_send()
        return self.statement

    def _owed(self):
        return self.parent_ortiz._billing_amount_owed()["amount"]

    def _html(self, statement):
        report = self.env["ir.actions.report"]
        return html_text(report._render_qweb_html("parent_billing.action_report_practice_statement", statement.ids)[0])


@tagged("post_install", "-at_install")
class TestStatementDueNow(StatementDueCommon):
    def test_the_issues_statement_says_what_is_due_now(self):
        statement = self.statement
        # The ledger statement by accounting date is unchanged.
        self.assertEqual((statement.opening_balance, statement.closing_balance), (520.0, 520.0))
        self.assertFalse(statement.line_ids)
        self._send()
        self.assertEqual(statement.state, "sent")
        since = statement.since_line_ids
        self.assertEqual(since.mapped("kind"), ["payment", "void", "invoice"])
        self.assertEqual(since.mapped("amount"), [-130.0, -130.0, 125.0])
        self.assertEqual(since.mapped("balance"), [390.0, 260.0, 385.0])
        self.assertEqual(since[-1].reference, self.nov_sessions.name)
        self.assertFalse(statement.line_ids, "the period's lines are not mixed with the later ones")
        # Due now: the portal's You owe, the ledger and Billing AR that day.
        self.assertEqual(statement.amount_due, 385.0)
        self.assertEqual(statement.amount_due, self._owed())
        self.assertAccountMoney(self.parent_ortiz, 385.0)
        due = statement.due_line_ids
        self.assertEqual(due.mapped("reference"), [self.oct_open.name, self.oct_late.name, self.nov_sessions.name])
        self.assertEqual(due.mapped("amount"), [130.0, 130.0, 125.0])
        self.assertEqual(due.mapped("date_due"), [date(2026, 11, 18), date(2026, 11, 25), date(2027, 1, 2)])
        self.assertFalse(statement.amount_disputed)
        self.assertFalse(statement.amount_due_credit)

    def test_pdf_email_and_portal_show_due_now_and_the_open_invoices(self):
        self._send()
        statement = self.statement
        pdf_html = self._html(statement)
        mail = self._mails(statement)
        self.assertEqual(len(mail), 1)
        self.authenticate("ana", "ana-pass-1234")
        page = html_text(self.url_open(statement.get_portal_url()).text)
        for label, text in (("PDF", pdf_html), ("email", html_text(mail.body_html)), ("portal", page)):
            with self.subTest(where=label):
                self.assertRegex(text, r"Due now\W.*385\.00")
                for invoice in (self.oct_open, self.oct_late, self.nov_sessions):
                    self.assertIn(invoice.name, text)
                self.assertNotIn("Balance due", text)
                self.assertNotIn("No activity in this period", text)
                self.assertIn("11/30/2026", text)
        for text in (pdf_html, page):
            self.assertIn("Balance on 11/30/2026", text)
            self.assertIn("Since 11/30/2026", text)
            self.assertIn("No charges, payments or credits are dated in this period.", text)
        self.assertRegex(html_text(mail.body_html), r"balance on 11/30/2026, the end of the period, was \$ ?520\.00")
        self.assertLess(pdf_html.index("Due now"), pdf_html.index("Balance on 11/30/2026"), "Due now is the headline")
        self.assertNotIn(self.client_leo.name, html_text(mail.body_html), "no child's name in the email")

    def test_a_draft_says_due_now_comes_at_send(self):
        text = self._html(self.statement)
        self.assertIn("What is due now is added when the statement is sent.", text)
        self.assertNotIn("Due now", text)

    def test_disputed_amount_is_shown_apart(self):
        with freeze_time(SENT_ON):
            self.oct_late.with_user(self.billing_manager)._billing_open_dispute("Session not attended")
        self._send()
        statement = self.statement
        self.assertEqual(statement.amount_due, 385.0, "still what the portal says the parent owes")
        self.assertEqual(statement.amount_due, self._owed())
        self.assertEqual(statement.amount_disputed, 130.0)
        self.assertEqual(statement.due_line_ids.filtered("disputed").reference, self.oct_late.name)
        text = self._html(statement)
        self.assertIn(f"{self.oct_late.name} Under dispute", text)
        self.assertRegex(text, r"Of this, \$ ?130\.00 is under dispute")
        self.assertIn("(under dispute)", html_text(self._mails(statement).body_html))

    def test_credit_reduces_due_now(self):
        with freeze_time(SENT_ON):
            self.oct_open._billing_register_payment(300.0, date(2026, 12, 3), "check", "CHK-1203", keep_excess=True)
        self._send()
        statement = self.statement
        # 130.00 + 125.00 open, less the 170.00 kept as credit.
        self.assertEqual(statement.amount_due, 85.0)
        self.assertEqual(statement.amount_due, self._owed())
        self.assertEqual(statement.amount_due_credit, 170.0)
        self.assertEqual(statement.since_line_ids[-1:].balance, 85.0)
        self.assertAccountMoney(self.parent_ortiz, 85.0, invoices_due=255.0)
        self.assertRegex(self._html(statement), r"Credit on your account - \$ ?170\.00 Due now \$ ?85\.00")

    def test_due_now_is_never_below_zero(self):
        with freeze_time(SENT_ON):
            self.oct_open._billing_register_payment(600.0, date(2026, 12, 3), "check", "CHK-1203", keep_excess=True)
        self._send()
        statement = self.statement
        self.assertEqual(self._receivable_balance(self.parent_ortiz), -215.0)
        self.assertEqual(statement.amount_due, 0.0)
        self.assertEqual(statement.amount_due, self._owed())
        self.assertEqual(statement.amount_due_credit, 470.0)

    def test_due_now_is_sealed_at_send(self):
        self._send()
        statement = self.statement
        with self.assertRaisesRegex(UserError, "cannot change"):
            statement.with_user(self.billing_manager).write({"amount_due": 0.0})
        with self.assertRaises(UserError):
            statement.since_line_ids.with_user(self.billing_manager).write({"amount": 1.0})
        # A later payment changes what is owed, not what the statement said.
        with freeze_time("2026-12-04"):
            self.oct_late._billing_register_payment(130.0, date(2026, 12, 4), "check", "CHK-1204")
        statement.with_user(self.billing_user).action_billing_send()
        self.assertEqual(statement.amount_due, 385.0)
        self.assertEqual(len(statement.due_line_ids), 3)
        self.assertEqual(self._owed(), 255.0)
