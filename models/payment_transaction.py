from odoo import Command, api, fields, models
from odoo.tools import SQL

from odoo.addons.payment import utils as payment_utils

from .account_move_seal import billing_transition


class PaymentTransaction(models.Model):
    """Processor money on family invoices: recorded once, as what arrived,
    on the invoice it pays; refunds never exceed what was paid, whatever the
    order in which the processor's events arrive."""

    _inherit = "payment.transaction"

    billing_amount_received = fields.Monetary(
        "Amount Received",
        readonly=True,
        copy=False,
        help="What the processor reports it actually took, when it says so (empty: the transaction's amount).",
    )
    billing_refund_move_id = fields.Many2one(
        "account.move",
        "Refunded Invoice",
        readonly=True,
        copy=False,
        help="On a refund asked with Issue Refund: the family invoice it refunds.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("invoice_ids") and vals.get("operation") != "refund":
                invoice_ids = self._fields["invoice_ids"].convert_to_cache(vals["invoice_ids"], self)
                invoices = self.env["account.move"].browse(invoice_ids)
                invoices._billing_check_payable()
                # Pay now on a family invoice settles its open late fees too:
                # the parent pays the balance the portal shows.
                fees = invoices._billing_family().billing_late_fee_ids.filtered(
                    lambda fee: fee.state == "posted" and not fee.currency_id.is_zero(fee.amount_residual)
                )
                if fees - invoices:
                    vals["invoice_ids"] = [Command.set((invoices | fees).ids)]
        return super().create(vals_list)

    @api.constrains("invoice_ids")
    def _check_billing_payable(self):
        for tx in self.filtered(lambda t: t.operation != "refund" and t.state in ("draft", "pending")):
            tx.invoice_ids._billing_check_payable()

    def _billing_invoices(self):
        """The family invoices this transaction pays (or, for a refund, the
        ones its source transaction paid), oldest due first. Late fees count
        as part of their invoice."""
        self.ensure_one()
        moves = self.invoice_ids or self.source_transaction_id.invoice_ids
        invoices = (moves | moves.billing_origin_id)._billing_family().filtered(lambda m: not m.billing_origin_id)
        return invoices.sorted(lambda m: (m.invoice_date_due or m.invoice_date or fields.Date.today(), m.id))

    def _billing_references(self):
        """What staff may have typed as the reference of this transaction."""
        self.ensure_one()
        return {ref for ref in (self.reference, self.provider_reference) if ref}

    # ------------------------------------------------------------------
    # What arrived
    # ------------------------------------------------------------------
    def _process_notification_data(self, notification_data):
        res = super()._process_notification_data(notification_data)
        if self.state == "done" and self.operation not in ("validation", "refund"):
            received = self._billing_received_from_notification(notification_data)
            if received is not None:
                self.billing_amount_received = received
        return res

    def _billing_received_from_notification(self, notification_data):
        """The amount the processor says it took, in major units, or None when
        its notification does not say. Providers that report it add theirs."""
        if self.provider_code == "stripe":
            # Stripe's PaymentIntent: amounts in minor units, amount_received
            # is what was actually captured.
            intent = notification_data.get("payment_intent")
            if isinstance(intent, dict) and intent.get("status") == "succeeded":
                minor = intent.get("amount_received", intent.get("amount"))
                if minor is not None:
                    return payment_utils.to_major_currency_units(minor, self.currency_id)
        return None

    def _billing_amount_arrived(self):
        self.ensure_one()
        return self.billing_amount_received or self.amount

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------
    def _post_process(self):
        """Odoo skips the payment of a transaction that has a done child
        (because partial captures reconcile in the child). A refund event
        processed before its payment event is such a child: the payment must
        still be recorded, then the refund applied to it."""
        res = super()._post_process()
        for tx in self.filtered(
            lambda t: t.state == "done"
            and t.operation not in ("validation", "refund")
            and not t.payment_id
            and t._billing_invoices()
        ):
            children = tx.child_transaction_ids.filtered(lambda c: c.state in ("done", "cancel"))
            if children and all(child.operation == "refund" for child in children):
                tx.with_company(tx.company_id)._create_payment()
        return res

    @billing_transition
    def _create_payment(self, **extra_create_values):
        """Processor payments on a family invoice land in its payment log,
        with the processor's transaction id in their reference (Odoo's memo).

        One transaction never yields two payments: the transaction row is
        locked (a second notification processed at the same time waits, then
        finds the payment), and a staff payment already recorded on the
        invoice for this transaction (its reference typed by staff, same
        amount) is linked instead of creating a second one. The amount is
        what the processor took; a difference is flagged for staff. A
        payment for several invoices is split, one payment per invoice.
        """
        self.ensure_one()
        invoices = self._billing_invoices()
        if not invoices:
            return super()._create_payment(**extra_create_values)
        self.env.cr.execute(SQL("SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE", self.id))
        self.env.cr.execute(SQL("SELECT id FROM account_move WHERE id IN %s FOR UPDATE", tuple(invoices.ids)))
        self.invalidate_recordset(["payment_id"])
        invoices.invalidate_recordset()
        if self.payment_id:
            return self.payment_id
        if self.operation == "refund":
            family = self._billing_refunded_invoice(invoices)
            if not self._billing_refund_accepted(family):
                return self.env["account.payment"]
            source_payment = self.source_transaction_id.payment_id
            extra_create_values.setdefault("billing_move_id", family.id)
            extra_create_values.setdefault("billing_method", source_payment.billing_method or "card")
            refund = super()._create_payment(**extra_create_values)
            reason = self.env.context.get("billing_refund_reason") or self.env._(
                "Refund through %(provider)s (%(ref)s)", provider=self.provider_id.name, ref=self.reference
            )
            family._billing_apply_refund(refund, reason, self.env.context.get("billing_refund_credit", False))
            return refund
        arrived = self._billing_amount_arrived()
        if self.currency_id.compare_amounts(arrived, self.amount):
            self._billing_flag_amount_mismatch(invoices, arrived)
        if self.currency_id.compare_amounts(arrived, 0) <= 0:
            return self.env["account.payment"]
        if len(invoices) == 1 and (staff_payment := self._billing_link_staff_payment(invoices, arrived)):
            return staff_payment
        shares = self._billing_shares(invoices, arrived)
        if len(shares) == 1:
            family = shares[0][0]
            extra_create_values.setdefault("billing_move_id", family.id)
            extra_create_values.setdefault("billing_method", "card")
            extra_create_values.setdefault("amount", arrived)
            if family.billing_state == "voided":
                # Its receivable line is already matched by the reversal: the
                # money stays on the parent's account as a credit, in the
                # invoice's payment log (so Billing AR shows it) and refundable.
                extra_create_values["invoice_ids"] = self.env["account.move"]
                payment = super()._create_payment(**extra_create_values)
                self._billing_log_credit_on_voided(family, payment)
            else:
                payment = super()._create_payment(**extra_create_values)
        else:
            payment = self._billing_create_split_payments(shares, extra_create_values)
        self._billing_apply_waiting_refunds()
        return payment

    def _billing_shares(self, invoices, amount):
        """Split ``amount`` over the invoices: each open invoice (oldest due
        first) gets up to its balance, the last open one any excess; voided
        invoices get nothing unless nothing else is open."""
        open_invoices = invoices.filtered(lambda m: m.billing_state != "voided") or invoices[:1]
        shares = []
        remaining = amount
        for invoice in open_invoices:
            if invoice == open_invoices[-1]:
                share = remaining
            else:
                share = min(remaining, max(invoice.billing_amount_due, 0.0))
            share = self.currency_id.round(share)
            if self.currency_id.compare_amounts(share, 0) > 0:
                shares.append((invoice, share))
                remaining -= share
        return shares

    def _billing_create_split_payments(self, shares, extra_create_values):
        """One payment per invoice, each matched to that invoice and its late
        fees only, so each invoice's payment log shows its own share."""
        method_line = self.provider_id.journal_id.inbound_payment_method_line_ids.filtered(
            lambda line: line.payment_provider_id == self.provider_id
        )
        memo = f"{self.reference} - {self.partner_id.display_name or ''} - {self.provider_reference or ''}"
        total = sum(share for _invoice, share in shares)
        payments = self.env["account.payment"]
        for invoice, share in shares:
            moves = (invoice + invoice._billing_fees()).filtered(lambda m: m in self.invoice_ids)
            payment = self.env["account.payment"].create(
                {
                    "payment_type": "inbound",
                    "partner_type": "customer",
                    "partner_id": self.partner_id.commercial_partner_id.id,
                    "currency_id": self.currency_id.id,
                    "journal_id": self.provider_id.journal_id.id,
                    "company_id": self.provider_id.company_id.id,
                    "payment_method_line_id": method_line[:1].id,
                    "payment_token_id": self.token_id.id,
                    "payment_transaction_id": self.id,
                    "memo": memo,
                    "invoice_ids": [Command.set(moves.ids)],
                    **extra_create_values,
                    "amount": share,
                    "billing_move_id": invoice.id,
                    "billing_method": extra_create_values.get("billing_method", "card"),
                }
            )
            payment.action_post()
            (payment.move_id.line_ids + moves.line_ids).filtered(
                lambda line, payment=payment: line.account_id == payment.destination_account_id and not line.reconciled
            ).reconcile()
            invoice.message_post(
                body=self.env._(
                    "Processor payment %(payment)s: %(share)s of the %(total)s paid with transaction %(ref)s "
                    "was applied to this invoice.",
                    payment=payment.name,
                    share=share,
                    total=total,
                    ref=self.reference,
                )
            )
            payments |= payment
        self.payment_id = payments[:1]
        return payments[:1]

    def _billing_link_staff_payment(self, invoices, amount):
        """Staff already recorded this transaction's money by hand, typing its
        reference in the payment's reference and the same amount: link it
        instead of creating a second payment. An invoice number in the memo
        (Odoo's default) is not a staff reference."""
        family = invoices[:1]
        references = self._billing_references()
        staff_payment = family.billing_payment_ids.filtered(
            lambda p: p.payment_type == "inbound"
            and p.state != "canceled"
            and not p.payment_transaction_id
            and p.billing_reference
            and p.billing_reference in references
            and not p.currency_id.compare_amounts(p.amount, amount)
        )[:1]
        if staff_payment:
            staff_payment.payment_transaction_id = self
            self.payment_id = staff_payment
            names = {"ref": self.reference, "payment": staff_payment.name}
            family.message_post(
                body=self.env._(
                    "Processor transaction %(ref)s matches payment %(payment)s already recorded by staff; "
                    "no second payment was created.",
                    **names,
                )
            )
        return staff_payment

    def _billing_flag_amount_mismatch(self, invoices, arrived):
        invoices[:1]._billing_flag_for_review(
            self.env._(
                "Transaction %(ref)s was confirmed by %(provider)s for %(arrived)s, not the %(amount)s it was "
                "started for: only %(arrived)s was recorded. Check the processor's dashboard.",
                ref=self.reference,
                provider=self.provider_id.name,
                arrived=arrived,
                amount=self.amount,
            )
        )

    def _billing_log_credit_on_voided(self, family, payment):
        """Money already taken for a voided invoice is never matched to it."""
        family.message_post(
            body=self.env._(
                "Invoice %(move)s is voided: processor payment %(payment)s (%(ref)s) was not applied to it "
                "and stays on the parent's account as a credit, refundable with Issue Refund.",
                move=family.name,
                payment=payment.name,
                ref=self.reference,
            )
        )

    # ------------------------------------------------------------------
    # Refunds
    # ------------------------------------------------------------------
    def _billing_source_payments(self):
        """The inbound payments recorded for this (source) transaction."""
        self.ensure_one()
        return (
            self.env["account.payment"]
            .sudo()
            .search([("payment_transaction_id", "=", self.id), ("state", "!=", "canceled")])
            .filtered(lambda p: p.payment_type == "inbound")
        )

    def _billing_refundable(self):
        """What is left to refund of this (source) transaction's money: what
        was recorded for it, less its recorded refunds."""
        self.ensure_one()
        refunds = self.child_transaction_ids.filtered(lambda t: t.operation == "refund").payment_id
        refunded = sum(refunds.filtered(lambda p: p.state != "canceled").mapped("amount"))
        return self.currency_id.round(sum(self._billing_source_payments().mapped("amount")) - refunded)

    def _billing_refunded_invoice(self, invoices):
        """The invoice a refund applies to: the one it was asked on, else (a
        refund made in the processor's dashboard) the latest invoice paid by
        the source transaction that has enough paid to take it."""
        if self.billing_refund_move_id:
            return self.billing_refund_move_id
        for payment in self.source_transaction_id._billing_source_payments().sorted("id", reverse=True):
            invoice = payment.billing_move_id
            if (
                invoice in invoices
                and self.currency_id.compare_amounts(invoice._billing_amount_refundable(), -self.amount) >= 0
            ):
                return invoice
        return invoices[:1]

    def _billing_refund_accepted(self, family):
        """Whether this refund can be recorded now: never before the payment
        it refunds, never beyond what that payment left to refund."""
        source = self.source_transaction_id
        if not source._billing_source_payments():
            # The processor's refund event came before its payment event: the
            # refund is recorded right after the payment (_post_process).
            family.message_post(
                body=self.env._(
                    "Refund %(ref)s of %(amount)s arrived before the payment of transaction %(source_ref)s; "
                    "it is recorded once that payment is.",
                    ref=self.reference,
                    amount=-self.amount,
                    source_ref=source.reference,
                )
            )
            return False
        refundable = source._billing_refundable()
        if self.currency_id.compare_amounts(-self.amount, refundable) > 0:
            family._billing_flag_for_review(
                self.env._(
                    "Refund %(ref)s of %(amount)s from %(provider)s was not recorded: only %(refundable)s of "
                    "transaction %(source_ref)s is left to refund. Check the processor's dashboard.",
                    ref=self.reference,
                    amount=-self.amount,
                    provider=self.provider_id.name,
                    refundable=refundable,
                    source_ref=source.reference,
                )
            )
            return False
        return True

    def _create_child_transaction(self, amount, is_refund=False, **custom_create_values):
        """A refund asked from Issue Refund belongs to the invoice it was asked
        on (a payment split over several invoices refunds one share)."""
        if is_refund and (move_id := self.env.context.get("billing_refund_move_id")):
            custom_create_values.setdefault("billing_refund_move_id", move_id)
        return super()._create_child_transaction(amount, is_refund=is_refund, **custom_create_values)

    def _billing_apply_waiting_refunds(self):
        """Refunds of this transaction that arrived before its payment."""
        waiting = self.child_transaction_ids.filtered(
            lambda t: t.operation == "refund" and t.state == "done" and not t.payment_id
        )
        for refund_tx in waiting.sorted("id"):
            refund_tx._create_payment()
