from odoo import api, fields, models
from odoo.exceptions import UserError

from ..models.billing_input_bounds import billing_non_finite
from ..models.res_company import BILLING_METHODS


class ResPartnerBillingRefundCredit(models.TransientModel):
    """Refund Credit: shows what the account still owes (its open invoices)
    beside the credit, and offers to apply the credit to them instead. While
    any of them is overdue, giving the credit back needs "Refund anyway"."""

    _name = "res.partner.billing.refund.credit"
    _inherit = ["parent_billing.finite.mixin"]
    _description = "Refund a Parent's Credit"

    partner_id = fields.Many2one("res.partner", string="Parent", required=True, readonly=True)
    currency_id = fields.Many2one("res.currency", related="partner_id.billing_credit_currency_id")
    available = fields.Monetary(string="Unapplied Credit", related="partner_id.billing_credit_amount")
    open_invoice_ids = fields.Many2many(
        "account.move", string="Open Invoices", compute="_compute_open_invoices", readonly=True
    )
    open_amount = fields.Monetary(string="Open Balance", compute="_compute_open_invoices")
    open_overdue = fields.Boolean(compute="_compute_open_invoices")
    open_note = fields.Text(compute="_compute_open_invoices")
    refund_anyway = fields.Boolean(help="Give the credit back although invoices of this account are overdue.")
    amount = fields.Monetary(required=True)
    method = fields.Selection(BILLING_METHODS, required=True, default="check")
    reason = fields.Char(required=True)

    @api.depends("partner_id")
    def _compute_open_invoices(self):
        for wizard in self:
            invoices = (
                wizard.partner_id._billing_credit_open_invoices() if wizard.partner_id else self.env["account.move"]
            )
            currency = self.env.company.currency_id
            overdue = invoices.filtered(lambda m: m.billing_state == "overdue")
            wizard.open_invoice_ids = invoices
            wizard.open_amount = currency.round(sum(invoices.mapped("billing_amount_due")))
            wizard.open_overdue = bool(overdue)
            wizard.open_note = wizard._billing_open_note(invoices, overdue, currency)

    def _billing_open_note(self, invoices, overdue, currency):
        if not invoices:
            return False
        values = {
            "parent": self.partner_id.commercial_partner_id.display_name,
            "amount": currency.format(sum(invoices.mapped("billing_amount_due"))),
            "count": len(invoices),
            "overdue": len(overdue),
        }
        if overdue:
            return self.env._(
                "%(parent)s still owes %(amount)s on %(count)s open invoice(s), %(overdue)s of them overdue. "
                "Apply the credit to them instead, or tick Refund Anyway to give it back.",
                **values,
            )
        return self.env._(
            "%(parent)s still owes %(amount)s on %(count)s open invoice(s). You can apply the credit to them instead.",
            **values,
        )

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
        if self.open_overdue and not self.refund_anyway:
            raise UserError(self.open_note)
        self.partner_id._billing_refund_credit(self.amount, self.method, self.reason)
        return {"type": "ir.actions.act_window_close"}

    def action_apply_instead(self):
        """Apply the credit to the account's open invoices instead of refunding it."""
        self.ensure_one()
        action = self.partner_id.action_billing_apply_credit()
        # Close the dialog (the parent's form reloads) once the notification shows.
        action["params"]["next"] = {"type": "ir.actions.act_window_close"}
        return action
