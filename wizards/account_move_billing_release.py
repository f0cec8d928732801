from odoo import models


class AccountMoveBillingRelease(models.TransientModel):
    """A billing manager ends an invoice's stuck charge (an abandoned click, a
    processor that never answered), with a logged reason."""

    _name = "account.move.billing.release"
    _inherit = ["account.move.billing.reason.mixin"]
    _description = "Release a Payment in Progress"

    def action_release(self):
        return self._billing_apply_reason(self.move_id._billing_release_transaction)
