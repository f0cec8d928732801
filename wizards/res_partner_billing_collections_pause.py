from odoo import fields, models


class ResPartnerBillingCollectionsPause(models.TransientModel):
    _name = "res.partner.billing.collections.pause"
    _description = "Pause Collections"

    partner_id = fields.Many2one("res.partner", string="Account", required=True)
    reason = fields.Char(required=True)

    def action_pause(self):
        self.ensure_one()
        self.partner_id._billing_pause_collections(self.reason)
        return {"type": "ir.actions.act_window_close"}
