from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.billing_input_bounds import billing_non_finite
from ..models.res_company import BILLING_METHODS


class ResPartnerBillingRefundCredit(models.TransientModel):
    _name = "res.partner.billing.refund.credit"
    _inherit = ["parent_billing.finite.mixin"]
    _description = "Refund a Parent's Credit"

    partner_id = fields.Many2one("res.partner", string="Parent", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", related="partner_id.billing_credit_currency_id")
    available = fields.Monetary(string="Unapplied Credit", related="partner_id.billing_credit_amount")
    amount = fields.Monetary(required=True)
    method = fields.Selection(BILLING_METHODS, required=True, default="check")
    reason = fields.Char(required=True)

    @api.model
    def default_get(self, fields_list):
        values = super().default_get(fields_list)
        if self.env.context.get("active_model") == "res.partner" and self.env.context.get("active_id"):
            partner = self.env["res.partner"].browse(self.env.context["active_id"])
            values["partner_id"] = partner.id
            values.setdefault("amount", partner.billing_credit_amount)
        return values

    @api.model
    def _billing_check_finite(self, vals):
        """NaN and infinity are a clear error before Odoo rounds them."""
        if billing_non_finite(vals, ("amount",)):
            raise UserError(self.env._("The credit refund amount must be a number above zero."))

    def action_refund(self):
        self.ensure_one()
        self.partner_id._billing_refund_credit(self.amount, self.method, self.reason)
        return {"type": "ir.actions.act_window_close"}
