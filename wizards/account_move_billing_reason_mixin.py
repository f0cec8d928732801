from odoo import fields, models


class AccountMoveBillingReasonMixin(models.AbstractModel):
    """The dialogs that run one billing action on an invoice with the reason
    staff give (Void, Waive Late Fee, Release Payment, Open Dispute, Send Over
    Estimate): the invoice's method logs the reason."""

    _name = "account.move.billing.reason.mixin"
    _description = "Family Billing Reason Dialog"

    move_id = fields.Many2one("account.move", required=True)
    reason = fields.Text(required=True)

    def _billing_apply_reason(self, action):
        """Run ``action`` (a method of the invoice) with the reason; close the dialog."""
        self.ensure_one()
        action(self.reason)
        return {"type": "ir.actions.act_window_close"}
