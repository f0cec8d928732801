"""Payment reminders: the practice's steps (days from the due date), the
daily run with frozen dates, one email per parent and template, the
parents staff paused, privacy of the email, and the seal of the record of
what was sent."""

import ast
from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from .common import DUE, BillingCommon, JsonRpcMixin, RealConnectionsCase, html_text

# What must never reach the parent's inbox (see test_send): the client, the
# service and its CPT code, the invoice notes.


@tagged("post_install", "-at_install")
class ReminderCommon(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.parent_rivera.lang = cls.parent_chen.lang = cls.env.user.lang
        steps = cls.env["practice.reminder.step"].search([("company_id", "=", cls.company.id)])
        cls.step = {step.offset_days: step for step in steps}

    def _run(self, day):
        """The daily runs of ``day``: overdue (as scheduled, first), then reminders."""
        with freeze_time(day):
            self.env["account.move"]._cron_billing_overdue()
            self.env["account.move"]._cron_billing_reminders()
        self.env.invalidate_all()

    def _reminders(self, parent):
        """The reminder emails queued for ``parent``, oldest first."""
        return self.env["mail.mail"].search(
            [("model", "=", "res.partner"), ("res_id", "=", parent.id), ("recipient_ids", "in", parent.ids)],
            order="id",
        )

    def _notes(self, move):
        return move.message_ids.filtered(lambda m: "Payment reminder" in (m.body or ""))


@tagged("post_install", "-at_install")
class TestReminderSteps(ReminderCommon):
    def test_default_steps_come_from_data_with_their_own_email(self):
        self.assertEqual(sorted(self.step), [-3, 1, 15, 30])
        templates = self.env["practice.reminder.step"].browse([s.id for s in self.step.values()]).mail_template_id
        self.assertEqual(len(templates), 4, "each default step has its own email")
        self.assertEqual(set(templates.mapped("model")), {"res.partner"})
        self.assertEqual(self.step[30].mail_template_id, self.env.ref("parent_billing.mail_template_reminder_final"))
        # Practice -> Notifications lists them beside the invoice email.
        action = self.env.ref("parent_billing.mail_template_action_billing_notifications")
        listed = self.env["mail.template"].with_user(self.billing_manager).search(ast.literal_eval(action.domain))
        self.assertEqual(listed & templates, templates)
        self.assertIn(self.env.ref("parent_billing.mail_template_parent_invoice"), listed)

    def test_invoice_settings_edit_the_steps(self):
        view = self.env.ref("parent_billing.res_company_view_form_billing_settings")
        with Form(self.company.with_user(self.billing_manager), view=view) as form:
            with form.billing_reminder_step_ids.new() as line:
                line.name = "A week late"
                line.offset_days = 7
                line.mail_template_id = self.step[15].mail_template_id
            with form.billing_reminder_step_ids.edit(0) as line:
                line.active = False
        steps = self.company.with_context(active_test=False).billing_reminder_step_ids
        self.assertEqual(steps.mapped("offset_days"), [-3, 1, 7, 15, 30])
        self.assertFalse(self.step[-3].active)

    def test_one_step_per_day_and_an_email_on_the_parent(self):
        with self.assertRaises(ValidationError), self.cr.savepoint():
            self.step[1].mail_template_id = self.env.ref("parent_billing.mail_template_parent_invoice")
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["practice.reminder.step"].create(
                {"name": "Again", "offset_days": 1, "mail_template_id": self.step[1].mail_template_id.id}
            )

    def test_a_step_that_was_sent_is_archived_not_deleted(self):
        self._invoice_due()
        self._run(DUE + timedelta(days=1))
        with self.assertRaisesRegex(UserError, "archive it"):
            self.step[1].unlink()
        self.step[15].unlink()  # never sent: may go

    def test_new_practice_gets_the_default_steps(self):
        company = self.env["res.company"].create({"name": "Second Practice"})
        self.assertEqual(company.billing_reminder_step_ids.mapped("offset_days"), [-3, 1, 15, 30])

    def test_contact_and_invoice_forms_show_the_pause_to_billing_staff(self):
        partner_arch = self.env["res.partner"].with_user(self.billing_user).get_views([(False, "form")])
        arch = partner_arch["views"]["form"]["arch"]
        for name in (
            "billing_reminders_paused",
            "billing_reminders_pause_reason",
            "action_billing_open_pause_reminders",
        ):
            self.assertIn(name, arch)
        move_arch = self.env["account.move"].with_user(self.billing_user).get_views([(False, "form")])
        arch = move_arch["views"]["form"]["arch"]
        self.assertIn("o_billing_reminders_paused", arch)
        self.assertIn("billing_reminder_step_ids", arch)
        # A portal parent never reads why their reminders are paused.
        self.parent_rivera.with_user(self.billing_user)._billing_pause_reminders("Dispute")
        portal = self._portal_user("maria", self.parent_rivera)
        with self.assertRaises(AccessError):
            self.parent_rivera.with_user(portal).read(["billing_reminders_pause_reason"])

    def test_scheduled_action_runs_daily(self):
        cron = self.env.ref("parent_billing.ir_cron_billing_reminders")
        self.assertRecordValues(
            cron, [{"active": True, "interval_number": 1, "interval_type": "days", "model_name": "account.move"}]
        )
        move = self._invoice_due()
        with freeze_time(DUE + timedelta(days=1)):
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(move.billing_reminder_step_ids, self.step[1])


@tagged("post_install", "-at_install")
class TestReminderRun(ReminderCommon):
    def test_each_step_is_sent_once_day_by_day(self):
        move = self._invoice_due()
        sent_on = {}
        for day in range(-6, 40):
            today = DUE + timedelta(days=day)
            before = len(self._reminders(self.parent_rivera))
            self._run(today)
            self._run(today)  # a second run the same day sends nothing more
            new = self._reminders(self.parent_rivera)[before:]
            self.assertLessEqual(len(new), 1, f"one reminder at most on {today}")
            if new:
                sent_on[day] = new
        self.assertEqual(sorted(sent_on), [-3, 1, 15, 30], "each step on its day")
        self.assertIn("payment reminder", sent_on[-3].subject)
        self.assertIn("past due", sent_on[1].subject)
        self.assertIn("second reminder", sent_on[15].subject)
        self.assertIn("final notice", sent_on[30].subject)
        self.assertEqual(
            move.billing_reminder_step_ids,
            self.env["practice.reminder.step"].browse([self.step[d].id for d in (-3, 1, 15, 30)]),
        )
        self.assertEqual(len(self._notes(move)), 4, "each reminder logged on the invoice")
        self.assertEqual(move.billing_state, "overdue")

    def test_a_late_first_run_starts_with_the_first_overdue_step(self):
        move = self._invoice_due()
        self._run(DUE + timedelta(days=20))
        mails = self._reminders(self.parent_rivera)
        self.assertEqual(len(mails), 1, "no burst of old reminders")
        self.assertIn("past due", mails.subject, "the first step after the due date, not the latest")
        self.assertEqual(move.billing_reminder_step_ids, self.step[1])
        for day in range(21, 34):
            self._run(DUE + timedelta(days=day))
        self.assertEqual(len(self._reminders(self.parent_rivera)), 1, "the coming-due step never goes out late")
        self._run(DUE + timedelta(days=34))  # 14 days (15 - 1) after the first
        self.assertIn("second reminder", self._reminders(self.parent_rivera)[1:].subject)
        self._run(DUE + timedelta(days=48))
        self.assertEqual(len(self._reminders(self.parent_rivera)), 2)
        self._run(DUE + timedelta(days=49))
        self.assertEqual(move.billing_reminder_step_ids, self.step[1] | self.step[15] | self.step[30])

    def test_a_parent_gets_one_email_for_invoices_reaching_steps_the_same_day(self):
        first = self._invoice_due()
        second = self._invoice_due(client=self.client_sofia, units=1.0, count=1)  # 32.50
        chen = self._invoice_due(client=self.client_lily, units=1.0, count=1)
        self._run(DUE + timedelta(days=1))
        mail = self._reminders(self.parent_rivera)
        self.assertEqual(len(mail), 1, "one email to the parent for both invoices")
        self.assertEqual(mail.recipient_ids, self.parent_rivera)
        body = html_text(mail.body_html)
        for move, balance in ((first, "130.00"), (second, "32.50")):
            self.assertIn(move.name, body)
            self.assertIn(move.name, mail.subject)
            self.assertIn(balance, body)
            self.assertEqual(move.billing_reminder_step_ids, self.step[1])
            self.assertEqual(len(self._notes(move)), 1)
        self.assertNotIn(chen.name, body, "another family's invoice is never in the email")
        chen_mail = self._reminders(self.parent_chen)
        self.assertEqual(len(chen_mail), 1)
        self.assertNotIn(first.name, html_text(chen_mail.body_html))

    def test_different_steps_the_same_day_are_one_email_per_template(self):
        overdue = self._invoice_due()
        coming = self._invoice_due(due=DUE + timedelta(days=4), units=1.0, count=1)
        self._run(DUE + timedelta(days=1))  # +1 of the first, -3 of the second
        mails = self._reminders(self.parent_rivera)
        self.assertEqual(len(mails), 2)
        by_subject = {("past due" in mail.subject): mail for mail in mails}
        self.assertIn(overdue.name, html_text(by_subject[True].body_html))
        self.assertNotIn(coming.name, html_text(by_subject[True].body_html))
        self.assertIn(coming.name, html_text(by_subject[False].body_html))
        # The same template on both steps: one email.
        self.step[-3].mail_template_id = self.step[1].mail_template_id
        self._invoice_due(due=DUE + timedelta(days=5), units=1.0, count=1)
        self._invoice_due(due=DUE - timedelta(days=1), units=1.0, count=1)
        self._run(DUE + timedelta(days=2))
        self.assertEqual(len(self._reminders(self.parent_rivera)), 3)

    def test_no_reminder_for_draft_paid_voided_or_paused_parents(self):
        draft, paid, voided = self._draft_paid_voided()
        paused = self._invoice_due(client=self.client_lily)
        self.parent_chen.with_user(self.billing_user)._billing_pause_reminders("Payment plan agreed in March")
        for day in (-3, 1, 15, 30, 45):
            self._run(DUE + timedelta(days=day))
        self.assertEqual([draft.billing_state, paid.billing_state, voided.billing_state], ["draft", "paid", "voided"])
        self.assertFalse((draft | paid | voided | paused).billing_reminder_step_ids)
        self.assertFalse(self._reminders(self.parent_rivera) | self._reminders(self.parent_chen))
        # Resumed: the next run sends the first overdue step, once.
        self.parent_chen.with_user(self.billing_user).action_billing_resume_reminders()
        self._run(DUE + timedelta(days=46))
        self._run(DUE + timedelta(days=47))
        self.assertEqual(paused.billing_reminder_step_ids, self.step[1])
        self.assertEqual(len(self._reminders(self.parent_chen)), 1)

    def test_a_reminder_after_a_partial_payment_states_the_balance(self):
        move = self._invoice_due()
        with freeze_time(DUE - timedelta(days=5)):
            move._billing_register_payment(30.0, DUE - timedelta(days=5), "cash", "")
        self._run(DUE + timedelta(days=1))
        body = html_text(self._reminders(self.parent_rivera).body_html)
        self.assertIn("100.00", body)
        self.assertNotIn("130.00", body)

    def test_email_is_privacy_minimal_with_portal_and_pay_now_links(self):
        move = self._invoice_due(notes="Tolerated transitions well")
        self._run(DUE - timedelta(days=3))
        mail = self._reminders(self.parent_rivera)
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued, not sent inline")
        self.assertFalse(mail.attachment_ids)
        body = self.assertPrivacyMinimal(mail, move)
        self.assertNotIn("Pay now", body, "no processor connected: no Pay now link")
        # Staff follow the invoice and the contact: they get no copy.
        self.assertEqual(mail.mail_message_id.notification_ids.res_partner_id, self.parent_rivera)

        self._enable_demo_provider()
        self._run(DUE + timedelta(days=1))
        mail = self._reminders(self.parent_rivera)[1:]
        self.assertIn("Pay now", html_text(mail.body_html))
        self.assertIn(
            f"/my/invoices/{move.id}?access_token={move.access_token}&amp;payment=True#portal_pay", mail.body_html
        )

    def test_reminders_leave_the_ledger_alone(self):
        move = self._invoice_due()
        with freeze_time(DUE - timedelta(days=10)):
            move._billing_register_payment(30.0, DUE - timedelta(days=10), "check", "77")
        entries = self.env["account.move"].search_count([])
        balance = self._receivable_balance(self.parent_rivera)
        for day in (-3, 1, 15, 30):
            with freeze_time(DUE + timedelta(days=day)):
                self.env["account.move"]._cron_billing_reminders()
        self.env.invalidate_all()
        self.assertEqual(len(move.billing_reminder_step_ids), 4)
        self.assertEqual(self.env["account.move"].search_count([]), entries, "no journal entry")
        self.assertEqual(self._receivable_balance(self.parent_rivera), balance)
        self.assertEqual(self._receivable_balance(self.parent_rivera), 100.0)
        self.assertRecordValues(move, [{"billing_state": "sent", "billing_amount_due": 100.0, "state": "posted"}])

    def test_pausing_needs_a_reason_and_billing_staff(self):
        with self.assertRaisesRegex(UserError, "needs a reason"):
            self.parent_rivera.with_user(self.billing_user)._billing_pause_reminders("  ")
        with self.assertRaisesRegex(ValidationError, "needs a reason"):
            self.parent_rivera.write({"billing_reminders_paused": True})
        portal = self._portal_user("maria", self.parent_rivera)
        with self.assertRaises(AccessError):
            self.parent_rivera.with_user(portal).action_billing_resume_reminders()
        wizard = Form(
            self.env["res.partner.billing.pause"]
            .with_user(self.billing_user)
            # Odoo's test base turns tracking off; the pause is tracked on the contact.
            .with_context(default_partner_id=self.parent_rivera.id, mail_notrack=False, tracking_disable=False)
        )
        wizard.reason = "Disputes the March sessions"
        wizard.save().action_pause()
        self.assertRecordValues(
            self.parent_rivera,
            [{"billing_reminders_paused": True, "billing_reminders_pause_reason": "Disputes the March sessions"}],
        )
        move = self._invoice_due()
        self.assertTrue(move.billing_reminders_paused, "shown on the invoice")
        # Logged on the parent's contact (Odoo's tracking, at commit).
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = self.parent_rivera.message_ids.tracking_value_ids
        self.assertIn("Disputes the March sessions", tracked.mapped("new_value_char"))
        self.assertEqual(tracked.mail_message_id.author_id, self.billing_user.partner_id)


@tagged("post_install", "-at_install")
class TestReminderRpc(JsonRpcMixin, ReminderCommon, HttpCase):
    """The record of what was sent is the run's alone: over real JSON-RPC,
    neither the clerk nor the manager can write it."""

    def test_billing_user_cannot_write_the_reminders_sent(self):
        move = self._invoice_due()
        self._run(DUE + timedelta(days=1))
        self.assertEqual(move.billing_reminder_step_ids, self.step[1])
        for login in ("clerk", "boss"):
            self.authenticate(login, login)
            for command in (
                [Command.clear()],
                [Command.set([])],
                [Command.unlink(self.step[1].id)],
                [Command.link(self.step[15].id)],
                [Command.set((self.step[15] | self.step[30]).ids)],
            ):
                answer = self._call("account.move", "write", [move.ids, {"billing_reminder_step_ids": command}])
                self.assertIn("error", answer, f"{login} wrote {command}")
                self.assertEqual(answer["error"]["data"]["name"], "odoo.exceptions.UserError")
                self.assertIn("billing actions", answer["error"]["data"]["message"])
            # Reading it is fine.
            answer = self._call("account.move", "read", [move.ids, ["billing_reminder_step_ids"]])
            self.assertEqual(answer["result"][0]["billing_reminder_step_ids"], self.step[1].ids)
        self.env.invalidate_all()
        self.assertEqual(move.billing_reminder_step_ids, self.step[1])
        # The +15 step still goes out on its day, once.
        self._run(DUE + timedelta(days=15))
        self.assertEqual(move.billing_reminder_step_ids, self.step[1] | self.step[15])

    def test_clerk_pauses_a_parent_over_rpc_but_edits_nothing_else(self):
        self.authenticate("clerk", "clerk")
        answer = self._call("res.partner", "write", [self.parent_rivera.ids, {"billing_reminders_paused": True}])
        self.assertIn("error", answer)
        answer = self._call("res.partner", "action_billing_resume_reminders", [self.parent_rivera.ids])
        self.assertNotIn("error", answer)
        answer = self._call("res.partner", "action_billing_open_pause_reminders", [self.parent_rivera.ids])
        self.assertEqual(answer["result"]["res_model"], "res.partner.billing.pause")


@tagged("post_install", "-at_install")
class TestReminderWorkers(RealConnectionsCase):
    """Two runs at the same moment, on real connections: one email."""

    def _sent_committed_invoice(self):
        ids = self._commit_family("Reminder race", invoice=True)
        self.addCleanup(self._remove_reminders, ids)  # runs before the family's removal
        with self._connection() as env:
            move = env["account.move"].browse(ids["move"])
            move.write({"invoice_date": DUE - timedelta(days=30), "invoice_date_due": DUE})
            move.action_billing_send()
            env.cr.commit()  # pylint: disable=invalid-commit
        return ids

    def _remove_reminders(self, ids):
        """Test cleanup: what the committed run left, and the seal reopened."""
        with self._connection() as env:
            env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", ids["parent"])]).unlink()
            env["mail.message"].search([("model", "=", "res.partner"), ("res_id", "=", ids["parent"])]).unlink()
            move = env["account.move"].browse(ids["move"])
            with move._billing_transition():
                move.write({"billing_reminder_step_ids": [Command.clear()]})
                move.button_draft()
            env.cr.commit()  # pylint: disable=invalid-commit

    def _emails(self, env, parent_id):
        return env["mail.mail"].search_count([("model", "=", "res.partner"), ("res_id", "=", parent_id)])

    def test_two_runs_at_once_send_one_email(self):
        ids = self._sent_committed_invoice()
        with self._connection() as worker1, self._connection() as worker2, freeze_time(DUE + timedelta(days=1)):
            worker2.cr.execute("SELECT 1")  # both runs start together
            worker1["account.move"]._cron_billing_reminders()
            worker1.flush_all()
            self.assertEqual(self._emails(worker1, ids["parent"]), 1)
            with self.assertNoLogs("odoo.sql_db", "ERROR"):
                # The invoice is held by the first run: skipped, not waited for.
                worker2["account.move"]._cron_billing_reminders()
                worker1.cr.commit()  # pylint: disable=invalid-commit
                # Still in its old snapshot, the second run sees a row changed since: skipped.
                worker2.invalidate_all()
                worker2["account.move"]._cron_billing_reminders()
            worker2.flush_all()
            self.assertEqual(self._emails(worker2, ids["parent"]), 0)
            worker2.cr.rollback()
            # A rerun sees the step sent: nothing to do.
            worker2.invalidate_all()
            worker2["account.move"]._cron_billing_reminders()
            worker2.flush_all()
            self.assertEqual(self._emails(worker2, ids["parent"]), 1)
            move = worker2["account.move"].browse(ids["move"])
            self.assertEqual(move.billing_reminder_step_ids.offset_days, 1)
            worker2.cr.rollback()
