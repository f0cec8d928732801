import math

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from .base import billing_number
from .res_company import BILLING_METHODS


class ResPartner(models.Model):
    """A parent's unapplied credit, and Refund Credit: staff give it back
    instead of letting the next sent invoice use it."""

    _inherit = "res.partner"

    billing_credit_amount = fields.Monetary(
        "Unapplied Credit",
        compute="_compute_billing_credit_amount",
        compute_sudo=True,
        currency_field="billing_credit_currency_id",
        help="Money the parent has on account (overpayments kept as credit, payments on voided invoices, "
        "credit notes): applied to her next sent invoice, oldest first, unless refunded.",
    )
    billing_credit_currency_id = fields.Many2one(
        "res.currency", compute="_compute_billing_credit_amount", compute_sudo=True
    )

    def _compute_billing_credit_amount(self):
        company = self.env.company
        for partner in self:
            partner.billing_credit_currency_id = company.currency_id
            partner.billing_credit_amount = -sum(partner._billing_open_credits(company).mapped("amount_residual"))

    def _billing_open_credits(self, company):
        """The parent's open receivable credits in ``company``, oldest first."""
        self.ensure_one()
        if not self.id:
            return self.env["account.move.line"]
        partner = self.commercial_partner_id
        account = partner.with_company(company).property_account_receivable_id
        return self.env["account.move"]._billing_open_credits(partner, account, company, company.currency_id)

    def _billing_credit_open_invoices(self):
        """The open family invoices of this parent's account in the current
        practice, oldest due first (overdue first): where its credit can go."""
        self.ensure_one()
        account = self.commercial_partner_id
        return account._billing_pay_all_invoices().filtered(lambda m: m.company_id == self.env.company)

    def action_billing_apply_credit(self):
        """Staff: Apply Credit, the account's unapplied credit to its open
        family invoices, oldest due first."""
        self.ensure_one()
        account = self.commercial_partner_id
        applied = self._billing_credit_open_invoices()._billing_apply_account_credit(account)
        currency = self.env.company.currency_id
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "%(amount)s of credit applied to %(count)s open invoice(s).",
                    amount=currency.format(sum(applied.values())),
                    count=len(applied),
                ),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def action_billing_open_refund_credit(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Refund Credit"),
            "res_model": "res.partner.billing.refund.credit",
            "view_mode": "form",
            "target": "new",
            "context": {"active_model": "res.partner", "active_id": self.id},
        }

    def _billing_refund_credit(self, amount, method, reason, date=None):
        """Manager: give back ``amount`` of the parent's unapplied credit.

        One outbound payment per credit it uses (oldest first), matched with
        that credit, in the payment log of the invoice the credit came from
        when there is one, so the credit is gone from the ledger, Billing AR
        and the next Send.
        :return: the posted refund payments
        """
        self.ensure_one()
        if not self.env.user.has_group("parent_billing.parent_billing_group_manager"):
            raise AccessError(self.env._("Only a billing manager can refund a parent's credit."))
        company = self.env.company
        currency = company.currency_id
        amount = billing_number(amount)
        if not math.isfinite(amount) or currency.compare_amounts(amount, 0) <= 0:
            raise UserError(self.env._("The credit refund amount must be a number above zero."))
        if method not in dict(BILLING_METHODS):
            raise UserError(
                self.env._(
                    "Unknown refund method %(method)r: use one of %(all)s.",
                    method=method,
                    all=", ".join(dict(BILLING_METHODS)),
                )
            )
        if not (reason or "").strip():
            raise UserError(self.env._("A credit refund to %s requires a reason.", self.display_name))
        reason = reason.strip()
        partner = self.commercial_partner_id
        partner.sudo()._billing_lock()
        credits = partner._billing_open_credits(company)
        available = currency.round(-sum(credits.mapped("amount_residual")))
        if currency.compare_amounts(amount, available) > 0:
            amounts = {"amount": currency.format(amount), "available": currency.format(available)}
            raise UserError(
                self.env._(
                    "The refund %(amount)s is more than the %(available)s of unapplied credit of %(parent)s.",
                    parent=partner.display_name,
                    **amounts,
                )
            )
        journal = company._billing_journal(method)
        if not journal:
            raise UserError(
                self.env._("No bank or cash journal is set for %s refunds in the invoice settings.", method)
            )
        Move = self.env["account.move"]
        refunds = self.env["account.payment"]
        remaining = amount
        with Move._billing_transition():
            for credit in credits:
                if currency.is_zero(remaining):
                    break
                share = currency.round(min(remaining, -credit.amount_residual))
                source = Move._billing_credit_source(credit)
                family = source if source._name == "account.move" and source._billing_family() else Move
                refund = self.env["account.payment"].create(
                    {
                        "payment_type": "outbound",
                        "partner_type": "customer",
                        "partner_id": partner.id,
                        "amount": share,
                        "currency_id": currency.id,
                        "journal_id": journal.id,
                        "date": date or fields.Date.context_today(self),
                        "memo": self.env._("Refund of credit"),  # the reason stays in billing_reason (staff only)
                        "billing_move_id": family.id,
                        "billing_method": method,
                        "billing_reason": reason,
                    }
                )
                refund.action_post()
                refund_line = refund.move_id.line_ids.filtered(lambda l, c=credit: l.account_id == c.account_id)
                (refund_line + credit).reconcile()
                source.sudo().message_post(
                    body=self.env._(
                        "%(amount)s of the parent's credit from here was refunded by %(user)s (%(method)s): %(reason)s",
                        amount=currency.format(share),
                        user=self.env.user.name,
                        method=dict(BILLING_METHODS)[method],
                        reason=reason,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                refunds |= refund
                remaining = currency.round(remaining - share)
            partner.sudo().message_post(
                body=self.env._(
                    "Credit refund of %(amount)s issued by %(user)s: %(reason)s",
                    amount=currency.format(amount),
                    user=self.env.user.name,
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return refunds
