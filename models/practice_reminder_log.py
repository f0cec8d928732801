from datetime import timedelta

from odoo import fields, models
from odoo.tools.misc import format_date


class PracticeReminderRow(models.AbstractModel):
    """What the clerk sees of one payment reminder: the invoice, its parent
    and client, the step, and on which run's day. Shared by the reminders log
    (what went out) and the preview (what the next run would send)."""

    _name = "practice.reminder.row"
    _description = "Payment Reminder Row"

    run_date = fields.Date(required=True, readonly=True, index=True)
    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Parent", readonly=True, index=True)
    practice_client_id = fields.Many2one("practice.client", string="Client", readonly=True)
    step_id = fields.Many2one(
        "practice.reminder.step", string="Reminder", required=True, readonly=True, ondelete="restrict"
    )
    company_id = fields.Many2one("res.company", string="Practice", required=True, readonly=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    days_past_due = fields.Integer(readonly=True, help="Days past the due date on the run's day (negative: before it).")
    amount_due = fields.Monetary(string="Balance", readonly=True, help="The invoice's balance on the run's day.")


class PracticeReminderLog(models.Model):
    """One payment reminder that went out, written by the daily run
    (``account.move._cron_billing_reminders``) when it sends a step for an
    invoice and never changed afterwards: billing staff read it (Billing →
    Reporting → Reminders Sent), nobody writes it. The log starts with the
    addon's version that added it: reminders sent before are only on the
    invoices (``billing_reminder_step_ids``) and in their chatter."""

    _name = "practice.reminder.log"
    _inherit = ["practice.reminder.row", "parent_billing.protected.mixin"]
    _description = "Payment Reminder Sent"
    _order = "sent_at desc, id desc"
    _rec_name = "move_id"
    _billing_protect_create = True

    move_id = fields.Many2one(index=True)
    sent_at = fields.Datetime(string="Sent", required=True, readonly=True, default=fields.Datetime.now)
    mail_message_id = fields.Many2one("mail.message", string="Email Message", readonly=True)
    mail_notification_id = fields.Many2one("mail.notification", string="Email Delivery", readonly=True)
    email_state = fields.Selection(
        related="mail_notification_id.notification_status",
        string="Email",
        help="Where the email to the parent is: queued, sent, bounced or failed (empty once Odoo cleaned it up).",
    )

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {
            name for name, field in self._fields.items() if field.store and not field.automatic
        }

    def _billing_transition_error(self, fields, create=False):
        return self.env._(
            "The reminders log is written by the daily reminders run only: %(fields)s cannot be set by hand.",
            fields=self._billing_field_labels(fields),
        )

    def action_billing_preview_tomorrow(self):
        """The reminders tomorrow's run would send with the invoices as they
        are now (the run's own selection, nothing sent). A list button shown
        with or without selected rows: they are ignored."""
        self.check_access("read")
        day = fields.Date.context_today(self) + timedelta(days=1)
        pairs = self.env["account.move"].sudo()._billing_reminders_due(day)
        vals_list = [
            move._billing_reminder_row_vals(step, day) for move, step in pairs if move.company_id in self.env.companies
        ]
        rows = self.env["practice.reminder.preview"].sudo().create(vals_list)
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Reminders on %(date)s", date=format_date(self.env, day)),
            "res_model": "practice.reminder.preview",
            "view_mode": "list",
            "views": [(False, "list")],
            "domain": [("id", "in", rows.ids)],
            "context": {"create": False, "edit": False, "delete": False},
        }
