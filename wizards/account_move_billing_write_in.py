from odoo import fields, models


class AccountMoveBillingWriteIn(models.TransientModel):
    _name = "account.move.billing.write.in"
    _description = "Add Write-in Line"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    name = fields.Char(string="Description", required=True, help="Printed on the invoice, e.g. Materials fee.")
    units = fields.Float(required=True, default=1.0, digits="Product Unit of Measure")
    rate = fields.Monetary(required=True, currency_field="currency_id")

    def action_add(self):
        self.ensure_one()
        self.move_id._billing_add_write_in(self.name, self.units, self.rate)
        return {"type": "ir.actions.act_window_close"}
