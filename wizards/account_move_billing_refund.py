from odoo import api, fields, models

from ..models.res_company import BILLING_METHODS


class AccountMoveBillingRefund(models.TransientModel):
    _name = "account.move.billing.refund"
    _inherit = ["account.move.billing.amount.mixin"]
    _description = "Refund Family Invoice"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_paid = fields.Monetary(related="move_id.billing_amount_refundable", string="Refundable")
    amount = fields.Monetary(required=True, currency_field="currency_id")
    reason = fields.Char(required=True)
    method = fields.Selection(
        BILLING_METHODS, help="How the money goes back; by default the method of the payment refunded."
    )
    credit_invoice = fields.Boolean(
        string="Also credit the invoice",
        help="Issue a credit note for the same amount so the balance stays at zero.",
    )
    can_use_processor = fields.Boolean(compute="_compute_can_use_processor")
    through_processor = fields.Boolean(string="Refund through the payment processor")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if move_id := res.get("move_id"):
            res.setdefault("amount", self.env["account.move"].browse(move_id).billing_amount_refundable)
        return res

    def _billing_amount_kind(self):
        return "refund"

    @api.depends("move_id")
    def _compute_can_use_processor(self):
        for wizard in self:
            wizard.can_use_processor = any(
                p.payment_transaction_id.state == "done"
                and p.payment_transaction_id.provider_id.support_refund in ("partial", "full_only")
                for p in wizard.move_id.sudo().billing_payment_ids
                if p.payment_type == "inbound" and p.state != "canceled"
            )

    def action_refund(self):
        self.ensure_one()
        self.move_id._billing_refund(
            self.amount,
            self.reason,
            credit_invoice=self.credit_invoice,
            method=self.method or None,
            through_processor=self.through_processor and self.can_use_processor,
        )
        return {"type": "ir.actions.act_window_close"}
