from odoo import fields, models


class AccountMoveBillingDisputeOpen(models.TransientModel):
    _name = "account.move.billing.dispute.open"
    _description = "Open Dispute"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    days_since_sent = fields.Integer(related="move_id.billing_days_since_sent", string="Days Since First Sent")
    notice_date = fields.Date(string="Dispute Notice Date", required=True, default=fields.Date.context_today)
    reason = fields.Text(required=True)

    def action_open(self):
        self.ensure_one()
        self.move_id._billing_open_dispute(self.reason, self.notice_date)
        return {"type": "ir.actions.act_window_close"}
