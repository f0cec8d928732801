from odoo import fields, models


class AccountMoveBillingWaive(models.TransientModel):
    _name = "account.move.billing.waive"
    _inherit = ["account.move.billing.reason.mixin"]
    _description = "Waive Late Fee"

    late_fee_ids = fields.One2many(related="move_id.billing_late_fee_ids", string="Late Fees")
    currency_id = fields.Many2one(related="move_id.currency_id")

    def action_waive(self):
        return self._billing_apply_reason(self.move_id._billing_waive_late_fee)
