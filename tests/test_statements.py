"""Statements: figures against Odoo's partner ledger, immutability (ORM and
JSON-RPC), idempotent send, the PDF, the monthly run."""

import io
import re
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools.pdf import PdfReader

from .common import BillingCommon, JsonRpcMixin, RealConnectionsCase, html_text

DATE_FROM = date(2026, 3, 1)
DATE_TO = date(2026, 3, 31)
MADE_ON = "2026-04-05"
BUCKETS = ("amount_not_due", "amount_0_30", "amount_31_60", "amount_61_90", "amount_90_plus")


class StatementCommon(BillingCommon, HttpCase):
    """March 2026 for the Riveras: an invoice from February paid in part in
    March, with a late fee; a March invoice paid, then refunded in part with a
    credit; a March invoice voided; a payment in April (after the period).
    The Chens: one March invoice. The Quiet family: nothing at all.
    An HttpCase because Send renders the real PDF (see TestSend)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, force_report_rendering=True))
        cls.parent_rivera.lang = cls.env.user.lang
        cls.parent_quiet = cls._billing_parent("Quinn Quiet", "quinn@example.com")
        cls._billing_client("Quentin Quiet", cls.parent_quiet, "client")
        cls.inv_feb = cls._invoice_on(cls.client_sofia, date(2026, 2, 10))  # 130.00, due 2026-03-12
        cls.inv_paid = cls._invoice_on(cls.client_mateo, date(2026, 3, 2))
        cls.inv_void = cls._invoice_on(cls.client_sofia, date(2026, 3, 5))
        cls.inv_lily = cls._invoice_on(cls.client_lily, date(2026, 3, 3))
        with freeze_time("2026-03-10"):
            cls.pay_in_period = cls.inv_feb._billing_register_payment(50.0, date(2026, 3, 10), "check", "CHK-310")
        with freeze_time("2026-03-08"):
            cls.inv_paid._billing_register_payment(130.0, date(2026, 3, 8), "ach", "ACH-308")
        with freeze_time("2026-03-15"):
            cls.inv_paid._billing_refund(30.0, "Goodwill", credit_invoice=True)
        with freeze_time("2026-03-20"):
            cls.inv_void._billing_void("Entered twice")
        with freeze_time("2026-03-25"):
            cls.fee = cls.inv_feb._billing_create_late_fee(25.0, "Late fee")
        with freeze_time("2026-04-02"):
            cls.pay_after = cls.inv_feb._billing_register_payment(20.0, date(2026, 4, 2), "cash", "")

    @classmethod
    def _invoice_on(cls, client, invoice_date, service=None, count=2, units=2.0):
        """Two 2-unit ABA sessions (130.00) unless told otherwise, sent, dated
        ``invoice_date``, due 30 days later."""
        service = service or cls.service_aba
        sessions = cls.env["practice.session"].create(
            [{"client_id": client.id, "product_id": service.id, "units": units} for _i in range(count)]
        )
        sessions.action_finalize()
        claims = sessions.claim_id
        if claims:  # hybrid: the family pays what the payer leaves
            claims.patient_responsibility = 65.0
            claims.action_post()
        move = (sessions.charge_ids | claims.charge_ids)._create_invoices()
        move.write({"invoice_date": invoice_date, "invoice_date_due": invoice_date + timedelta(days=30)})
        with freeze_time(invoice_date):
            move.action_billing_send()
        return move

    def _generate(self, partners=None, user=None, date_from=DATE_FROM, date_to=DATE_TO, made_on=MADE_ON):
        Statement = self.env["practice.statement"].with_user(user or self.billing_user)
        partners = partners or (self.parent_rivera | self.parent_chen | self.parent_quiet)
        with freeze_time(made_on):
            return Statement._billing_generate(partners, date_from, date_to).with_env(self.env)

    def _mails(self, statement):
        return self.env["mail.mail"].search(
            [("model", "=", "practice.statement"), ("res_id", "=", statement.id), ("recipient_ids", "!=", False)]
        )


@tagged("post_install", "-at_install")
class TestStatementFigures(StatementCommon):
    def test_one_statement_per_parent_with_activity_or_balance(self):
        statements = self._generate()
        self.assertEqual(statements.partner_id, self.parent_rivera | self.parent_chen, "not the Quiet family")
        self.assertEqual(set(statements.mapped("state")), {"draft"})
        self.assertTrue(all(s.name.startswith("STMT/2026/") for s in statements), statements.mapped("name"))
        self.assertEqual(len(set(statements.mapped("name"))), 2, "numbered")
        # An open balance alone (no activity in the period) is reason enough.
        may = self._generate(self.parent_chen, None, date(2026, 5, 1), date(2026, 5, 31), "2026-06-01")
        self.assertEqual(len(may), 1)
        self.assertFalse(may.line_ids)
        self.assertEqual(may.opening_balance, 130.0)
        self.assertEqual(may.closing_balance, 130.0)

    def test_balances_equal_the_partner_ledger_at_both_dates(self):
        statements = self._generate()
        for statement in statements:
            partner = statement.partner_id
            with self.subTest(parent=partner.name):
                self.assertEqual(
                    statement.opening_balance, self._receivable_balance(partner, DATE_FROM - timedelta(days=1))
                )
                self.assertEqual(statement.closing_balance, self._receivable_balance(partner, DATE_TO))
                lines_total = self.currency.round(statement.opening_balance + sum(statement.line_ids.mapped("amount")))
                self.assertEqual(lines_total, statement.closing_balance, "opening + activity = closing")
                self.assertEqual(
                    statement.line_ids[-1:].balance or statement.opening_balance, statement.closing_balance
                )
        rivera = statements.filtered(lambda s: s.partner_id == self.parent_rivera)
        # By hand: 130 open from February; March: +130 +130 (invoices), -50 (payment of the
        # February invoice), -130 (payment), +30 -30 (refund with credit), -130 (void), +25 (late fee).
        self.assertEqual(rivera.opening_balance, 130.0)
        self.assertEqual(rivera.closing_balance, 105.0)
        self.assertEqual((rivera.amount_charges, rivera.amount_credits), (315.0, 340.0))
        self.assertEqual(
            rivera.currency_id.round(rivera.opening_balance + rivera.amount_charges - rivera.amount_credits), 105.0
        )

    def test_lines_show_each_kind_of_activity_in_the_period_only(self):
        rivera = self._generate(self.parent_rivera)
        kinds = rivera.line_ids.mapped("kind")
        self.assertEqual(set(kinds), {"invoice", "payment", "refund", "credit", "void", "late_fee"})
        payment = rivera.line_ids.filtered(lambda l: l.move_id == self.pay_in_period.move_id)
        self.assertRecordValues(
            payment,
            [
                {
                    "kind": "payment",
                    "date": date(2026, 3, 10),
                    "amount": -50.0,
                    "invoice_reference": self.inv_feb.name,
                    "client_id": self.client_sofia.id,
                }
            ],
        )
        self.assertFalse(rivera.line_ids.filtered(lambda l: l.move_id == self.inv_feb), "invoiced before the period")
        self.assertFalse(rivera.line_ids.filtered(lambda l: l.move_id == self.pay_after.move_id), "paid after it")
        fee = rivera.line_ids.filtered(lambda l: l.kind == "late_fee")
        self.assertRecordValues(fee, [{"amount": 25.0, "invoice_reference": self.inv_feb.name}])
        void = rivera.line_ids.filtered(lambda l: l.kind == "void")
        self.assertEqual(void.amount, -65.0 * 2)
        self.assertEqual(void.invoice_reference, self.inv_void.name)
        self.assertEqual(rivera.line_ids.mapped("date"), sorted(rivera.line_ids.mapped("date")))

    def test_aging_summary_is_the_billing_ar_report_at_the_end_of_the_period(self):
        rivera = self._generate(self.parent_rivera)
        rows = (
            self.env["practice.ar.aging"]
            .with_context(billing_as_of="2026-03-31")
            ._read_group([("partner_id", "=", self.parent_rivera.id)], [], [f"{bucket}:sum" for bucket in BUCKETS])[0]
        )
        self.assertEqual([rivera[bucket] for bucket in BUCKETS], [self.currency.round(a) for a in rows])
        # The February invoice (due 2026-03-12) with its fee: 130 - 50 + 25 open, 19 days past due.
        self.assertEqual(rivera.amount_0_30, 105.0)
        self.assertEqual(sum(rivera[bucket] for bucket in BUCKETS), rivera.closing_balance)

    def test_period_must_be_valid(self):
        with self.assertRaisesRegex(UserError, "after its end"):
            self._generate(date_from=DATE_TO, date_to=DATE_FROM)
        with self.assertRaisesRegex(UserError, "after today"):
            self._generate(date_from=DATE_FROM, date_to=date(2026, 4, 30))
        self.assertFalse(self.env["practice.statement"].search([]))

    def test_wizard_for_one_parent_and_for_every_parent(self):
        Wizard = self.env["practice.statement.generate"].with_user(self.billing_user)
        with freeze_time(MADE_ON):
            wizard = Wizard.create({"scope": "one", "partner_id": self.parent_chen.id})
            self.assertEqual((wizard.date_from, wizard.date_to), (DATE_FROM, DATE_TO), "last month by default")
            action = wizard.action_generate()
            one = self.env["practice.statement"].browse(action["res_id"])
            self.assertEqual(one.partner_id, self.parent_chen)
            action = Wizard.create({"scope": "all", "send": True}).action_generate()
        statements = self.env["practice.statement"].search(action["domain"])
        self.assertEqual(statements.partner_id, self.parent_rivera | self.parent_chen)
        self.assertIn(one, statements, "the Chens' statement had not changed: the same one")
        self.assertEqual(set(statements.mapped("state")), {"sent"})
        with freeze_time(MADE_ON), self.assertRaisesRegex(UserError, "No statement to make"):
            Wizard.create({"scope": "one", "partner_id": self.parent_quiet.id}).action_generate()


@tagged("post_install", "-at_install")
class TestStatementImmutable(StatementCommon):
    def test_figures_and_lines_cannot_be_written_or_deleted(self):
        statement = self._generate(self.parent_rivera)
        for user in (self.billing_user, self.billing_manager):
            mine = statement.with_user(user)
            for vals in (
                {"closing_balance": 0.0},
                {"opening_balance": 1.0},
                {"amount_0_30": 0.0},
                {"date_to": "2026-03-30"},
                {"partner_id": self.parent_chen.id},
                {"state": "sent"},
                {"line_ids": [(2, statement.line_ids[0].id)]},
            ):
                with self.subTest(user=user.login, vals=vals), self.assertRaises(UserError):
                    mine.write(vals)
            with self.assertRaises(UserError):
                mine.unlink()
            with self.assertRaises(UserError):
                statement.line_ids[0].with_user(user).sudo().write({"amount": 0.0})
            with self.assertRaises(UserError):
                statement.line_ids[0].with_user(user).sudo().unlink()
        with self.assertRaisesRegex(UserError, "not entered by hand"):
            self.env["practice.statement"].create(
                {"name": "X", "partner_id": self.parent_rivera.id, "company_id": self.company.id,
                 "date_from": DATE_FROM, "date_to": DATE_TO}
            )  # fmt: skip
        self.assertEqual(statement.closing_balance, 105.0)

    def test_later_change_makes_a_new_statement_and_the_old_one_stays(self):
        first = self._generate(self.parent_rivera)
        lines_before = [(line.move_id.id, line.amount, line.balance) for line in first.line_ids]
        self.assertEqual(self._generate(self.parent_rivera), first, "nothing changed: the same statement")

        # A check dated in March, recorded in April.
        with freeze_time(MADE_ON):
            late_check = self.inv_feb._billing_register_payment(10.0, date(2026, 3, 28), "check", "CHK-328")
        second = self._generate(self.parent_rivera)
        self.assertNotEqual(second, first)
        self.assertNotEqual(second.name, first.name)
        self.assertEqual(second.previous_id, first)
        self.assertEqual(second.closing_balance, 95.0)
        self.assertEqual(second.closing_balance, self._receivable_balance(self.parent_rivera, DATE_TO))
        self.assertIn(late_check.move_id, second.line_ids.move_id)
        first.invalidate_recordset()
        self.assertEqual(first.closing_balance, 105.0, "the old statement says what was true then")
        self.assertEqual([(line.move_id.id, line.amount, line.balance) for line in first.line_ids], lines_before)


@tagged("post_install", "-at_install")
class TestStatementSend(StatementCommon):
    def test_send_attaches_pdf_queues_one_privacy_minimal_email_and_is_idempotent(self):
        statement = self._generate(self.parent_rivera)
        statement.message_subscribe(partner_ids=self.billing_user.partner_id.ids)
        statement.with_user(self.billing_user).action_billing_send()
        statement.with_user(self.billing_manager).action_billing_send()
        (statement | self._generate(self.parent_chen)).action_billing_send()
        self.assertEqual(statement.state, "sent")
        self.assertTrue(statement.sent_date)

        pdfs = self.env["ir.attachment"].search(
            [("res_model", "=", "practice.statement"), ("res_id", "=", statement.id)]
        )
        self.assertEqual(len(pdfs), 1, "one PDF")
        self.assertEqual(pdfs.name, f"Statement {statement.name.replace('/', '_')}.pdf")
        self.assertNotIn("Rivera", pdfs.name)
        self.assertTrue(pdfs.raw.startswith(b"%PDF"))

        mails = self._mails(statement)
        self.assertEqual(len(mails), 1, "one email, whatever the number of Sends")
        self.assertEqual(mails.recipient_ids, self.parent_rivera, "the parent only, no staff copy")
        self.assertEqual(mails.state, "outgoing", "queued")
        body = html_text(mails.body_html)
        self.assertIn(statement.name, body)
        self.assertIn("$ 105.00", body)
        self.assertIn(f"/my/statements/{statement.id}", mails.body_html)
        for secret in ("Sofia", "Mateo", "ABA treatment", "97153", "$ 65.00", "$ 130.00", "Entered twice", "Goodwill"):
            self.assertNotIn(secret, body)
            self.assertNotIn(secret, mails.subject)
        self.assertFalse(mails.attachment_ids, "the PDF stays behind the portal sign-in")

    def test_pdf_renders_through_wkhtmltopdf_with_the_closing_balance(self):
        self.company.partner_id.write({"street": "500 Harbor Lane", "city": "Springfield"})
        statement = self._generate(self.parent_rivera)
        pdf, kind = self.env["ir.actions.report"]._render_qweb_pdf(
            "parent_billing.action_report_practice_statement", statement.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
        text = re.sub(r"\s+", " ", text.replace("\xa0", " "))
        for expected in (
            "STATEMENT",
            statement.name,
            self.company.name,
            "500 Harbor Lane",
            "Balance on 03/31/2026",
            "$ 105.00",
            "Opening balance",
            "$ 130.00",
            self.inv_feb.name,
            "Bright Steps Therapy - thank you!",
            "Mail check to: Bright Steps, 1 Main St.",
        ):
            self.assertIn(expected, text)
        for secret in ("Entered twice", "Goodwill", "97153"):
            self.assertNotIn(secret, text)


@tagged("post_install", "-at_install")
class TestStatementCron(StatementCommon):
    def _run(self, day):
        with freeze_time(day):
            self.env["practice.statement"]._cron_billing_statements()
        return self.env["practice.statement"].search([("company_id", "=", self.company.id)])

    def test_cron_respects_on_off_and_day(self):
        self.company.write({"billing_statement_enabled": False, "billing_statement_day": 5})
        self.assertFalse(self._run("2026-04-05"), "off: nothing")
        self.company.billing_statement_enabled = True
        self.assertFalse(self._run("2026-04-04"), "not the statement day")
        statements = self._run("2026-04-05")
        self.assertEqual(statements.partner_id, self.parent_rivera | self.parent_chen)
        self.assertEqual({(s.date_from, s.date_to) for s in statements}, {(DATE_FROM, DATE_TO)}, "last month")
        self.assertEqual(set(statements.mapped("state")), {"sent"})
        mails = self.env["mail.mail"].search([("model", "=", "practice.statement")])
        self.assertEqual(len(mails), 2)
        # A rerun the same day makes and sends nothing more.
        self.assertEqual(self._run("2026-04-05"), statements)
        self.assertEqual(self.env["mail.mail"].search_count([("model", "=", "practice.statement")]), 2)

    def test_cron_day_beyond_the_month_runs_on_its_last_day(self):
        self.company.write({"billing_statement_enabled": True, "billing_statement_day": 31})
        self.assertFalse(self._run("2026-04-29"))
        statements = self._run("2026-04-30")
        self.assertEqual({s.date_to for s in statements}, {DATE_TO})

    def test_statement_day_must_be_a_day_of_the_month(self):
        with self.assertRaisesRegex(UserError, "1 to 31"):
            self.company.with_user(self.billing_manager).billing_statement_day = 32


@tagged("post_install", "-at_install")
class TestStatementRpc(JsonRpcMixin, StatementCommon, HttpCase):
    """Over real JSON-RPC, as the billing clerk and the manager."""

    def test_statement_cannot_be_changed_over_rpc(self):
        statement = self._generate(self.parent_rivera)
        line = statement.line_ids[0]
        for login in ("clerk", "boss"):
            self.authenticate(login, login)
            with self.subTest(login=login):
                message = self._refused("practice.statement", "write", [statement.ids, {"closing_balance": 0.0}])
                self.assertIn("Generate a new statement", message)
                self._refused("practice.statement", "write", [statement.ids, {"state": "sent"}])
                self._refused(
                    "practice.statement", "write", [statement.ids, {"line_ids": [[1, line.id, {"amount": 1}]]}]
                )
                self._refused("practice.statement.line", "write", [line.ids, {"amount": 0.0}])
                self._refused("practice.statement.line", "unlink", [line.ids])
                self._refused("practice.statement", "unlink", [statement.ids])
                self._refused(
                    "practice.statement",
                    "create",
                    [{"name": "FAKE", "partner_id": self.parent_rivera.id, "date_from": "2026-03-01",
                      "date_to": "2026-03-31", "closing_balance": 0.0}],
                )  # fmt: skip
                self._refused("practice.statement", "copy", [statement.ids])
        statement.invalidate_recordset()
        line.invalidate_recordset()
        self.assertEqual((statement.closing_balance, statement.state, line.amount), (105.0, "draft", line.amount))
        self.assertFalse(self.env["practice.statement"].search([("name", "=", "FAKE")]))

    def test_clerk_generates_and_sends_over_rpc(self):
        self.authenticate("clerk", "clerk")
        with freeze_time(MADE_ON):
            answer = self._call("practice.statement", "action_billing_send", [self._generate(self.parent_chen).ids])
        self.assertNotIn("error", answer, answer.get("error"))
        self.assertEqual(
            self.env["practice.statement"].search([("partner_id", "=", self.parent_chen.id)]).state, "sent"
        )


@tagged("post_install", "-at_install")
class TestStatementScreens(StatementCommon):
    def test_wizard_form_generates_and_statement_screens_open(self):
        with freeze_time(MADE_ON):
            form = Form(self.env["practice.statement.generate"].with_user(self.billing_user))
            form.scope = "one"
            form.partner_id = self.parent_rivera
            form.send = True
            action = form.save().action_generate()
        statement = self.env["practice.statement"].browse(action["res_id"])
        self.assertEqual((statement.partner_id, statement.state), (self.parent_rivera, "sent"))
        Statement = self.env["practice.statement"].with_user(self.billing_user)
        for view_type in ("list", "form", "search"):
            self.assertTrue(Statement.get_view(view_type=view_type)["arch"])
        with Form(statement.with_user(self.billing_user)) as view:
            self.assertEqual(view.closing_balance, 105.0)
            self.assertEqual(len(view.line_ids), len(statement.line_ids))
        menu = self.env.ref("parent_billing.practice_statement_menu_list")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.billing_user)._visible_menu_ids())

    def test_manager_turns_monthly_statements_on_in_invoice_settings(self):
        action = self.env["res.company"].with_user(self.billing_manager).action_billing_open_settings()
        with Form(self.company.with_user(self.billing_manager), view=action["views"][0][0]) as settings:
            settings.billing_statement_enabled = True
            settings.billing_statement_day = 3
        self.assertRecordValues(self.company, [{"billing_statement_enabled": True, "billing_statement_day": 3}])


@tagged("post_install", "-at_install")
class TestConcurrentStatementSend(RealConnectionsCase):
    """Two users pressing Send on the same statement at once, on two real
    database connections: one PDF, one email."""

    def _remove_statements(self, partner_id):
        # Test cleanup only: statements refuse deletion by design.
        with self._connection() as env:
            env.cr.execute("SELECT id FROM practice_statement WHERE partner_id = %s", [partner_id])
            ids = [row[0] for row in env.cr.fetchall()]
            if ids:
                domain = [("model", "=", "practice.statement"), ("res_id", "in", ids)]
                env["mail.mail"].search(domain).unlink()
                env["mail.message"].search(domain).unlink()
                env["mail.followers"].search([("res_model", "=", "practice.statement"), ("res_id", "in", ids)]).unlink()
                env["ir.attachment"].search([("res_model", "=", "practice.statement"), ("res_id", "in", ids)]).unlink()
                env.cr.execute("DELETE FROM practice_statement WHERE id IN %s", [tuple(ids)])
            env.cr.commit()  # pylint: disable=invalid-commit

    def test_two_concurrent_sends_send_once(self):
        ids = self._commit_family("Statement", price=40.0, invoice=True)
        self.addCleanup(self._remove_statements, ids["parent"])
        with self._connection() as env:
            env["account.move"].browse(ids["move"]).action_billing_send()
            today = fields.Date.context_today(env["practice.statement"])
            statement_id = (
                env["practice.statement"]._billing_generate(env["res.partner"].browse(ids["parent"]), today, today).id
            )
            env.cr.commit()  # pylint: disable=invalid-commit
        with self._connection() as env1, self._connection() as env2:
            cr1, cr2 = env1.cr, env2.cr
            env2["practice.statement"].browse(statement_id).read(["state"])  # the second user has it open
            env1["practice.statement"].browse(statement_id).action_billing_send()
            env1.flush_all()
            with self.assertRaisesRegex(UserError, "Another user is working"):
                env2["practice.statement"].browse(statement_id).action_billing_send()
            cr2.rollback()
            cr1.commit()
            env2.invalidate_all()
            env2["practice.statement"].browse(statement_id).action_billing_send()
            cr2.commit()
            env2.invalidate_all()
            statement = env2["practice.statement"].browse(statement_id)
            self.assertEqual(statement.state, "sent")
            self.assertEqual(statement.closing_balance, 40.0)
            domain = [
                ("model", "=", "practice.statement"),
                ("res_id", "=", statement_id),
                ("recipient_ids", "!=", False),
            ]
            self.assertEqual(env2["mail.mail"].search_count(domain), 1, "one email")
            attachments = env2["ir.attachment"].search_count(
                [("res_model", "=", "practice.statement"), ("res_id", "=", statement_id)]
            )
            self.assertEqual(attachments, 1, "one PDF")
