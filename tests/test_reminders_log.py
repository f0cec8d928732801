"""Reminders as the clerk sees them (issue 24): the log of every reminder the
daily run sent (Billing → Reporting → Reminders Sent), the preview of
tomorrow's run (the run's own selection, nothing sent), one reminder per
invoice and run with the earliest step first, and who may read the log."""

from datetime import timedelta

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged

from .common import DUE
from .test_reminders import ReminderCommon


@tagged("post_install", "-at_install")
class TestRemindersLog(ReminderCommon):
    def _log(self, **domain):
        return self.env["practice.reminder.log"].search(
            [(name, "=", value) for name, value in domain.items()], order="id"
        )

    def _sent(self, moves):
        """(invoice, offset) of each reminder these invoices were sent."""
        return sorted((move.name, step.offset_days) for move in moves for step in move.billing_reminder_step_ids)

    def test_the_log_records_exactly_what_was_sent(self):
        first = self._invoice_due()
        second = self._invoice_due(units=1.0, count=1)  # 32.50
        chen = self._invoice_due(client=self.client_lily, units=1.0, count=1)
        self._run(DUE + timedelta(days=1))
        mails = self._reminders(self.parent_rivera) | self._reminders(self.parent_chen)
        log = self._log()
        self.assertEqual(len(mails), 2, "one email per parent")
        self.assertEqual(len(log), 3, "one row per invoice reminded")
        self.assertEqual(log.mail_message_id, mails.mail_message_id, "each row names the email it went in")
        self.assertEqual(len(log.mail_message_id), len(mails), "count of emails = mails queued")
        self.assertRecordValues(
            log.sorted(lambda row: row.move_id.id),
            [
                {
                    "run_date": DUE + timedelta(days=1),
                    "move_id": move.id,
                    "partner_id": parent.id,
                    "practice_client_id": client.id,
                    "step_id": self.step[1].id,
                    "days_past_due": 1,
                    "amount_due": amount,
                    "email_state": "ready",
                }
                for move, parent, client, amount in sorted(
                    [
                        (first, self.parent_rivera, self.client_sofia, 130.0),
                        (second, self.parent_rivera, self.client_sofia, 32.5),
                        (chen, self.parent_chen, self.client_lily, 32.5),
                    ],
                    key=lambda row: row[0].id,
                )
            ],
        )
        self.assertEqual(self._sent(log.move_id), sorted((row.move_id.name, 1) for row in log))
        # The email goes out: the row says so.
        mails.send()
        self.env.invalidate_all()
        self.assertNotIn("ready", log.mapped("email_state"), "the row follows the email's delivery")
        self.assertEqual(log.mapped("email_state"), [row.mail_notification_id.notification_status for row in log])
        # A second run the same day sends and logs nothing more.
        self._run(DUE + timedelta(days=1))
        self.assertEqual(len(self._log()), 3)

    def test_one_reminder_per_invoice_per_run(self):
        move = self._invoice_due()
        self.step[-3].active = False
        # Reminders switched on late: every step but the first is overdue too.
        late = DUE + timedelta(days=45)
        self._run(late)
        self._run(late)
        self.assertEqual(len(self._log(move_id=move.id)), 1)
        self.assertEqual(len(self._reminders(self.parent_rivera)), 1)
        self.assertEqual(move.billing_reminder_step_ids, self.step[1])

    def test_a_long_overdue_family_first_gets_the_first_step_then_the_others_spaced(self):
        move = self._invoice_due()
        late = DUE + timedelta(days=60)
        self._run(late)
        mails = self._reminders(self.parent_rivera)
        self.assertEqual(len(mails), 1)
        self.assertIn("past due", mails.subject, "the first overdue reminder, not the coming-due one")
        self.assertNotIn("final notice", mails.subject)
        self.assertEqual(move.billing_reminder_step_ids, self.step[1])
        # The second reminder 14 days later (15 - 1), the final one 15 days after it.
        sent_on = {}
        for day in range(61, 95):
            self._run(DUE + timedelta(days=day))
            for row in self._log(run_date=DUE + timedelta(days=day)):
                sent_on[row.step_id.offset_days] = day
        self.assertEqual(sent_on, {15: 74, 30: 89})
        self.assertEqual(self._log(move_id=move.id).mapped("days_past_due"), [60, 74, 89])

    def test_a_collection_hold_still_shifts_the_steps_one_at_a_time(self):
        move = self._invoice_due()
        self._run(DUE + timedelta(days=1))
        with freeze_time(DUE + timedelta(days=2)):
            self.parent_rivera.with_user(self.billing_user)._billing_pause_collections("Hardship, call first")
        for day in (15, 30, 45):
            self._run(DUE + timedelta(days=day))
        self.assertEqual(move.billing_reminder_step_ids, self.step[1], "nothing while held")
        end = DUE + timedelta(days=60)
        with freeze_time(end):
            self.parent_rivera.with_user(self.billing_user).action_billing_resume_collections()
        for day in range(0, 31):
            self._run(end + timedelta(days=day))
        self.assertEqual(
            [(row.step_id.offset_days, row.run_date) for row in self._log(move_id=move.id)],
            [(1, DUE + timedelta(days=1)), (15, end + timedelta(days=15)), (30, end + timedelta(days=30))],
            "offsets count from the end of the hold, one step at a time",
        )

    def test_the_preview_is_what_the_next_run_sends(self):
        today = DUE + timedelta(days=14)
        tomorrow = today + timedelta(days=1)
        reminded = self._invoice_due()  # +1 sent below: +15 due tomorrow
        self._run(DUE + timedelta(days=1))
        coming = self._invoice_due(due=tomorrow + timedelta(days=3), units=1.0, count=1)  # -3 tomorrow
        late = self._invoice_due(due=DUE - timedelta(days=40), client=self.client_lily)  # never reminded: +1
        self._invoice_due(due=tomorrow + timedelta(days=10), units=1.0, count=1)  # nothing yet
        paid = self._invoice_due(units=1.0, count=1)
        paid._billing_register_payment(32.5, DUE, "cash", "")
        self._run(today)
        self.assertEqual(len(self._log(run_date=today)), 1, "today's run reminded the late invoice only")
        self.assertEqual(late.billing_reminder_step_ids, self.step[1])
        late_step = DUE - timedelta(days=40) + timedelta(days=15)
        self.assertLess(late_step, tomorrow, "its next step is reached but waits for its spacing")

        with freeze_time(today):
            action = self.env["practice.reminder.log"].with_user(self.billing_user).action_billing_preview_tomorrow()
        preview = self.env[action["res_model"]].with_user(self.billing_user).search(action["domain"])
        self.assertEqual(
            sorted((row.move_id.name, row.step_id.offset_days, row.amount_due) for row in preview),
            sorted([(reminded.name, 15, 130.0), (coming.name, -3, 32.5)]),
        )
        self.assertEqual(set(preview.mapped("run_date")), {tomorrow})
        self.assertFalse(self._log(run_date=tomorrow), "the preview sends nothing")
        emails = len(self.env["mail.mail"].search([]))

        # Tomorrow's run, by the run's date argument: exactly the preview.
        self.env["account.move"]._cron_billing_reminders(today=tomorrow)
        self.env.invalidate_all()
        self.assertEqual(
            sorted((row.move_id.name, row.step_id.offset_days, row.amount_due) for row in self._log(run_date=tomorrow)),
            sorted((row.move_id.name, row.step_id.offset_days, row.amount_due) for row in preview),
        )
        self.assertEqual(len(self.env["mail.mail"].search([])), emails + 2, "two templates: two emails")

    def test_billing_users_read_the_log_nobody_edits_it(self):
        self._invoice_due()
        self._run(DUE + timedelta(days=1))
        row = self._log()
        self.assertEqual(len(row), 1)
        for user in (self.billing_user, self.billing_manager):
            log = self.env["practice.reminder.log"].with_user(user)
            self.assertEqual(log.search([]), row)
            self.assertEqual(row.with_user(user).read(["step_id"])[0]["step_id"][0], self.step[1].id)
            for operation in ("write", "create", "unlink"):
                self.assertFalse(row.with_user(user).has_access(operation), f"{user.login} may {operation}")
            with self.assertRaises(UserError):  # an AccessError is a UserError too
                row.with_user(user).write({"days_past_due": 0})
            with self.assertRaises(AccessError):
                row.with_user(user).unlink()
            with self.assertRaises(UserError):
                log.create({"move_id": row.move_id.id, "step_id": self.step[15].id, "run_date": DUE})
        # Not even an administrator writes it outside the run.
        with self.assertRaisesRegex(UserError, "written by the daily reminders run only"):
            row.write({"step_id": self.step[30].id})
        with self.assertRaisesRegex(UserError, "written by the daily reminders run only"):
            row.create({"move_id": row.move_id.id, "step_id": self.step[15].id, "run_date": DUE})
        portal = self._portal_user("maria", self.parent_rivera)
        with self.assertRaises(AccessError):
            self.env["practice.reminder.log"].with_user(portal).search([])
        with self.assertRaises(AccessError):
            row.with_user(portal).read(["move_id"])
        with self.assertRaises(AccessError):
            self.env["practice.reminder.log"].with_user(portal).action_billing_preview_tomorrow()
        # The clerk finds it under Billing → Reporting.
        menu = self.env.ref("parent_billing.practice_reminder_log_menu")
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.billing_user)._visible_menu_ids())
        self.assertEqual(menu.parent_id, self.env.ref("parent_billing.parent_billing_menu_reporting"))


@tagged("post_install", "-at_install")
class TestRemindersLogTour(ReminderCommon, HttpCase):
    def test_clerk_sees_this_mornings_reminders_and_tomorrows(self):
        """The run this morning reminds two overdue invoices; the clerk opens
        Reminders Sent, filters Today, sees both, then previews tomorrow."""
        today = fields.Date.context_today(self.env["account.move"])
        leo = self._billing_client("Leo Rivera", self.parent_rivera, "client")
        older = self._invoice_due(due=today - timedelta(days=5), client=leo, units=1.0, count=1)
        self.env["account.move"]._cron_billing_reminders(today=today - timedelta(days=4))  # a past run
        first = self._invoice_due(due=today - timedelta(days=1))
        second = self._invoice_due(due=today - timedelta(days=1), client=self.client_lily, units=1.0, count=1)
        self._invoice_due(due=today + timedelta(days=4), units=1.0, count=1)  # coming due tomorrow
        self.env["account.move"]._cron_billing_reminders()
        self.env.invalidate_all()
        log = self.env["practice.reminder.log"].search([("run_date", "=", today)])
        self.assertEqual(log.move_id, first | second)
        self.assertEqual(older.billing_reminder_step_ids, self.step[1])
        self.start_tour(
            "/odoo/action-parent_billing.practice_reminder_log_action",
            "parent_billing_reminders_log",
            login=self.billing_user.login,
        )
