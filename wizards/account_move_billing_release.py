from odoo import fields, models


class AccountMoveBillingRelease(models.TransientModel):
    """A billing manager ends an invoice's stuck charge (an abandoned click, a
    processor that never answered), with a logged reason."""

    _name = "account.move.billing.release"
    _description = "Release a Payment in Progress"

    move_id = fields.Many2one("account.move", required=True)
    reason = fields.Text(required=True)

    def action_release(self):
        self.ensure_one()
        self.move_id._billing_release_transaction(self.reason)
        return {"type": "ir.actions.act_window_close"}
