from odoo import api, fields, models

from ..models.res_company import BILLING_METHODS


class AccountMoveBillingRefund(models.TransientModel):
    _name = "account.move.billing.refund"
    _inherit = ["account.move.billing.amount.mixin"]
    _description = "Refund Family Invoice"

    amount_paid = fields.Monetary(related="move_id.billing_amount_refundable", string="Refundable")
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

    def _billing_default_amount(self, move):
        return move.billing_amount_refundable

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
