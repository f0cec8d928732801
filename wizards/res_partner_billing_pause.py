from odoo import fields, models


class ResPartnerBillingPause(models.TransientModel):
    _name = "res.partner.billing.pause"
    _description = "Pause Payment Reminders"

    partner_id = fields.Many2one("res.partner", string="Parent", required=True)
    reason = fields.Char(required=True)

    def action_pause(self):
        self.ensure_one()
        self.partner_id._billing_pause_reminders(self.reason)
        return {"type": "ir.actions.act_window_close"}
