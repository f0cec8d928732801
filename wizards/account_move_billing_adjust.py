from odoo import fields, models


class AccountMoveBillingAdjust(models.TransientModel):
    _name = "account.move.billing.adjust"
    _description = "Family Invoice Discount or Surcharge"

    move_id = fields.Many2one("account.move", required=True)
    kind = fields.Selection([("discount", "Discount"), ("surcharge", "Surcharge")], required=True, default="discount")
    amount_type = fields.Selection([("fixed", "Fixed amount"), ("percent", "Percent")], required=True, default="fixed")
    value = fields.Float(required=True, digits="Account")
    label = fields.Char(help="Shown on the invoice line; defaults to Discount / Surcharge.")

    def action_apply(self):
        self.ensure_one()
        self.move_id._billing_add_adjustment(self.kind, self.amount_type, self.value, self.label)
        return {"type": "ir.actions.act_window_close"}
