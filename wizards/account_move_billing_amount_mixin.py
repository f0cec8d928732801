from odoo import api, fields, models


class AccountMoveBillingAmountMixin(models.AbstractModel):
    """The money dialogs (Record Payment, Issue Refund): NaN or infinity in
    ``amount`` is a clear error naming the field, on create, write and
    onchange, never a rounding crash."""

    _name = "account.move.billing.amount.mixin"
    _description = "Family Billing Amount Dialog"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount = fields.Monetary(required=True, currency_field="currency_id")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if move_id := res.get("move_id"):
            res.setdefault("amount", self._billing_default_amount(self.env["account.move"].browse(move_id)))
        return res

    def _billing_default_amount(self, move):
        """The amount the dialog opens with."""
        raise NotImplementedError

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_amount_vals(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._check_amount_vals(vals)
        return super().write(vals)

    def onchange(self, values, field_names, fields_spec):
        self._check_amount_vals(values)
        return super().onchange(values, field_names, fields_spec)

    def _check_amount_vals(self, vals):
        if vals.get("amount") is not None:
            self.env["account.move"]._billing_check_amount(vals["amount"], self._billing_amount_kind())

    def _billing_amount_kind(self):
        """Which amount the errors name: "payment" or "refund"."""
        raise NotImplementedError
