from odoo import fields, models


class AccountMoveBillingWaive(models.TransientModel):
    _name = "account.move.billing.waive"
    _description = "Waive Late Fee"

    move_id = fields.Many2one("account.move", required=True)
    late_fee_ids = fields.One2many(related="move_id.billing_late_fee_ids", string="Late Fees")
    currency_id = fields.Many2one(related="move_id.currency_id")
    reason = fields.Text(required=True)

    def action_waive(self):
        self.ensure_one()
        self.move_id._billing_waive_late_fee(self.reason)
        return {"type": "ir.actions.act_window_close"}
