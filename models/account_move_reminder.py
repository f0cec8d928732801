import logging
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from .account_move import BILLING_OPEN_STATES
from .account_move_seal import billing_transition

_logger = logging.getLogger(__name__)


class AccountMove(models.Model):
    """Payment reminders: the daily run emails parents about open family
    invoices at the practice's reminder steps (``practice.reminder.step``).

    - Only sent and overdue invoices get reminders (never drafts, paid or
      voided ones), and none goes to a parent whose reminders staff paused.
    - Each step goes out at most once per invoice: the steps sent are recorded
      on the invoice (``billing_reminder_step_ids``, a field only this run
      writes, see ``account_move_seal``).
    - A run sends, per invoice, at most one step: the earliest one reached
      that is later than every step already sent. A run that starts late
      (reminders switched on for old invoices, a cron down for days, a
      parent's reminders resumed) therefore starts with the first step, never
      a "final notice"; the later steps follow on later runs, each keeping its
      spacing from the one sent before it. A step before the due date is
      passed once the due date is (an overdue invoice is not "coming due").
    - Every reminder sent is logged (``practice.reminder.log``, Billing →
      Reporting → Reminders Sent). ``_billing_reminders_due(day)`` is the one
      selection: the run calls it with today, the preview with tomorrow.
    - A parent gets one email per email template per day, listing each of
      their invoices that reached a step with that template; each invoice
      logs the reminder in its chatter (internal note).
    - Nothing is posted to the ledger.
    """

    _inherit = "account.move"

    billing_reminder_step_ids = fields.Many2many(
        "practice.reminder.step",
        "account_move_practice_reminder_step_rel",
        "move_id",
        "step_id",
        string="Reminders Sent",
        readonly=True,
        copy=False,
        context={"active_test": False},
        help="The payment reminder steps already sent for this invoice: each is sent at most once.",
    )
    billing_reminders_paused = fields.Boolean(
        related="partner_id.billing_reminders_paused", groups="parent_billing.parent_billing_group_user"
    )
    billing_reminders_pause_reason = fields.Char(
        related="partner_id.billing_reminders_pause_reason", groups="parent_billing.parent_billing_group_user"
    )

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_reminder_step_ids"}

    # ------------------------------------------------------------------
    # Which step is due
    # ------------------------------------------------------------------
    @api.model
    def _billing_reminder_domain(self, today):
        """Open family invoices of parents not paused that reached a reminder
        step of their practice later than every step they were sent."""
        steps = self.env["practice.reminder.step"].sudo().search([("active", "=", True)])
        if not steps:
            return expression.FALSE_DOMAIN
        reached = expression.OR(
            [
                [
                    ("company_id", "=", step.company_id.id),
                    ("invoice_date_due", "<=", fields.Date.subtract(today, days=step.offset_days)),
                    ("billing_reminder_step_ids", "not any", [("offset_days", ">=", step.offset_days)]),
                ]
                for step in steps
            ]
        )
        return expression.AND(
            [
                [
                    ("billing_state", "in", BILLING_OPEN_STATES),
                    ("partner_id.billing_reminders_paused", "=", False),
                ],
                reached,
            ]
        )

    def _billing_reminder_step_due(self, today):
        """The step to send for this invoice on ``today`` (empty if none): the
        earliest active step later than every step already sent, once its day
        is reached. Its day is the due date + its offset, and at least its
        spacing (offset difference) after the day the previous step was sent,
        so steps never come in a burst. After a collection hold, offsets count
        from the day it ended and a step whose day fell during the hold is
        skipped; a step before the due date is skipped once the due date has
        passed."""
        self.ensure_one()
        Step = self.env["practice.reminder.step"]
        if (
            self.billing_state not in BILLING_OPEN_STATES
            or not self.invoice_date_due
            or self._billing_collection_held()
        ):
            return Step
        base = self._billing_collection_base_date()
        hold_end = self._billing_collection_hold_end()
        sent = self.billing_reminder_step_ids  # archived steps included: they were sent
        last = sent.sorted("offset_days")[-1:]
        last_sent_on = last and self._billing_reminder_sent_on(last)
        domain = [("company_id", "=", self.company_id.id), ("active", "=", True)]
        if last:
            domain.append(("offset_days", ">", last.offset_days))
        for step in Step.sudo().search(domain, order="offset_days"):
            day = base + timedelta(days=step.offset_days)
            if (hold_end and day < hold_end) or (step.offset_days < 0 and today > base):
                continue  # passed: reached during a hold, or "coming due" once overdue
            if last_sent_on:
                day = max(day, last_sent_on + timedelta(days=step.offset_days - last.offset_days))
            return step if day <= today else Step
        return Step

    def _billing_reminder_sent_on(self, step):
        """The run date ``step`` was sent for this invoice (False when it was
        sent before reminders were logged)."""
        log = (
            self.env["practice.reminder.log"]
            .sudo()
            .search([("move_id", "=", self.id), ("step_id", "=", step.id)], order="run_date desc", limit=1)
        )
        return log.run_date

    @api.model
    def _billing_reminders_due(self, day):
        """The reminders the run of ``day`` sends, as [(invoice, step)] ordered
        by parent and due date: one step per invoice, for parents with an
        email address. The one selection: the daily run calls it with today,
        the preview with tomorrow."""
        Move = self.with_context(active_test=False)
        moves = Move.search(Move._billing_reminder_domain(day), order="partner_id, invoice_date_due, id")
        for parent in moves.partner_id.filtered(lambda p: not p.email):
            _logger.info("Family billing reminders: parent #%d has no email address, no reminder", parent.id)
        return [
            (move, step) for move in moves if move.partner_id.email and (step := move._billing_reminder_step_due(day))
        ]

    # ------------------------------------------------------------------
    # The daily run
    # ------------------------------------------------------------------
    @api.model
    @billing_transition
    def _cron_billing_reminders(self, today=None):
        """Daily: send the payment reminders due ``today`` (default: today),
        one parent at a time. Each parent's emails, the steps they record and
        their log rows are committed together (outside tests), so a run killed
        half-way is finished by the next one and no step is ever sent twice."""
        today = today or fields.Date.context_today(self)
        by_parent = {}
        for move, _step in self._billing_reminders_due(today):
            by_parent[move.partner_id] = by_parent.get(move.partner_id, move.browse()) | move
        emails = reminded = 0
        for done, moves in enumerate(by_parent.values(), start=1):
            sent_emails, sent_moves = moves._billing_send_reminders(today)
            emails += sent_emails
            reminded += sent_moves
            self._billing_commit_batch(done, len(by_parent) - done)
        _logger.info(
            "Family billing reminders: %d email(s) to %d parent(s) for %d invoice(s)", emails, len(by_parent), reminded
        )
        return True

    @billing_transition
    def _billing_send_reminders(self, today):
        """Send one parent's reminders due ``today`` (these are the parent's
        invoices the selection found). Invoices another transaction holds are
        left for the next run; the others are re-read and their step checked
        again once locked. Returns (emails queued, invoices reminded)."""
        parent = self.partner_id
        parent.ensure_one()
        if not parent.email:  # removed since the selection
            return 0, 0
        emails = reminded = 0
        try:
            with self.env.cr.savepoint():
                by_template = {}
                for move in self._billing_try_lock():
                    if move.partner_id.billing_reminders_paused:
                        continue
                    if step := move._billing_reminder_step_due(today):
                        by_template.setdefault(step.mail_template_id, []).append((move, step))
                for template, pairs in by_template.items():
                    self.browse([move.id for move, _step in pairs])._billing_post_reminder(template, pairs, today)
                    emails += 1
                    reminded += len(pairs)
        except UserError as error:
            _logger.warning("Family billing reminders: parent #%d not reminded now: %s", parent.id, error)
            return 0, 0
        return emails, reminded

    def _billing_post_reminder(self, template, pairs, today):
        """One email to the parent for these invoices with this template, then
        each invoice records its step, notes the reminder in its chatter and
        the reminders log gets a row."""
        parent = self.partner_id
        lang = parent.lang or self.env.lang
        message = parent._billing_email_parent(
            template,
            parent,
            billing_reminder_move_ids=self.ids,
            model_description=self.with_context(lang=lang).env._("Payment Reminder"),
        )
        notification = message.notification_ids.filtered(lambda n: n.res_partner_id == parent)[:1]
        emailed = {"parent": parent.name, "invoices": ", ".join(self.mapped("name"))}
        for move, step in pairs:
            move.write({"billing_reminder_step_ids": [Command.link(step.id)]})
            move.message_post(
                body=self.env._(
                    "Payment reminder %(step)s emailed to %(parent)s (the email lists %(invoices)s).",
                    step=step.name,
                    **emailed,
                ),
                subtype_xmlid="mail.mt_note",
            )
        self.env["practice.reminder.log"].sudo().create(
            [
                {
                    **move._billing_reminder_row_vals(step, today),
                    "mail_message_id": message.id,
                    "mail_notification_id": notification.id,
                }
                for move, step in pairs
            ]
        )

    def _billing_reminder_row_vals(self, step, day):
        """What the log and the preview show of this invoice reminded with
        ``step`` on ``day``."""
        self.ensure_one()
        return {
            "run_date": day,
            "move_id": self.id,
            "partner_id": self.partner_id.id,
            "practice_client_id": self.practice_client_id.id,
            "step_id": step.id,
            "company_id": self.company_id.id,
            "days_past_due": (day - self.invoice_date_due).days,
            "amount_due": self.billing_amount_due,
        }
