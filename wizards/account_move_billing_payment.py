from odoo import api, fields, models

from ..models.res_company import BILLING_METHODS


class AccountMoveBillingPayment(models.TransientModel):
    _name = "account.move.billing.payment"
    _description = "Record Family Invoice Payment"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    amount_due = fields.Monetary(related="move_id.billing_amount_due", string="Balance")
    amount = fields.Monetary(required=True, currency_field="currency_id")
    date = fields.Date(required=True, default=fields.Date.context_today)
    method = fields.Selection(BILLING_METHODS, required=True, default="check")
    reference = fields.Char(help="Check number, transaction id, ...")
    keep_excess = fields.Boolean(
        string="Keep excess as credit",
        help="Accept more than the balance; the excess stays on the parent's account for the next invoice.",
    )
    is_overpayment = fields.Boolean(compute="_compute_is_overpayment")

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if move_id := res.get("move_id"):
            res.setdefault("amount", self.env["account.move"].browse(move_id).billing_amount_due)
        return res

    @api.depends("amount", "amount_due")
    def _compute_is_overpayment(self):
        for wizard in self:
            wizard.is_overpayment = wizard.currency_id.compare_amounts(wizard.amount, wizard.amount_due) > 0

    def action_record(self):
        self.ensure_one()
        self.move_id._billing_register_payment(
            self.amount, self.date, self.method, self.reference, keep_excess=self.keep_excess
        )
        return {"type": "ir.actions.act_window_close"}
