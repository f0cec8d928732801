from odoo import fields, models


class ResPartnerBillingPause(models.TransientModel):
    _name = "res.partner.billing.pause"
    _inherit = ["res.partner.billing.pause.mixin"]
    _description = "Pause Payment Reminders"
    _billing_pause_method = "_billing_pause_reminders"

    partner_id = fields.Many2one(string="Parent")
