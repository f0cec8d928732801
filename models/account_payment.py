from odoo import api, fields, models

from .res_company import BILLING_METHODS


class AccountPayment(models.Model):
    _inherit = "account.payment"

    billing_move_id = fields.Many2one(
        "account.move", string="Family Invoice", index="btree_not_null", copy=False, readonly=True
    )
    billing_method = fields.Selection(BILLING_METHODS, copy=False, readonly=True)
    billing_reference = fields.Char(
        string="Staff Reference",
        copy=False,
        readonly=True,
        help="The reference staff typed when recording the payment (check number, processor id, ...), as typed. "
        "Empty when staff typed none; the memo then holds the invoice number.",
    )
    billing_reason = fields.Char(string="Refund Reason", copy=False, readonly=True)
    billing_signed_amount = fields.Monetary(
        string="Amount",
        compute="_compute_billing_signed_amount",
        currency_field="currency_id",
        help="Money in from the parent; a refund is negative.",
    )
    billing_kind = fields.Selection(
        [("payment", "Payment"), ("refund", "Refund")], string="Kind", compute="_compute_billing_signed_amount"
    )

    @api.depends("amount", "payment_type")
    def _compute_billing_signed_amount(self):
        for payment in self:
            refund = payment.payment_type == "outbound"
            payment.billing_signed_amount = -payment.amount if refund else payment.amount
            payment.billing_kind = "refund" if refund else "payment"
