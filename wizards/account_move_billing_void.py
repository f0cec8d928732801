from odoo import fields, models


class AccountMoveBillingVoid(models.TransientModel):
    _name = "account.move.billing.void"
    _description = "Void Family Invoice"

    move_id = fields.Many2one("account.move", required=True)
    reason = fields.Text(required=True)

    def action_void(self):
        self.ensure_one()
        self.move_id._billing_void(self.reason)
        return {"type": "ir.actions.act_window_close"}
