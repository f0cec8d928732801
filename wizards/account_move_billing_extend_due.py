from odoo import fields, models


class AccountMoveBillingExtendDue(models.TransientModel):
    _name = "account.move.billing.extend.due"
    _description = "Extend Due Date"

    move_id = fields.Many2one("account.move", required=True)
    current_due_date = fields.Date(related="move_id.invoice_date_due", string="Current Due Date")
    due_date = fields.Date(string="New Due Date", required=True)
    reason = fields.Text(required=True)

    def action_extend(self):
        self.ensure_one()
        self.move_id._billing_extend_due_date(self.due_date, self.reason)
        return {"type": "ir.actions.act_window_close"}
