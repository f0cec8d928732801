from odoo import fields, models


class AccountMoveBillingSendOverEstimate(models.TransientModel):
    _name = "account.move.billing.send.over.estimate"
    _inherit = ["account.move.billing.reason.mixin"]
    _description = "Send Over Estimate"

    currency_id = fields.Many2one(related="move_id.currency_id")
    estimated = fields.Monetary(related="move_id.billing_estimate_amount")
    billed = fields.Monetary(related="move_id.billing_estimate_billed")

    def action_send(self):
        return self._billing_apply_reason(self.move_id._billing_send_over_estimate)
