from odoo import fields, models


class AccountMoveBillingSendOverEstimate(models.TransientModel):
    _name = "account.move.billing.send.over.estimate"
    _description = "Send Over Estimate"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    estimated = fields.Monetary(related="move_id.billing_estimate_amount", currency_field="currency_id")
    billed = fields.Monetary(related="move_id.billing_estimate_billed", currency_field="currency_id")
    reason = fields.Text(required=True)

    def action_send(self):
        self.ensure_one()
        self.move_id._billing_send_over_estimate(self.reason)
        return {"type": "ir.actions.act_window_close"}
