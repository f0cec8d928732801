from odoo import fields, models


class ResPartnerBillingCollectionsPause(models.TransientModel):
    _name = "res.partner.billing.collections.pause"
    _inherit = ["res.partner.billing.pause.mixin"]
    _description = "Pause Collections"
    _billing_pause_method = "_billing_pause_collections"

    partner_id = fields.Many2one(string="Account")
