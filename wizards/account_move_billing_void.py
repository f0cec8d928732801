from odoo import models


class AccountMoveBillingVoid(models.TransientModel):
    _name = "account.move.billing.void"
    _inherit = ["account.move.billing.reason.mixin"]
    _description = "Void Family Invoice"

    def action_void(self):
        return self._billing_apply_reason(self.move_id._billing_void)
