from odoo import fields, models


class AccountMoveBillingDisputeOpen(models.TransientModel):
    _name = "account.move.billing.dispute.open"
    _inherit = ["account.move.billing.reason.mixin"]
    _description = "Open Dispute"

    currency_id = fields.Many2one(related="move_id.currency_id")
    days_since_sent = fields.Integer(related="move_id.billing_days_since_sent", string="Days Since First Sent")
    notice_date = fields.Date(string="Dispute Notice Date", required=True, default=fields.Date.context_today)

    def action_open(self):
        return self._billing_apply_reason(lambda reason: self.move_id._billing_open_dispute(reason, self.notice_date))
