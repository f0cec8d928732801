from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.billing_input_bounds import billing_non_finite


class AccountMoveBillingWriteIn(models.TransientModel):
    _name = "account.move.billing.write.in"
    _inherit = ["parent_billing.finite.mixin"]
    _description = "Add Write-in Line"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    name = fields.Char(string="Description", required=True, help="Printed on the invoice, e.g. Materials fee.")
    units = fields.Float(required=True, default=1.0, digits="Product Unit of Measure")
    rate = fields.Monetary(required=True, currency_field="currency_id")

    @api.model
    def _billing_check_finite(self, vals):
        """NaN and infinity are a clear error before Odoo rounds them."""
        bad = billing_non_finite(vals, ("units", "rate"))
        if bad == "units":
            raise UserError(self.env._("The units of a write-in line must be a number above zero."))
        if bad == "rate":
            raise UserError(self.env._("The rate of a write-in line must be an amount above zero."))

    def action_add(self):
        self.ensure_one()
        self.move_id._billing_add_write_in(self.name, self.units, self.rate)
        return {"type": "ir.actions.act_window_close"}
