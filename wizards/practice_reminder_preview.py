from odoo import fields, models


class PracticeReminderPreview(models.TransientModel):
    """One reminder the next run would send (Preview Tomorrow's Reminders)."""

    _name = "practice.reminder.preview"
    _inherit = ["practice.reminder.row"]
    _description = "Payment Reminder Preview"
    _order = "partner_id, id"

    step_id = fields.Many2one(ondelete="cascade")
