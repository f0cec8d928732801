from odoo import fields, models


class ResPartnerBillingPause(models.TransientModel):
    _name = "res.partner.billing.pause"
    _inherit = ["res.partner.billing.pause.mixin"]
    _description = "Pause Payment Reminders"

    partner_id = fields.Many2one(string="Parent")
