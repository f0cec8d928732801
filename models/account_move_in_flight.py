"""Money in flight: an invoice has at most one live charge.

A live charge is a ``payment.transaction`` on a family invoice (or its late
fees), whatever path made it (Pay now, autopay, staff through the processor),
that may still take or has just taken the parent's money: not a refund or a
validation, and

- a draft started less than ``LIVE_DRAFT_MINUTES`` ago (the parent is on the
  processor's page),
- pending or authorized on a real processor (Odoo's wire-transfer style
  ``custom``/``none`` providers take no money by themselves), or
- done and not yet post-processed (the money is taken, its payment is not
  recorded yet), within Odoo's post-processing window.

While one is live, autopay starts no other charge, Pay now starts none, and
Record Payment and Void are refused naming it. A billing manager releases a
stuck one (``_billing_release_transaction``), with a logged reason.
"""

import math
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from .account_move import BILLING_OPEN_STATES
from .base import billing_number

LIVE_DRAFT_MINUTES = 30
# Odoo's _cron_post_process gives up on a transaction after this many days.
POST_PROCESS_WINDOW_DAYS = 4
# Providers that take no money by themselves (Odoo's _has_to_be_paid ignores them).
MANUAL_PROVIDER_CODES = ("custom", "none")


class AccountMove(models.Model):
    _inherit = "account.move"

    billing_has_live_transaction = fields.Boolean(
        string="Payment In Progress",
        compute="_compute_billing_has_live_transaction",
        help="A charge of this invoice is being processed: no other payment, charge or void until it ends "
        "(or a billing manager releases it).",
    )

    def _compute_billing_has_live_transaction(self):
        for move in self:
            move.billing_has_live_transaction = bool(move.id and move._billing_live_transactions())

    # ------------------------------------------------------------------
    # The rule
    # ------------------------------------------------------------------
    def _billing_live_transactions(self):
        """The live transactions of these family invoices and their late fees.
        While the parent's invoice page renders (a read-only request that
        asks it several times: Pay now, the in-progress notice), the answer
        is kept for the request (``billing_live_memo``, set by the portal
        controller)."""
        memo = getattr(request, "billing_live_memo", None) if request else None
        key = tuple(sorted(self.ids))
        if memo is not None and key in memo:
            return self.env["payment.transaction"].sudo().browse(memo[key])
        live = self._billing_live_transactions_search()
        if memo is not None:
            memo[key] = live.ids
        return live

    def _billing_live_transactions_search(self):
        Transaction = self.env["payment.transaction"].sudo()
        moves = self.sudo().exists()
        invoices = (moves | moves.billing_origin_id)._billing_family().filtered(lambda m: not m.billing_origin_id)
        if not invoices:
            return Transaction
        now = fields.Datetime.now()
        targets = invoices | invoices.debit_note_ids
        return Transaction.search(
            [
                "|",
                ("invoice_ids", "in", targets.ids),
                ("billing_autopay_move_id", "in", invoices.ids),
                ("operation", "not in", ("refund", "validation")),
                "|",
                "|",
                "&",
                ("state", "=", "draft"),
                ("create_date", ">=", now - timedelta(minutes=LIVE_DRAFT_MINUTES)),
                "&",
                ("state", "in", ("pending", "authorized")),
                ("provider_id.code", "not in", MANUAL_PROVIDER_CODES),
                "&",
                "&",
                ("state", "=", "done"),
                ("is_post_processed", "=", False),
                ("last_state_change", ">=", now - timedelta(days=POST_PROCESS_WINDOW_DAYS)),
            ],
            order="id",
        )

    def _billing_check_no_live_transaction(self, action):
        """Refuse ``action`` ("payment", "void" or "charge") while a charge of
        one of these invoices is live, naming it."""
        for move in self:
            live = move._billing_live_transactions()[:1]
            if not live:
                continue
            values = {
                "move": move.display_name,
                "ref": live.reference,
                "amount": move.currency_id.format(live.amount),
            }
            if action == "void":
                message = self.env._(
                    "Invoice %(move)s cannot be voided while its payment %(ref)s (%(amount)s) is being processed. "
                    "Wait for the processor's answer, or have a billing manager release it.",
                    **values,
                )
            elif action == "charge":
                message = self.env._(
                    "A payment of invoice %(move)s is already being processed (%(ref)s). "
                    "Wait for it to finish before paying again.",
                    **values,
                )
            else:
                message = self.env._(
                    "Invoice %(move)s cannot take a payment while its payment %(ref)s (%(amount)s) is being "
                    "processed. Wait for the processor's answer, or have a billing manager release it.",
                    **values,
                )
            raise UserError(message)

    # ------------------------------------------------------------------
    # The paths that take money
    # ------------------------------------------------------------------
    def _billing_register_payment(self, amount, date, method, reference, keep_excess=False):
        self.ensure_one()
        if self._billing_family():
            self._billing_lock()
            self._billing_check_no_live_transaction("payment")
        return super()._billing_register_payment(amount, date, method, reference, keep_excess=keep_excess)

    def _billing_void(self, reason):
        family = self._billing_family()
        if family:
            family._billing_lock()
            family._billing_check_no_live_transaction("void")
        return super()._billing_void(reason)

    def _has_to_be_paid(self):
        self.ensure_one()
        if self._billing_family() and (
            self.billing_state not in BILLING_OPEN_STATES or self._billing_live_transactions()
        ):
            return False
        return super()._has_to_be_paid()

    def _billing_check_chargeable(self, amount):
        """A new charge of these family invoices (Pay now, autopay): payable,
        none live, more than zero and at most the balance shown (invoices and
        their open late fees)."""
        invoices = self.sudo().exists()
        invoices = (invoices | invoices.billing_origin_id)._billing_family().filtered(lambda m: not m.billing_origin_id)
        if not invoices:
            return
        invoices._billing_check_payable()
        settled = invoices.filtered(lambda m: m.billing_state not in BILLING_OPEN_STATES)
        if settled:
            raise UserError(
                self.env._(
                    "Invoice %(move)s has nothing to pay (it is %(state)s).",
                    move=settled[0].name,
                    state=dict(settled[0]._fields["billing_state"]._description_selection(self.env)).get(
                        settled[0].billing_state, settled[0].billing_state
                    ),
                )
            )
        invoices._billing_check_no_live_transaction("charge")
        currency = invoices[0].currency_id
        value = self._billing_payment_value(amount, currency)
        balance = currency.round(sum(invoices.mapped("billing_amount_due")))
        if currency.compare_amounts(value, balance) > 0:
            values = {"amount": currency.format(value), "balance": currency.format(balance), "move": invoices[0].name}
            raise UserError(
                self.env._("The payment %(amount)s is more than the balance %(balance)s of invoice %(move)s.", **values)
            )

    @api.model
    def _billing_payment_value(self, amount, currency):
        """A payment amount typed by a parent or staff (``amount``, any type)
        as a number, refused unless it is a number above zero in ``currency``."""
        value = billing_number(amount)
        if not math.isfinite(value) or currency.compare_amounts(value, 0) <= 0:
            raise UserError(self.env._("The payment amount must be above zero (got %(amount)s).", amount=amount))
        return value

    # ------------------------------------------------------------------
    # Release
    # ------------------------------------------------------------------
    def action_billing_open_release(self):
        return self._billing_wizard_action("account.move.billing.release", self.env._("Release Payment"))

    def _billing_release_transaction(self, reason):
        """A billing manager ends this invoice's stuck charge (an abandoned
        click, a processor that never answered): a pending one is cancelled,
        one whose money was taken is recorded now. The reason is logged."""
        self.ensure_one()
        if not self.env.user.has_group("parent_billing.parent_billing_group_manager"):
            raise AccessError(self.env._("Only a billing manager can release a payment in progress."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Releasing a payment in progress requires a reason."))
        live = self._billing_live_transactions()
        if not live:
            raise UserError(self.env._("Invoice %(move)s has no payment in progress.", move=self.display_name))
        for tx in live:
            values = {
                "ref": tx.reference,
                "amount": self.currency_id.format(tx.amount),
                "user": self.env.user.name,
                "reason": reason,
            }
            if tx.state == "done":
                tx._post_process()
                note = self.env._(
                    "Payment %(ref)s (%(amount)s) was taken by the processor and recorded now by %(user)s: %(reason)s",
                    **values,
                )
            else:
                tx._set_canceled(state_message=reason)
                # Released by staff, not declined by the bank: no "declined" email.
                tx.is_post_processed = True
                note = self.env._("Payment in progress %(ref)s (%(amount)s) released by %(user)s: %(reason)s", **values)
            self.message_post(body=note, subtype_xmlid="mail.mt_note")
        return True


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("invoice_ids") and vals.get("operation") not in ("refund", "validation"):
                invoice_ids = self._fields["invoice_ids"].convert_to_cache(vals["invoice_ids"], self)
                self.env["account.move"].browse(invoice_ids)._billing_check_chargeable(vals.get("amount"))
        return super().create(vals_list)

    def _create_payment(self, **extra_create_values):
        """Money that reaches a settled or voided family invoice (or more than
        its balance) stays the account's credit and is flagged for review."""
        invoices = self._billing_invoices() if len(self) == 1 else self.env["account.move"]
        if not invoices or self.operation in ("refund", "validation") or self.payment_id:
            return super()._create_payment(**extra_create_values)
        open_invoices = invoices.filtered(lambda m: m.billing_state in BILLING_OPEN_STATES)
        balance = self.currency_id.round(sum(open_invoices.mapped("billing_amount_due")))
        payment = super()._create_payment(**extra_create_values)
        arrived = self._billing_amount_arrived()
        if payment and self.currency_id.compare_amounts(arrived, balance) > 0:
            invoices[:1]._billing_flag_for_review(
                self.env._(
                    "Payment %(ref)s of %(amount)s arrived when invoice %(move)s had %(balance)s left to pay: "
                    "%(excess)s stays on the parent's account as a credit. Check whether to refund it.",
                    ref=self.reference,
                    amount=self.currency_id.format(arrived),
                    move=invoices[:1].name,
                    balance=self.currency_id.format(balance),
                    excess=self.currency_id.format(arrived - balance),
                )
            )
        return payment
