from odoo import fields, models


class MailTemplate(models.Model):
    _inherit = "mail.template"

    billing_reminder_step_ids = fields.One2many(
        "practice.reminder.step", "mail_template_id", string="Payment Reminder Steps", readonly=True
    )
