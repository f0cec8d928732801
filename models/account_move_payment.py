import math

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare
from odoo.tools.misc import clean_context

from .account_move_seal import billing_transition
from .base import billing_number
from .res_company import BILLING_METHODS

# A staff payment may exceed the balance (the excess is kept as the parent's
# credit, confirmed explicitly) but not this many times the invoice's total
# (late fees included): $650 on a $65 invoice is a prepayment, $1,500,000 a
# typing error.
BILLING_MAX_PAYMENT_FACTOR = 10


class AccountMove(models.Model):
    """Money in and out of a family invoice: staff payments, void, refund."""

    _inherit = "account.move"

    billing_needs_review = fields.Boolean(
        string="Needs Review",
        readonly=True,
        copy=False,
        tracking=True,
        help="The payment processor reported money that was not recorded as it said (an amount that differs "
        "from the transaction, a refund above what was paid): see the invoice's messages.",
    )
    billing_amount_refundable = fields.Monetary(
        "Refundable",
        compute="_compute_billing_amount_refundable",
        help="What Issue Refund can give back: the amount paid, or on a voided invoice the money that "
        "arrived after the void and stays as the parent's credit.",
    )

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_needs_review"}

    @api.depends("billing_state", "billing_amount_paid", "billing_payment_ids.state")
    def _compute_billing_amount_refundable(self):
        for move in self:
            move.billing_amount_refundable = move._billing_amount_refundable() if move._billing_family() else 0.0

    # ------------------------------------------------------------------
    # Checks shared by the money actions
    # ------------------------------------------------------------------
    def _billing_check_amount(self, amount, kind):
        """A clear error naming the amount (``kind``: "payment" or "refund",
        each its own whole sentence) for anything that is not a finite number
        (NaN and infinity included); returns the amount as a float."""
        value = billing_number(amount)
        if not math.isfinite(value):
            if kind == "refund":
                raise UserError(self.env._("The refund amount must be a number, not %(value)s.", value=amount))
            raise UserError(self.env._("The payment amount must be a number, not %(value)s.", value=amount))
        return value

    def _billing_flag_for_review(self, message):
        """Processor money that was not recorded as the processor said: a note
        on the invoice and the Needs Review flag for staff."""
        with self._billing_transition():
            self.write({"billing_needs_review": True})
        for move in self:
            move.message_post(body=message, subtype_xmlid="mail.mt_note")

    @billing_transition
    def action_billing_mark_reviewed(self):
        """Staff checked the processor's dashboard and settled the difference."""
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can mark a processor difference as reviewed."))
        self.check_access("write")
        for move in self.filtered("billing_needs_review"):
            move.billing_needs_review = False
            move.message_post(
                body=self.env._("Processor difference reviewed by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------
    def _billing_open_moves(self):
        """The invoice and its posted late fees that still carry a balance."""
        self.ensure_one()
        return (self + self._billing_fees()).filtered(
            lambda m: m.state == "posted" and not m.currency_id.is_zero(m.amount_residual)
        )

    @billing_transition
    def _billing_register_payment(self, amount, date, method, reference, keep_excess=False):
        """Record a staff payment against the invoice and its late fees.

        :param method: one of check, ach, card, cash, other
        :param keep_excess: an amount above the balance is kept as the
            parent's credit (available to the next invoice); else refused
        :return: the posted ``account.payment``
        """
        self.ensure_one()
        # A wizard's default_move_id must not become the payment's move_id.
        self = self.with_env(self.env(context=clean_context(self.env.context)))  # noqa: PLW0642
        amount = self._billing_check_amount(amount, "payment")
        self._billing_check_transition("record_payment")
        self._billing_check_method(method, "payment")
        if float_compare(amount, 0, precision_rounding=self.currency_id.rounding) <= 0:
            raise UserError(self.env._("The payment amount must be above zero."))
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        self._billing_lock()
        due = self.billing_amount_due
        limit = self.currency_id.round(self.billing_amount_total * BILLING_MAX_PAYMENT_FACTOR)
        if self.currency_id.compare_amounts(amount, limit) > 0:
            raise UserError(
                self.env._(
                    "The payment %(amount)s is more than %(factor)s times the total %(total)s of invoice %(move)s "
                    "and looks like a typing error: record the amount the parent actually paid.",
                    amount=amount,
                    factor=BILLING_MAX_PAYMENT_FACTOR,
                    total=self.billing_amount_total,
                    move=self.display_name,
                )
            )
        if self.currency_id.compare_amounts(amount, due) > 0 and not keep_excess:
            raise UserError(
                self.env._(
                    "The payment %(amount)s is more than the balance %(due)s of invoice %(move)s. "
                    "Lower it, or confirm to keep the excess %(excess)s as the parent's credit.",
                    amount=amount,
                    due=due,
                    move=self.display_name,
                    excess=self.currency_id.round(amount - due),
                )
            )
        reference = (reference or "").strip()
        self._billing_check_not_recorded_by_processor(reference)
        self._billing_check_not_recorded_by_staff(method, reference)
        journal = self.company_id._billing_journal(method)
        if not journal:
            raise UserError(
                self.env._(
                    "No bank or cash journal is set for the payment method %(method)s in the invoice settings.",
                    method=self._billing_method_label(method),
                )
            )
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=self._billing_open_moves().ids)
            .create(
                {
                    "amount": amount,
                    "payment_date": date,
                    "journal_id": journal.id,
                    "communication": reference or self.name,
                    "group_payment": True,
                    "payment_difference_handling": "open",
                }
            )
        )
        payment = wizard._create_payments()
        payment.write(
            {
                "billing_move_id": self.id,
                "billing_method": method,
                "billing_reference": reference or False,
                "billing_reason": False,
            }
        )
        self.message_post(
            body=self.env._(
                "Payment of %(amount)s recorded by %(user)s (%(method)s, %(ref)s).",
                amount=payment.amount,
                user=self.env.user.name,
                method=dict(BILLING_METHODS)[method],
                ref=reference or "-",
            )
        )
        return payment

    def _billing_method_label(self, method):
        """The payment method's label in the user's language (e.g. Check)."""
        labels = dict(self.env["account.payment"]._fields["billing_method"]._description_selection(self.env))
        return labels.get(method, method)

    def _billing_check_method(self, method, kind):
        """``kind`` is "payment" or "refund": each has its own whole sentence."""
        if method not in dict(BILLING_METHODS):
            known = ", ".join(dict(BILLING_METHODS))
            if kind == "refund":
                raise UserError(
                    self.env._("Unknown refund method %(method)r: use one of %(all)s.", method=method, all=known)
                )
            raise UserError(
                self.env._("Unknown payment method %(method)r: use one of %(all)s.", method=method, all=known)
            )

    def _billing_check_payable(self):
        """A voided family invoice accepts no new payment, online or not."""
        voided = self.sudo().exists()._billing_family().filtered(lambda m: m.billing_state == "voided")
        if voided:
            raise UserError(self.env._("Invoice %s was voided and accepts no payment.", voided[0].name))

    def _billing_check_not_recorded_by_processor(self, reference):
        """The money of a processor transaction is recorded once: a staff
        payment quoting a transaction that already posted its payment on this
        invoice is refused (the reverse order is handled by the transaction)."""
        self.ensure_one()
        if not reference:
            return
        done = self.sudo().transaction_ids.filtered(
            lambda t: t.payment_id and t.payment_id.state != "canceled" and reference in t._billing_references()
        )
        if done:
            raise UserError(
                self.env._(
                    "Transaction %(ref)s was already recorded on invoice %(move)s by the payment processor "
                    "(payment %(payment)s); it cannot be recorded twice.",
                    ref=reference,
                    move=self.display_name,
                    payment=done[0].payment_id.name,
                )
            )

    def _billing_check_not_recorded_by_staff(self, method, reference):
        """The same check (or ACH, card, ... reference) is recorded once per
        invoice: a second payment with the same method and reference is
        refused, naming the first. Payments without a reference are not
        compared."""
        self.ensure_one()
        if not reference:
            return
        earlier = self.billing_payment_ids.filtered(
            lambda p: p.payment_type == "inbound"
            and p.state != "canceled"
            and p.billing_method == method
            and (p.billing_reference or "").casefold() == reference.casefold()
        )[:1]
        if earlier:
            values = {
                "move": self.display_name,
                "payment": earlier.name,
                "amount": earlier.amount,
                "date": earlier.date,
                "method": dict(BILLING_METHODS)[method],
                "ref": reference,
            }
            raise UserError(
                self.env._(
                    "Invoice %(move)s already has payment %(payment)s of %(amount)s on %(date)s with %(method)s "
                    "reference %(ref)s; the same payment cannot be recorded twice.",
                    **values,
                )
            )

    # ------------------------------------------------------------------
    # Void
    # ------------------------------------------------------------------
    @billing_transition
    def _billing_void(self, reason):
        """Void: reverse the posted entry (kept for audit), release the charges,
        refuse further payments, log who/when/why."""
        self = self.with_env(self.env(context=clean_context(self.env.context)))  # noqa: PLW0642
        self._billing_check_transition("void")
        if not (reason or "").strip():
            raise UserError(self.env._("Voiding an invoice requires a reason."))
        self._billing_lock()
        for move in self:
            # Refunded payments (net zero) do not block the void.
            if move.currency_id.compare_amounts(move.billing_amount_paid, 0) > 0:
                raise UserError(
                    self.env._(
                        "Invoice %(move)s has payments (%(paid)s paid): refund them before voiding it.",
                        move=move.display_name,
                        paid=move.billing_amount_paid,
                    )
                )
        for move in self:
            charges = move.invoice_line_ids.practice_charge_id.filtered(
                lambda c, move=move: c.move_line_id.move_id == move
            )
            if move.state == "posted":
                fees = move._billing_fees()
                # The reversal is the parent's document too: it names what it
                # voids, never why (the reason stays on the staff side).
                (move + fees)._reverse_moves(
                    [{"ref": self.env._("Void of %(move)s", move=m.name)} for m in move + fees],
                    cancel=True,
                )
            else:
                move.button_cancel()
            move.write(
                {
                    "void_reason": reason.strip(),
                    "billing_void_date": fields.Datetime.now(),
                    "billing_voided_by_id": self.env.uid,
                }
            )
            charges._release()
            move.message_post(
                body=self.env._("Invoice voided by %(user)s: %(reason)s", user=self.env.user.name, reason=reason),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # Refund
    # ------------------------------------------------------------------
    @billing_transition
    def _billing_refund(self, amount, reason, credit_invoice=False, method=None, through_processor=False):
        """Refund part or all of what the parent paid.

        The outbound payment is matched against the original payment so the
        invoice's amount paid goes down: its balance comes back, unless
        ``credit_invoice`` also issues a credit note for the same amount
        (then the balance stays at zero).
        :param method: check, ach, card, cash or other; by default the method
            of the payment being refunded
        :param through_processor: send the refund to the payment processor that
            took the payment (recorded with the processor's reference)
        :return: the outbound ``account.payment`` (empty while a processor
            refund is still pending)
        """
        self.ensure_one()
        self = self.with_env(self.env(context=clean_context(self.env.context)))  # noqa: PLW0642
        amount = self._billing_check_amount(amount, "refund")
        self._billing_check_transition("refund")
        if not (reason or "").strip():
            raise UserError(self.env._("A refund of invoice %s requires a reason.", self.display_name))
        reason = reason.strip()
        if method:
            self._billing_check_method(method, "refund")
        if float_compare(amount, 0, precision_rounding=self.currency_id.rounding) <= 0:
            raise UserError(self.env._("The refund amount must be above zero."))
        self._billing_lock()
        refundable = self._billing_amount_refundable()
        if self.billing_state == "voided":
            if self.currency_id.is_zero(refundable):
                raise UserError(self.env._("Invoice %s is voided and holds no payment to refund.", self.display_name))
            if credit_invoice:
                raise UserError(
                    self.env._(
                        "Invoice %s is voided: there is nothing left to credit, only the parent's money to give back.",
                        self.display_name,
                    )
                )
        if self.currency_id.compare_amounts(amount, refundable) > 0:
            values = {"amount": amount, "paid": refundable, "move": self.display_name}
            raise UserError(
                self.env._("The refund %(amount)s is more than the %(paid)s paid on invoice %(move)s.", **values)
            )
        inbound = self.billing_payment_ids.filtered(
            lambda p: p.payment_type == "inbound" and p.state != "canceled"
        ).sorted("id", reverse=True)
        if through_processor:
            return self._billing_refund_through_processor(inbound, amount, reason, credit_invoice)
        source = inbound[:1]
        method = method or source.billing_method or "other"
        journal = self.company_id._billing_journal(method) or source.journal_id
        if not journal:
            raise UserError(
                self.env._(
                    "No bank or cash journal is set for refunds by %(method)s in the invoice settings.",
                    method=self._billing_method_label(method),
                )
            )
        refund = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "customer",
                "partner_id": self.commercial_partner_id.id,
                "amount": amount,
                "currency_id": self.currency_id.id,
                "journal_id": journal.id,
                "date": fields.Date.context_today(self),
                "memo": self.env._(
                    "Refund %(move)s", move=self.name
                ),  # the reason stays in billing_reason (staff only)
                "billing_move_id": self.id,
                "billing_method": method,
                "billing_reason": reason,
            }
        )
        refund.action_post()
        self._billing_apply_refund(refund, reason, credit_invoice)
        return refund

    def _billing_apply_refund(self, refund, reason, credit_invoice):
        """Re-match receivables so the refund lowers this invoice's amount paid;
        with ``credit_invoice`` a credit note of the same amount keeps the
        balance at zero."""
        self.ensure_one()
        if self.billing_state == "voided":
            return self._billing_apply_refund_of_credit(refund, reason)
        amount = refund.amount
        fees = self._billing_fees()
        receivable = (self + fees).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        # Only this invoice's matches with payments are undone: a payment's
        # matches with other invoices (an excess kept as credit) stay.
        partials = receivable.matched_credit_ids.filtered(lambda p: p.credit_move_id.move_id.origin_payment_id)
        paid_lines = partials.credit_move_id
        refund_line = refund.move_id.line_ids.filtered(lambda l: l.account_id in receivable.account_id)
        partials.unlink()
        (refund_line + paid_lines).reconcile()
        credit_note = self.env["account.move"]
        if credit_invoice:
            credit_note = self.env["account.move"].create(
                {
                    "move_type": "out_refund",
                    "partner_id": self.partner_id.id,
                    "company_id": self.company_id.id,
                    "invoice_date": fields.Date.context_today(self),
                    "reversed_entry_id": self.id,
                    "ref": self.env._("Credit for %(move)s", move=self.name),  # no staff reason: the parent reads it
                    "invoice_line_ids": [
                        self._billing_adjustment_line(self.env._("Refund credit on %s", self.name), amount)
                    ],
                }
            )
            credit_note.action_post()
            credit_lines = credit_note.line_ids.filtered(lambda l: l.account_id in receivable.account_id)
            (receivable + credit_lines).filtered(lambda l: not l.reconciled).reconcile()
        (receivable + paid_lines).filtered(lambda l: not l.reconciled).reconcile()
        refund.billing_reason = reason
        self.message_post(
            body=(
                self.env._(
                    "Refund of %(amount)s issued by %(user)s, invoice credited: %(reason)s",
                    amount=refund.amount,
                    user=self.env.user.name,
                    reason=reason,
                )
                if credit_invoice
                else self.env._(
                    "Refund of %(amount)s issued by %(user)s: %(reason)s",
                    amount=refund.amount,
                    user=self.env.user.name,
                    reason=reason,
                )
            ),
            subtype_xmlid="mail.mt_note",
        )
        return credit_note

    def _billing_amount_refundable(self):
        """What Issue Refund can give back on this invoice: its amount paid;
        on a voided invoice, the money that reached it after the void (kept
        as the parent's credit, in its payment log) less what was refunded."""
        self.ensure_one()
        if self.billing_state != "voided":
            return self.billing_amount_paid
        lines = self._billing_credit_lines()
        return max(self.currency_id.round(-sum(lines.mapped("amount_residual"))), 0.0)

    def _billing_credit_lines(self):
        """The open receivable items of the payments in this invoice's log."""
        payments = self.sudo().billing_payment_ids.filtered(lambda p: p.state not in ("draft", "canceled"))
        return payments.move_id.line_ids.filtered(
            lambda l: l.account_id.account_type == "asset_receivable" and not l.reconciled
        )

    def _billing_apply_refund_of_credit(self, refund, reason):
        """A refund of money that reached a voided invoice: matched with that
        credit, so the parent's credit and Billing AR go back to zero."""
        self.ensure_one()
        refund_line = refund.move_id.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        credit_lines = self._billing_credit_lines().filtered(lambda l: l.move_id != refund.move_id)
        (refund_line + credit_lines.filtered(lambda l: l.account_id == refund_line.account_id)).reconcile()
        refund.billing_reason = reason
        self.message_post(
            body=self.env._(
                "Refund of %(amount)s of the parent's credit on voided invoice %(move)s issued by %(user)s: %(reason)s",
                amount=refund.amount,
                move=self.name,
                user=self.env.user.name,
                reason=reason,
            )
        )
        return self.env["account.move"]

    def _billing_refund_through_processor(self, inbound, amount, reason, credit_invoice):
        """Send the refund to the processor that took the payment; the refund
        transaction's payment (processor reference in its memo) is matched to
        the invoice by ``payment.transaction._create_payment``."""
        processor = inbound.filtered(
            lambda p: p.payment_transaction_id.state == "done"
            and p.payment_transaction_id.provider_id.support_refund in ("partial", "full_only")
        )
        if not processor:
            raise UserError(
                self.env._(
                    "No payment on invoice %s came through a processor that supports refunds; "
                    "record the refund for accounting only.",
                    self.display_name,
                )
            )
        tx = processor[:1].payment_transaction_id.sudo()
        pending = tx.child_transaction_ids.filtered(
            lambda t: t.operation == "refund" and t.state in ("draft", "pending") and not t.payment_id
        )
        refundable = tx._billing_refundable() + sum(pending.mapped("amount"))
        if self.currency_id.compare_amounts(amount, refundable) > 0 or (
            tx.provider_id.support_refund == "full_only" and self.currency_id.compare_amounts(amount, tx.amount)
        ):
            values = {
                "ref": tx.reference,
                "move": self.display_name,
                "amount": refundable,
                "provider": tx.provider_id.name,
                "support": tx.provider_id.support_refund,
            }
            raise UserError(
                self.env._(
                    "Processor payment %(ref)s on invoice %(move)s can be refunded by %(amount)s at most "
                    "(%(provider)s: %(support)s refunds).",
                    **values,
                )
            )
        ctx = {
            "billing_refund_reason": reason,
            "billing_refund_credit": credit_invoice,
            "billing_refund_move_id": self.id,
        }
        refund_tx = tx.with_context(**ctx)._send_refund_request(amount_to_refund=amount)
        if refund_tx.state == "done" and not refund_tx.payment_id:
            refund_tx._post_process()
        refund = refund_tx.payment_id
        if not refund:
            self.message_post(
                body=self.env._(
                    "Refund of %(amount)s requested from %(provider)s (%(ref)s): %(reason)s. "
                    "It is recorded when the processor confirms it.",
                    amount=amount,
                    provider=tx.provider_id.name,
                    ref=refund_tx.reference,
                    reason=reason,
                )
            )
        return refund.sudo(False)
