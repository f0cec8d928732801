from odoo import models
from odoo.exceptions import UserError

from .account_move import BILLING_OPEN_STATES


class ResPartner(models.Model):
    """What a parent owes now and Pay all: the open family invoices of the
    account her portal login sees, paid with one transaction that lands
    split per invoice (``payment.transaction._create_payment``)."""

    _inherit = "res.partner"

    def _billing_pay_all_invoices(self):
        """The open family invoices this partner's portal login sees (their
        open late fees are paid with them), oldest due first."""
        self.ensure_one()
        Move = self.env["account.move"]
        return Move.search(
            [
                *Move._billing_family_domain(),
                ("state", "=", "posted"),
                ("billing_state", "in", BILLING_OPEN_STATES),
                ("billing_send_pending", "=", False),  # not in the portal until its PDF and email are made
                *self._billing_portal_move_domain(),
            ],
            order="invoice_date_due, id",
        ).filtered(lambda m: not m.currency_id.is_zero(m.billing_amount_due))

    def _billing_amount_owed(self):
        """ "You owe": the open family invoices and their open late fees less
        the account's unapplied credit, never below zero; with the invoices
        behind it and their currency."""
        self.ensure_one()
        invoices = self._billing_pay_all_invoices()
        company = invoices[:1].company_id or self.env.company
        currency = invoices[:1].currency_id or company.currency_id
        due = sum(invoices.mapped("billing_amount_due"))
        credit = self.commercial_partner_id.with_company(company).sudo().billing_credit_amount
        return {"invoices": invoices, "currency": currency, "amount": max(currency.round(due - credit), 0.0)}

    def _billing_check_pay_all(self, amount):
        """Refuse a Pay all of ``amount``: nothing open, several practices or
        currencies, a charge of one of them in progress, an amount not above
        zero or above their total. Returns the invoices it pays."""
        self.ensure_one()
        invoices = self._billing_pay_all_invoices()
        if not invoices:
            raise UserError(self.env._("There is no open invoice to pay."))
        if len(invoices.company_id) > 1 or len(invoices.currency_id) > 1:
            raise UserError(
                self.env._("Your open invoices are from several practices or currencies: pay them one at a time.")
            )
        currency = invoices.currency_id
        total = currency.round(sum(invoices.mapped("billing_amount_due")))
        value = self.env["account.move"]._billing_payment_value(amount, currency)
        if currency.compare_amounts(value, total) > 0:
            amounts = {"amount": currency.format(value), "total": currency.format(total)}
            raise UserError(
                self.env._("The payment %(amount)s is more than the %(total)s of your open invoices.", **amounts)
            )
        # A charge of one of them in progress (Pay now, autopay) refuses it, naming it.
        invoices._billing_check_chargeable(value)
        return invoices
