from odoo import api, fields, models

from ..models.res_company import BILLING_METHODS


class ResPartnerBillingRefundCredit(models.TransientModel):
    _name = "res.partner.billing.refund.credit"
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

    def action_refund(self):
        self.ensure_one()
        self.partner_id._billing_refund_credit(self.amount, self.method, self.reason)
        return {"type": "ir.actions.act_window_close"}
