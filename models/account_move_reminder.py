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
    - A run sends, per invoice, only the latest step reached (due date +
      offset <= today) and only if it is later than every step already sent.
      A run that starts late (the addon installed on old invoices, a cron
      down for days, a parent's reminders resumed) therefore sends one
      reminder, never a burst of the old ones; the steps it skipped are
      passed for good.
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
        """The step to send for this invoice today: the latest one reached, if
        it is later than every step already sent (empty otherwise)."""
        self.ensure_one()
        if (
            self.billing_state not in BILLING_OPEN_STATES
            or not self.invoice_date_due
            or self._billing_collection_held()
        ):
            return self.env["practice.reminder.step"]
        # After a collection hold, offsets count from the day it ended; a step
        # whose day fell during the hold is skipped.
        base = self._billing_collection_base_date()
        hold_end = self._billing_collection_hold_end()
        sent = self.billing_reminder_step_ids  # archived steps included: they were sent
        last_sent = max(sent.mapped("offset_days"), default=None)
        steps = (
            self.env["practice.reminder.step"]
            .sudo()
            .search([("company_id", "=", self.company_id.id)], order="offset_days desc")
        )
        for step in steps:
            if last_sent is not None and step.offset_days <= last_sent:
                break
            day = base + timedelta(days=step.offset_days)
            if day <= today:
                return step if not hold_end or day >= hold_end else self.env["practice.reminder.step"]
        return self.env["practice.reminder.step"]

    # ------------------------------------------------------------------
    # The daily run
    # ------------------------------------------------------------------
    @api.model
    @billing_transition
    def _cron_billing_reminders(self):
        """Daily: send the payment reminders due today, one parent at a time.
        Each parent's emails and the steps they record are committed together
        (outside tests), so a run killed half-way is finished by the next one
        and no step is ever sent twice."""
        today = fields.Date.context_today(self)
        Move = self.with_context(active_test=False)
        domain = Move._billing_reminder_domain(today)
        parents = [partner for (partner,) in Move._read_group(domain, ["partner_id"])]
        emails = reminded = 0
        for done, parent in enumerate(parents, start=1):
            moves = Move.search([*domain, ("partner_id", "=", parent.id)], order="invoice_date_due, id")
            sent_emails, sent_moves = moves._billing_send_reminders(today)
            emails += sent_emails
            reminded += sent_moves
            self._billing_commit_batch(done, len(parents) - done)
        _logger.info(
            "Family billing reminders: %d email(s) to %d parent(s) for %d invoice(s)", emails, len(parents), reminded
        )
        return True

    @billing_transition
    def _billing_send_reminders(self, today):
        """Send one parent's reminders due today (these are the parent's
        candidate invoices). Invoices another transaction holds are left for
        the next run. Returns (emails queued, invoices reminded)."""
        parent = self.partner_id
        parent.ensure_one()
        if not parent.email:
            _logger.info("Family billing reminders: parent #%d has no email address, nothing sent", parent.id)
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
                    self.browse([move.id for move, _step in pairs])._billing_post_reminder(template, pairs)
                    emails += 1
                    reminded += len(pairs)
        except UserError as error:
            _logger.warning("Family billing reminders: parent #%d not reminded now: %s", parent.id, error)
            return 0, 0
        return emails, reminded

    def _billing_post_reminder(self, template, pairs):
        """One email to the parent for these invoices with this template, then
        each invoice records its step and notes the reminder in its chatter."""
        parent = self.partner_id
        lang = parent.lang or self.env.lang
        parent._billing_email_parent(
            template,
            parent,
            billing_reminder_move_ids=self.ids,
            model_description=self.with_context(lang=lang).env._("Payment Reminder"),
        )
        numbers = ", ".join(self.mapped("name"))
        for move, step in pairs:
            move.write({"billing_reminder_step_ids": [Command.link(step.id)]})
            move.message_post(
                body=self.env._(
                    "Payment reminder %(step)s emailed to %(parent)s (the email lists %(invoices)s).",
                    step=step.name,
                    parent=parent.name,
                    invoices=numbers,
                ),
                subtype_xmlid="mail.mt_note",
            )
