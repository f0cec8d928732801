from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date

from .account_move import BILLING_OPEN_STATES


class AccountMove(models.Model):
    """Credits: money a parent has on account (an overpayment kept as credit,
    a payment that reached a voided invoice, a credit note) is applied to
    her next sent invoice automatically, oldest credit first, logged on both
    documents and shown to her as "Credit applied"."""

    _inherit = "account.move"

    billing_amount_credit_applied = fields.Monetary(
        "Credit Applied",
        compute="_compute_billing_amount_credit_applied",
        compute_sudo=True,
        help="The parent's earlier credit (overpayments, money on a voided invoice, credit notes of other "
        "invoices) applied to this invoice; counted in its amount paid.",
    )
    billing_amount_paid_direct = fields.Monetary(
        "Paid",
        compute="_compute_billing_amount_credit_applied",
        compute_sudo=True,
        help="The amount paid by payments made for this invoice, credit applied left out.",
    )

    billing_account_credit_amount = fields.Monetary(
        "Account Credit",
        related="commercial_partner_id.billing_credit_amount",
        help="The unapplied credit of the invoice's account (what Apply Credit can use).",
    )

    @api.depends("billing_amount_paid")
    def _compute_billing_amount_credit_applied(self):
        for move in self:
            applied = 0.0
            if move._billing_family() and move.state == "posted":
                documents = move + move._billing_fees()
                own = (
                    documents
                    | move.billing_payment_ids.move_id
                    | move.reversal_move_ids
                    | move._billing_fees().reversal_move_ids
                )
                receivable = documents.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
                for partial in receivable.matched_credit_ids:
                    if partial.credit_move_id.move_id not in own:
                        applied += partial.amount
            move.billing_amount_credit_applied = move.currency_id.round(applied)
            move.billing_amount_paid_direct = move.currency_id.round(move.billing_amount_paid - applied)

    # ------------------------------------------------------------------
    # Applied on Send
    # ------------------------------------------------------------------
    def _billing_after_send(self):
        res = super()._billing_after_send()
        self._billing_apply_credits()
        return res

    def _billing_open_credits(self, partner, accounts, company, currency):
        """The parent's open receivable credits, oldest first."""
        return self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("account_id", "in", accounts.ids),
                ("company_id", "=", company.id),
                ("currency_id", "=", currency.id),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", "<", 0),
            ],
            order="date, id",
        )

    def _billing_apply_credits(self):
        """Apply the parent's unapplied credit to these posted family
        invoices (and their late fees), in the order given, oldest credit
        first, until each invoice is settled. Returns {invoice: amount applied}."""
        applied_by_move = {}
        with self._billing_transition():
            for move in self._billing_family().filtered(lambda m: m.state == "posted"):
                documents = move + move._billing_fees()
                receivable = documents.line_ids.filtered(
                    lambda l: l.account_id.account_type == "asset_receivable" and not l.reconciled
                )
                if not receivable:
                    continue
                credits = self._billing_open_credits(
                    move.commercial_partner_id, receivable.account_id, move.company_id, move.currency_id
                ).filtered(lambda l, documents=documents: l.move_id not in documents)
                for credit in credits:
                    if move.currency_id.is_zero(sum(documents.mapped("amount_residual"))):
                        break
                    before = sum(documents.mapped("amount_residual"))
                    (receivable.filtered(lambda l: not l.reconciled) + credit).reconcile()
                    applied = move.currency_id.round(before - sum(documents.mapped("amount_residual")))
                    if move.currency_id.is_zero(applied):
                        continue
                    move._billing_log_credit_applied(credit, applied)
                    applied_by_move[move] = move.currency_id.round(applied_by_move.get(move, 0.0) + applied)
        return applied_by_move

    # ------------------------------------------------------------------
    # Applied by staff: Apply Credit (on the parent or on an open invoice)
    # ------------------------------------------------------------------
    def _billing_credit_blocked(self):
        """Why staff cannot apply the account's credit to this open family
        invoice now (under dispute, in a payment plan, a payment of it being
        processed), or False."""
        self.ensure_one()
        if self.billing_dispute_state == "open":
            return self.env._("under dispute")
        if any(plan.state == "active" for plan in self.sudo().billing_payment_plan_ids):
            return self.env._("in a payment plan")
        if self._billing_live_transactions():
            return self.env._("a payment of it is being processed")
        return False

    def _billing_apply_account_credit(self, account):
        """Staff: apply the unapplied credit of ``account`` (its own, never
        another account's) to these of its open family invoices, in the order
        given (oldest due first), through Odoo's reconciliation; invoices under
        dispute, in a payment plan or with a payment in progress are left
        alone. Refused, with nothing changed, when there is no credit or no
        invoice to apply it to. Returns {invoice: amount applied}."""
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can apply a parent's credit."))
        account = account.commercial_partner_id
        company = self.env.company
        currency = company.currency_id
        account.sudo()._billing_lock()
        if not account._billing_open_credits(company):
            raise UserError(self.env._("%(parent)s has no unapplied credit to apply.", parent=account.display_name))
        foreign = self.filtered(lambda m: m.commercial_partner_id != account or m.company_id != company)
        if foreign:
            raise UserError(
                self.env._(
                    "The credit of %(parent)s applies only to its own invoices, not to %(invoices)s.",
                    parent=account.display_name,
                    invoices=", ".join(foreign.mapped("name")),
                )
            )
        open_moves = self._billing_family().filtered(
            lambda m: m.state == "posted"
            and m.billing_state in BILLING_OPEN_STATES
            and currency.compare_amounts(m.billing_amount_due, 0) > 0
        )
        if not open_moves:
            raise UserError(
                self.env._("%(parent)s has no open invoice to apply the credit to.", parent=account.display_name)
            )
        blocked = {move: move._billing_credit_blocked() for move in open_moves}
        targets = open_moves.filtered(lambda m: not blocked[m])
        if not targets:
            raise UserError(
                self.env._(
                    "The credit of %(parent)s cannot be applied now: %(invoices)s.",
                    parent=account.display_name,
                    invoices="; ".join(f"{move.name} ({blocked[move]})" for move in open_moves),
                )
            )
        targets._billing_lock()
        applied = targets._billing_apply_credits()
        total = currency.round(sum(applied.values()))
        account.sudo().message_post(
            body=self.env._(
                "%(user)s applied %(amount)s of the account's credit to its open invoices: %(invoices)s.",
                user=self.env.user.name,
                amount=currency.format(total),
                invoices=", ".join(
                    self.env._("%(amount)s to %(invoice)s", amount=currency.format(amount), invoice=move.name)
                    for move, amount in applied.items()
                ),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return applied

    def action_billing_apply_credit(self):
        """Staff, on an open family invoice: Apply Credit of its account to it."""
        self.ensure_one()
        self._billing_apply_account_credit(self.commercial_partner_id)
        return True

    def _billing_credit_source(self, credit):
        """Where a credit came from, to log its use there: the family invoice
        whose payment log holds it, else the payment or credit note itself."""
        payment = credit.move_id.origin_payment_id
        return payment.billing_move_id or payment or credit.move_id

    def _billing_log_credit_applied(self, credit, amount):
        self.ensure_one()
        source = self._billing_credit_source(credit)
        date = format_date(self.env, credit.date)
        self.message_post(
            body=self.env._(
                "Credit applied: %(amount)s of the parent's credit from %(origin)s (%(date)s).",
                amount=self.currency_id.format(amount),
                origin=source.display_name,
                date=date,
            ),
            subtype_xmlid="mail.mt_note",
        )
        source.sudo().message_post(
            body=self.env._(
                "%(amount)s of the parent's credit from here was applied to invoice %(move)s.",
                amount=self.currency_id.format(amount),
                move=self.display_name,
            ),
            subtype_xmlid="mail.mt_note",
        )
