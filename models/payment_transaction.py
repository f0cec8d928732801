from odoo import Command, api, models
from odoo.tools import SQL

from .account_move_seal import billing_transition


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

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

    def _billing_invoice(self):
        """The family invoice this transaction pays (or, for a refund, the one
        its source transaction paid)."""
        self.ensure_one()
        return (self.invoice_ids or self.source_transaction_id.invoice_ids)._billing_family()[:1]

    def _billing_references(self):
        """What staff may have typed as the reference of this transaction."""
        self.ensure_one()
        return {ref for ref in (self.reference, self.provider_reference) if ref}

    @billing_transition
    def _create_payment(self, **extra_create_values):
        """Processor payments on a family invoice land in its payment log,
        with the processor's transaction id in their reference (Odoo's memo).

        One transaction never yields two payments: the transaction row is
        locked (a second notification processed at the same time waits, then
        finds the payment), and a staff payment already recorded on the
        invoice with this transaction's reference is linked instead of
        creating a second one.
        """
        self.ensure_one()
        family = self._billing_invoice()
        if not family:
            return super()._create_payment(**extra_create_values)
        self.env.cr.execute(SQL("SELECT id FROM payment_transaction WHERE id = %s FOR UPDATE", self.id))
        self.env.cr.execute(SQL("SELECT id FROM account_move WHERE id = %s FOR UPDATE", family.id))
        self.invalidate_recordset(["payment_id"])
        family.invalidate_recordset()
        if self.payment_id:
            return self.payment_id
        if self.operation == "refund":
            if family.billing_state == "voided":
                return super()._create_payment(**extra_create_values)
            source_payment = self.source_transaction_id.payment_id
            extra_create_values.setdefault("billing_move_id", family.id)
            extra_create_values.setdefault("billing_method", source_payment.billing_method or "card")
            refund = super()._create_payment(**extra_create_values)
            self._billing_apply_processor_refund(family, refund)
            return refund
        if family.billing_state == "voided":
            # Its receivable line is already matched by the reversal: the
            # money stays on the parent's account as a credit.
            extra_create_values["invoice_ids"] = self.env["account.move"]
            payment = super()._create_payment(**extra_create_values)
            self._billing_log_credit_on_voided(family, payment)
            return payment
        if staff_payment := self._billing_link_staff_payment(family):
            return staff_payment
        extra_create_values.setdefault("billing_move_id", family.id)
        extra_create_values.setdefault("billing_method", "card")
        return super()._create_payment(**extra_create_values)

    def _billing_link_staff_payment(self, family):
        """Staff already recorded this transaction's money by hand (quoting its
        reference): link it instead of creating a second payment."""
        staff_payment = family.billing_payment_ids.filtered(
            lambda p: p.payment_type == "inbound"
            and p.state != "canceled"
            and not p.payment_transaction_id
            and (p.memo or "").strip() in self._billing_references()
        )[:1]
        if staff_payment:
            staff_payment.payment_transaction_id = self
            self.payment_id = staff_payment
            family.message_post(
                body=self.env._(
                    "Processor transaction %(ref)s matches payment %(payment)s already recorded by staff; "
                    "no second payment was created.",
                    ref=self.reference,
                    payment=staff_payment.name,
                )
            )
        return staff_payment

    def _billing_log_credit_on_voided(self, family, payment):
        """Money already taken for a voided invoice is never matched to it."""
        family.message_post(
            body=self.env._(
                "Invoice %(move)s is voided: processor payment %(payment)s (%(ref)s) was not applied to it "
                "and stays on the parent's account as a credit.",
                move=family.name,
                payment=payment.name,
                ref=self.reference,
            )
        )

    def _billing_apply_processor_refund(self, family, refund):
        """A processor refund (from Issue Refund, or Odoo's own Refund button on
        the payment) lowers the invoice's amount paid like a staff refund."""
        reason = self.env.context.get("billing_refund_reason") or self.env._(
            "Refund through %(provider)s (%(ref)s)", provider=self.provider_id.name, ref=self.reference
        )
        family._billing_apply_refund(refund, reason, self.env.context.get("billing_refund_credit", False))
