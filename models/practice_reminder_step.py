from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# The practice's default reminder steps: (mail template xml id, days from the due date, label).
DEFAULT_REMINDER_STEPS = (
    ("parent_billing.mail_template_reminder_coming_due", -3, "Coming due"),
    ("parent_billing.mail_template_reminder_overdue", 1, "Overdue"),
    ("parent_billing.mail_template_reminder_second", 15, "Second reminder"),
    ("parent_billing.mail_template_reminder_final", 30, "Final notice"),
)


class PracticeReminderStep(models.Model):
    """One payment reminder of a practice: an email to the parent a number of
    days before (negative) or after the due date of an open family invoice.
    The daily run (``account.move._cron_billing_reminders``) sends each step at
    most once per invoice, one step per invoice and run (the earliest due, the
    later ones keeping their spacing after it), records it on the invoice and
    logs it (``practice.reminder.log``)."""

    _name = "practice.reminder.step"
    _description = "Payment Reminder Step"
    _order = "company_id, offset_days, id"
    _check_company_auto = True

    name = fields.Char(string="Reminder", required=True, translate=True)
    company_id = fields.Many2one(
        "res.company", string="Practice", required=True, index=True, default=lambda self: self.env.company
    )
    offset_days = fields.Integer(
        string="Days From Due Date",
        required=True,
        help="When the reminder goes out: days after the due date, or before it when negative "
        "(-3: three days before, 1: the day after). An invoice gets one reminder per day at most: when several "
        "steps are due at once (reminders resumed, a collection hold ended), the earliest goes first and the "
        "later ones follow on later days, keeping their spacing.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Email",
        required=True,
        domain=[("model", "=", "res.partner")],
        help="The email to the parent (rendered on the parent; one email lists all of the parent's invoices "
        "that reach a step with this email on the same day).",
    )
    active = fields.Boolean(default=True)

    _sql_constraints = [
        (
            "offset_company_uniq",
            "UNIQUE(company_id, offset_days)",
            "A practice has one reminder step per day relative to the due date.",
        ),
    ]

    @api.constrains("mail_template_id")
    def _check_mail_template_id(self):
        for step in self:
            if step.mail_template_id.model != "res.partner":
                raise ValidationError(
                    self.env._(
                        "The email of reminder step %(step)s must be a template on Contact (the parent), "
                        "not on %(model)s.",
                        step=step.name,
                        model=step.mail_template_id.model_id.name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sent(self):
        sent = self.env["account.move"].sudo().search_count([("billing_reminder_step_ids", "in", self.ids)], limit=1)
        if sent:
            raise UserError(
                self.env._(
                    "Reminder step %(step)s has been sent on invoices: archive it instead of deleting it.",
                    step=", ".join(self.mapped("name")),
                )
            )

    @api.model
    def _billing_default_steps_vals(self, company):
        """The default steps of a practice, from the data templates."""
        vals_list = []
        for xmlid, offset, name in DEFAULT_REMINDER_STEPS:
            template = self.env.ref(xmlid, raise_if_not_found=False)
            if template:
                vals_list.append(
                    {"name": name, "offset_days": offset, "mail_template_id": template.id, "company_id": company.id}
                )
        return vals_list
