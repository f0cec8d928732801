import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_date
from odoo.tools.misc import clean_context

from .account_move_seal import billing_transition

DISPUTE_STATES = [("none", "None"), ("open", "Open"), ("resolved", "Resolved")]


class AccountMove(models.Model):
    """Disputes of a bill (US No Surprises Act, 45 CFR 149.620): a billing
    manager opens one on a sent, overdue or paid family invoice; while open
    the invoice's collections are held (no late fee, no reminder, no autopay);
    the resolution is what the parent owes after the determination. It is
    never refused for age: the dispute entity decides eligibility, the form
    shows the days since the invoice was first sent."""

    _inherit = "account.move"

    billing_dispute_state = fields.Selection(
        DISPUTE_STATES,
        "Dispute",
        default="none",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    billing_dispute_reason = fields.Text(
        string="Dispute Reason", readonly=True, copy=False, groups="parent_billing.parent_billing_group_user"
    )
    billing_dispute_notice_date = fields.Date(
        string="Dispute Notice Received", readonly=True, copy=False, help="The date of the dispute notice."
    )
    billing_dispute_resolved_date = fields.Date(string="Dispute Resolved On", readonly=True, copy=False)
    billing_dispute_amount = fields.Monetary(string="Owed After Determination", readonly=True, copy=False)
    billing_days_since_sent = fields.Integer(
        string="Days Since First Sent",
        compute="_compute_billing_days_since_sent",
        help="A parent may dispute within 120 days of receiving the first bill; the dispute entity decides.",
    )
    # the "dispute" row of BILLING_TRANSITIONS (account_move_seal.py)
    billing_can_dispute = fields.Boolean(compute="_compute_billing_can")

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {
            "billing_dispute_state",
            "billing_dispute_reason",
            "billing_dispute_notice_date",
            "billing_dispute_resolved_date",
            "billing_dispute_amount",
        }

    @api.depends("billing_sent_date")
    def _compute_billing_days_since_sent(self):
        today = fields.Date.context_today(self)
        for move in self:
            sent = move.billing_sent_date
            move.billing_days_since_sent = (today - sent.date()).days if sent else 0

    def _billing_collection_held(self):
        return super()._billing_collection_held() | self.filtered(lambda m: m.billing_dispute_state == "open")

    def _billing_state_error(self, action, move, state):
        if action == "dispute":
            return self.env._(
                "A dispute cannot be opened on invoice %(move)s: it is %(state)s. Only a sent, overdue or paid "
                "invoice can be disputed.",
                move=move,
                state=state,
            )
        return super()._billing_state_error(action, move, state)

    def _billing_manager_error(self, action):
        if action == "dispute":
            return self.env._("Only a billing manager can open or resolve a dispute.")
        return super()._billing_manager_error(action)

    # ------------------------------------------------------------------
    # Open
    # ------------------------------------------------------------------
    @billing_transition
    def _billing_open_dispute(self, reason, notice_date=None):
        """Manager: the parent disputes this bill. Holds its collections until
        resolved. ``notice_date``: the date of the dispute notice (today by default)."""
        self.ensure_one()
        self._billing_check_transition("dispute")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Opening a dispute on invoice %s requires a reason.", self.display_name))
        notice_date = fields.Date.to_date(notice_date) or fields.Date.context_today(self)
        if notice_date > fields.Date.context_today(self):
            raise UserError(
                self.env._(
                    "The dispute notice date %(date)s of invoice %(move)s is in the future.",
                    date=format_date(self.env, notice_date),
                    move=self.display_name,
                )
            )
        self._billing_lock()
        if self.billing_dispute_state == "open":
            raise UserError(self.env._("Invoice %s is already under dispute.", self.display_name))
        self.write(
            {
                "billing_dispute_state": "open",
                "billing_dispute_reason": reason,
                "billing_dispute_notice_date": notice_date,
                "billing_dispute_resolved_date": False,
                "billing_dispute_amount": 0.0,
            }
        )
        self.message_post(
            body=self.env._(
                "Dispute opened by %(user)s (notice of %(date)s, %(days)s days after the invoice was first sent): "
                "%(reason)s. No late fee, payment reminder or autopay charge while it is open.",
                user=self.env.user.name,
                date=format_date(self.env, notice_date),
                days=self.billing_days_since_sent,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return True

    # ------------------------------------------------------------------
    # Resolve
    # ------------------------------------------------------------------
    @billing_transition
    def _billing_resolve_dispute(self, amount):
        """Manager: close the dispute; ``amount`` is what the parent owes for
        this invoice after the determination. Below what it bills now, a
        credit note brings it down to ``amount``; money already paid above
        ``amount`` stays as the account's credit, flagged for review (refund).
        Collections resume: late-fee days and reminder offsets count from today.
        :return: the credit note (empty when none was needed)"""
        self.ensure_one()
        self = self.with_env(self.env(context=clean_context(self.env.context)))  # noqa: PLW0642
        if not self.env.user.has_group("parent_billing.parent_billing_group_manager"):
            raise AccessError(self._billing_manager_error("dispute"))
        try:
            value = float(amount)
        except (TypeError, ValueError):
            value = math.nan
        if not math.isfinite(value) or self.currency_id.compare_amounts(value, 0) < 0:
            raise UserError(
                self.env._(
                    "What the parent owes after the determination must be an amount of zero or more, not %(value)s.",
                    value=amount,
                )
            )
        amount = self.currency_id.round(value)
        self._billing_lock()
        if self.billing_dispute_state != "open":
            raise UserError(self.env._("Invoice %s has no open dispute to resolve.", self.display_name))
        billed = self._billing_dispute_billed()
        if self.currency_id.compare_amounts(amount, billed) > 0:
            raise UserError(
                self.env._(
                    "The amount owed %(amount)s is more than invoice %(move)s bills (%(billed)s).",
                    amount=self.currency_id.format(amount),
                    move=self.display_name,
                    billed=self.currency_id.format(billed),
                )
            )
        today = fields.Date.context_today(self)
        credit_note = self.env["account.move"]
        excess = 0.0
        if self.currency_id.compare_amounts(amount, billed) < 0:
            credit_note, excess = self._billing_dispute_credit(billed - amount)
        self.write(
            {
                "billing_dispute_state": "resolved",
                "billing_dispute_resolved_date": today,
                "billing_dispute_amount": amount,
                "billing_hold_end_date": today,
            }
        )
        self.message_post(
            body=self.env._(
                "Dispute resolved by %(user)s: the parent owes %(amount)s for this invoice.",
                user=self.env.user.name,
                amount=self.currency_id.format(amount),
            ),
            subtype_xmlid="mail.mt_note",
        )
        if self.currency_id.compare_amounts(excess, 0) > 0:
            self._billing_flag_for_review(
                self.env._(
                    "The dispute resolution left %(excess)s already paid above what the parent owes: it is the "
                    "account's credit. Refund it (Refund Credit on the parent) or let it pay the next invoice.",
                    excess=self.currency_id.format(excess),
                )
            )
        return credit_note

    def _billing_dispute_billed(self):
        """What the invoice bills now: its total with late fees, less credit notes."""
        self.ensure_one()
        return self.currency_id.round(self.billing_amount_total - self.billing_amount_credited)

    def _billing_dispute_credit(self, credit):
        """Post a credit note of ``credit`` on this invoice, matched with its
        open balance (invoice first, then its late fees). Returns the credit
        note and what of it stays open as the account's credit."""
        self.ensure_one()
        credit_note = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "currency_id": self.currency_id.id,
                "invoice_date": fields.Date.context_today(self),
                "reversed_entry_id": self.id,
                "ref": self.env._("Dispute resolution of %(move)s", move=self.name),
                "invoice_line_ids": [
                    self._billing_adjustment_line(self.env._("Dispute resolution credit on %s", self.name), credit)
                ],
            }
        )
        credit_note.action_post()
        receivable = (self + self._billing_fees()).line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable" and not l.reconciled
        )
        credit_line = credit_note.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        for line in receivable.sorted(lambda l: (l.move_id != self, l.id)):
            if credit_line.reconciled:
                break
            if line.account_id == credit_line.account_id:
                (line + credit_line).reconcile()
        credit_line.invalidate_recordset(["amount_residual"])
        return credit_note, -credit_line.amount_residual

    # ------------------------------------------------------------------
    # Buttons
    # ------------------------------------------------------------------
    def action_billing_open_dispute(self):
        return self._billing_wizard_action("account.move.billing.dispute.open", self.env._("Open Dispute"))

    def action_billing_open_resolve_dispute(self):
        return self._billing_wizard_action("account.move.billing.dispute.resolve", self.env._("Resolve Dispute"))
