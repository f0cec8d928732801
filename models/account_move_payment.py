from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import float_compare

from .res_company import BILLING_METHODS


class AccountMove(models.Model):
    """Money in and out of a family invoice: staff payments, void, refund."""

    _inherit = "account.move"

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------
    def _billing_open_moves(self):
        """The invoice and its posted late fees that still carry a balance."""
        self.ensure_one()
        return (self + self.debit_note_ids).filtered(
            lambda m: m.state == "posted" and not m.currency_id.is_zero(m.amount_residual)
        )

    def _billing_register_payment(self, amount, date, method, reference, keep_excess=False):
        """Record a staff payment against the invoice and its late fees.

        :param method: one of check, ach, card, cash, other
        :param keep_excess: an amount above the balance is kept as the
            parent's credit (available to the next invoice); else refused
        :return: the posted ``account.payment``
        """
        self.ensure_one()
        self._billing_check_state(("sent", "overdue"), self.env._("record a payment on"))
        if method not in dict(BILLING_METHODS):
            raise UserError(
                self.env._(
                    "Unknown payment method %(method)r: use one of %(all)s.",
                    method=method,
                    all=", ".join(dict(BILLING_METHODS)),
                )
            )
        if float_compare(amount, 0, precision_rounding=self.currency_id.rounding) <= 0:
            raise UserError(self.env._("The payment amount must be above zero."))
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        self.env["practice.charge"]._lock_rows(self)
        due = self.billing_amount_due
        if self.currency_id.compare_amounts(amount, due) > 0 and not keep_excess:
            raise UserError(
                self.env._(
                    "The payment %(amount)s is more than the balance %(due)s of invoice %(move)s. "
                    "Lower it, or keep the excess as the parent's credit.",
                    amount=amount,
                    due=due,
                    move=self.display_name,
                )
            )
        journal = self.company_id._billing_journal(method)
        if not journal:
            raise UserError(
                self.env._("No bank or cash journal is set for %s payments in the invoice settings.", method)
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
        payment.write({"billing_move_id": self.id, "billing_method": method, "billing_reason": False})
        if method_name := dict(BILLING_METHODS)[method]:
            self.message_post(
                body=self.env._(
                    "Payment of %(amount)s recorded (%(method)s, %(ref)s).",
                    amount=payment.amount,
                    method=method_name,
                    ref=reference or "-",
                )
            )
        return payment

    # ------------------------------------------------------------------
    # Void
    # ------------------------------------------------------------------
    def _billing_void(self, reason):
        """Void: reverse the posted entry (kept for audit), release the charges,
        refuse further payments, log who/when/why."""
        self._billing_check_manager(self.env._("void"))
        if not (reason or "").strip():
            raise UserError(self.env._("Voiding an invoice requires a reason."))
        self._billing_check_state(("draft", "sent", "overdue"), self.env._("void"))
        self.env["practice.charge"]._lock_rows(self)
        for move in self:
            if (
                move.billing_payment_ids.filtered(lambda p: p.state != "canceled" and p.payment_type == "inbound")
                or move.currency_id.compare_amounts(move.billing_amount_paid, 0) > 0
            ):
                raise UserError(
                    self.env._("Invoice %s has payments: refund them before voiding it.", move.display_name)
                )
        for move in self:
            charges = move.invoice_line_ids.practice_charge_id.filtered(lambda c: c.move_line_id.move_id == move)
            if move.state == "posted":
                fees = move.debit_note_ids.filtered(lambda m: m.state == "posted")
                (move + fees)._reverse_moves(
                    [
                        {"ref": self.env._("Void of %(move)s: %(reason)s", move=m.name, reason=reason)}
                        for m in move + fees
                    ],
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
                body=self.env._("Invoice voided by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
            )
        return True

    # ------------------------------------------------------------------
    # Refund
    # ------------------------------------------------------------------
    def _billing_refund(self, amount, reason, credit_invoice=False, method="other", through_processor=False):
        """Refund part or all of what the parent paid.

        The outbound payment is matched against the original payment so the
        invoice's amount paid goes down: its balance comes back, unless
        ``credit_invoice`` also issues a credit note for the same amount
        (then the balance stays at zero).
        :return: the outbound ``account.payment``
        """
        self.ensure_one()
        self._billing_check_manager(self.env._("refund"))
        self._billing_check_state(("paid", "sent", "overdue"), self.env._("refund"))
        if not (reason or "").strip():
            raise UserError(self.env._("A refund requires a reason."))
        if float_compare(amount, 0, precision_rounding=self.currency_id.rounding) <= 0:
            raise UserError(self.env._("The refund amount must be above zero."))
        self.env["practice.charge"]._lock_rows(self)
        if self.currency_id.compare_amounts(amount, self.billing_amount_paid) > 0:
            raise UserError(
                self.env._(
                    "The refund %(amount)s is more than the %(paid)s paid on invoice %(move)s.",
                    amount=amount,
                    paid=self.billing_amount_paid,
                    move=self.display_name,
                )
            )
        inbound = self.billing_payment_ids.filtered(lambda p: p.payment_type == "inbound" and p.state != "canceled")
        source = inbound.sorted("id", reverse=True)[:1]
        if through_processor:
            return self._billing_refund_through_processor(source, amount, reason, credit_invoice)
        journal = source.journal_id or self.company_id._billing_journal(method)
        refund = self.env["account.payment"].create(
            {
                "payment_type": "outbound",
                "partner_type": "customer",
                "partner_id": self.commercial_partner_id.id,
                "amount": amount,
                "currency_id": self.currency_id.id,
                "journal_id": journal.id,
                "date": fields.Date.context_today(self),
                "memo": self.env._("Refund %(move)s: %(reason)s", move=self.name, reason=reason),
                "billing_move_id": self.id,
                "billing_method": method,
                "billing_reason": reason,
            }
        )
        refund.action_post()
        self._billing_apply_refund(refund, amount, reason, credit_invoice)
        return refund

    def _billing_apply_refund(self, refund, amount, reason, credit_invoice):
        """Re-match receivables so the refund lowers this invoice's amount paid."""
        fees = self.debit_note_ids.filtered(lambda m: m.state == "posted")
        receivable = (self + fees).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        paid_lines = (receivable.matched_credit_ids.credit_move_id - self.reversal_move_ids.line_ids).filtered(
            lambda l: l.move_id.origin_payment_id
        )
        refund_line = refund.move_id.line_ids.filtered(lambda l: l.account_id in receivable.account_id)
        paid_lines.remove_move_reconcile()
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
                    "ref": self.env._("Credit for %(move)s: %(reason)s", move=self.name, reason=reason),
                    "invoice_line_ids": [
                        fields.Command.create(
                            {
                                "product_id": self.env.ref("parent_billing.product_billing_adjustment").id,
                                "name": self.env._("Refund credit: %s", reason),
                                "quantity": 1.0,
                                "price_unit": amount,
                                "tax_ids": [fields.Command.clear()],
                            }
                        )
                    ],
                }
            )
            credit_note.action_post()
        open_paid = paid_lines.filtered(lambda l: not l.reconciled)
        to_match = receivable + credit_note.line_ids.filtered(lambda l: l.account_id in receivable.account_id)
        (to_match + open_paid).filtered(lambda l: not l.reconciled).reconcile()
        self.message_post(
            body=self.env._(
                "Refund of %(amount)s issued: %(reason)s%(credit)s",
                amount=refund.amount,
                reason=reason,
                credit=self.env._(" (invoice credited)") if credit_invoice else "",
            )
        )

    def _billing_refund_through_processor(self, source, amount, reason, credit_invoice):
        tx = source.payment_transaction_id
        if not tx or not tx.provider_id.support_refund:
            raise UserError(
                self.env._(
                    "The payment on invoice %s did not come through a processor that supports refunds; "
                    "record the refund for accounting only.",
                    self.display_name,
                )
            )
        refund_tx = tx._send_refund_request(amount_to_refund=amount)
        refund_tx._post_process()
        refund = refund_tx.payment_id
        refund.write(
            {"billing_move_id": self.id, "billing_method": source.billing_method or "card", "billing_reason": reason}
        )
        self._billing_apply_refund(refund, amount, reason, credit_invoice)
        return refund
