from odoo import api, fields, models
from odoo.tools import SQL

from ..models.res_company import BILLING_METHODS


class AccountMoveBillingPayment(models.TransientModel):
    _name = "account.move.billing.payment"
    _inherit = ["account.move.billing.amount.mixin"]
    _description = "Record Family Invoice Payment"

    amount_due = fields.Monetary(related="move_id.billing_amount_due", string="Balance")
    date = fields.Date(required=True, default=fields.Date.context_today)
    method = fields.Selection(BILLING_METHODS, required=True, default="check")
    reference = fields.Char(help="Check number, transaction id, ...")
    keep_excess = fields.Boolean(
        string="Keep excess as credit",
        help="Accept more than the balance; the excess stays on the parent's account for the next invoice.",
    )
    is_overpayment = fields.Boolean(compute="_compute_is_overpayment")
    excess_amount = fields.Monetary(
        string="Credit to the parent", compute="_compute_is_overpayment", currency_field="currency_id"
    )
    payment_id = fields.Many2one("account.payment", readonly=True, help="The payment this dialog recorded.")

    def _billing_default_amount(self, move):
        return move.billing_amount_due

    def _billing_amount_kind(self):
        return "payment"

    @api.depends("amount", "amount_due")
    def _compute_is_overpayment(self):
        for wizard in self:
            wizard.is_overpayment = wizard.currency_id.compare_amounts(wizard.amount, wizard.amount_due) > 0
            wizard.excess_amount = wizard.amount - wizard.amount_due if wizard.is_overpayment else 0.0

    def action_record(self):
        """Record the payment once: the dialog's row is locked, so a second
        click (or a second request) waits and then finds the payment made."""
        self.ensure_one()
        self.env.cr.execute(SQL("SELECT id FROM %s WHERE id = %s FOR UPDATE", SQL.identifier(self._table), self.id))
        self.invalidate_recordset(["payment_id"])
        if not self.payment_id:
            self.payment_id = self.move_id._billing_register_payment(
                self.amount, self.date, self.method, self.reference, keep_excess=self.keep_excess
            )
        return {"type": "ir.actions.act_window_close"}
