from odoo import api, fields, models


class AccountMoveBillingAmountMixin(models.AbstractModel):
    """The money dialogs (Record Payment, Issue Refund): NaN or infinity in
    ``amount`` is a clear error naming the field (``parent_billing.finite.mixin``),
    never a rounding crash."""

    _name = "account.move.billing.amount.mixin"
    _inherit = ["parent_billing.finite.mixin"]
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

    @api.model
    def _billing_check_finite(self, vals):
        if vals.get("amount") is not None:
            self.env["account.move"]._billing_check_amount(vals["amount"], self._billing_amount_kind())

    def _billing_amount_kind(self):
        """Which amount the errors name: "payment" or "refund"."""
        raise NotImplementedError
