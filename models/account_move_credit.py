from odoo import api, fields, models


class AccountMove(models.Model):
    """Credits: money a parent has on account (an overpayment kept as credit,
    a payment that reached a voided invoice, a credit note) is applied to
    her next sent invoice automatically, oldest credit first, logged on both
    documents and shown to her as "Credit applied"."""

    _inherit = "account.move"

    billing_amount_credit_applied = fields.Monetary(
        string="Credit Applied",
        compute="_compute_billing_amount_credit_applied",
        compute_sudo=True,
        currency_field="currency_id",
        help="The parent's earlier credit (overpayments, money on a voided invoice, credit notes of other "
        "invoices) applied to this invoice; counted in its amount paid.",
    )
    billing_amount_paid_direct = fields.Monetary(
        string="Paid",
        compute="_compute_billing_amount_credit_applied",
        compute_sudo=True,
        currency_field="currency_id",
        help="The amount paid by payments made for this invoice, credit applied left out.",
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
        invoices, oldest credit first, until each invoice is settled."""
        with self._billing_transition():
            for move in self._billing_family().filtered(lambda m: m.state == "posted"):
                receivable = move.line_ids.filtered(
                    lambda l: l.account_id.account_type == "asset_receivable" and not l.reconciled
                )
                if not receivable:
                    continue
                credits = self._billing_open_credits(
                    move.commercial_partner_id, receivable.account_id, move.company_id, move.currency_id
                ).filtered(lambda l, move=move: l.move_id != move)
                for credit in credits:
                    if move.currency_id.is_zero(move.amount_residual):
                        break
                    before = move.amount_residual
                    (receivable.filtered(lambda l: not l.reconciled) + credit).reconcile()
                    applied = move.currency_id.round(before - move.amount_residual)
                    if move.currency_id.is_zero(applied):
                        continue
                    move._billing_log_credit_applied(credit, applied)
        return True

    def _billing_credit_source(self, credit):
        """Where a credit came from, to log its use there: the family invoice
        whose payment log holds it, else the payment or credit note itself."""
        payment = credit.move_id.origin_payment_id
        return payment.billing_move_id or payment or credit.move_id

    def _billing_log_credit_applied(self, credit, amount):
        self.ensure_one()
        source = self._billing_credit_source(credit)
        date = fields.Date.to_string(credit.date)
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
