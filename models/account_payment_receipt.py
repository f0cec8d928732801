import logging

from odoo import api, models

_logger = logging.getLogger(__name__)

# The precommit data key of the payments created in this transaction.
RECEIPT_KEY = "parent_billing.receipt_payment_ids"


class AccountPayment(models.Model):
    """A receipt to the parent for every payment that lands on a family
    invoice, whatever the path (staff Record Payment, Pay now, autopay, a
    processor payment split over several invoices).

    One place fires it: every payment is created through ``create``, which
    notes it; the receipts go out once the transaction is about to commit
    (``cr.precommit``), when the payment is posted, matched to its invoice and
    knows its method. A payment is created once, so its receipt is sent at
    most once.
    """

    _inherit = "account.payment"

    @api.model_create_multi
    def create(self, vals_list):
        payments = super().create(vals_list)
        inbound = payments.filtered(lambda p: p.payment_type == "inbound" and p.partner_type == "customer")
        if inbound:
            precommit = self.env.cr.precommit
            if RECEIPT_KEY not in precommit.data:
                precommit.data[RECEIPT_KEY] = set()
                precommit.add(self._billing_send_receipts_precommit)
            precommit.data[RECEIPT_KEY].update(inbound.ids)
        return payments

    def _billing_send_receipts_precommit(self):
        ids = self.env.cr.precommit.data.pop(RECEIPT_KEY, set())
        payments = self.env["account.payment"].sudo().browse(sorted(ids)).exists()
        for payment in payments.filtered(lambda p: p._billing_receipt_due()):
            try:
                with self.env.cr.savepoint():
                    payment._billing_send_receipt()
            except Exception:
                # A receipt that cannot be rendered must not undo the payment.
                _logger.exception("Receipt of payment %s could not be queued", payment.id)
        self.env.flush_all()

    def _billing_receipt_due(self):
        """A posted payment in from the parent, landed on an open family invoice."""
        self.ensure_one()
        invoice = self.billing_move_id
        return (
            self.payment_type == "inbound"
            and self.state in ("in_process", "paid")
            and invoice._billing_family()
            and invoice.state == "posted"
            and invoice.billing_state != "voided"
        )

    def _billing_send_receipt(self):
        """Email the receipt to the invoice's parent; staff see it in the invoice's messages."""
        self.ensure_one()
        invoice = self.billing_move_id
        parent = invoice.partner_id
        if not parent.email:
            invoice.message_post(
                body=self.env._(
                    "No receipt was emailed for payment %(payment)s: %(parent)s has no email address.",
                    payment=self.name,
                    parent=parent.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
            return False
        template = self.env.ref("parent_billing.mail_template_payment_receipt")
        # The email's header says "Your Receipt", not Odoo's "Payment".
        model_description = self.with_context(lang=parent.lang or self.env.lang).env._("Receipt")
        self._billing_email_parent(template, parent, model_description=model_description)
        invoice.message_post(
            body=self.env._(
                "Receipt for payment %(payment)s of %(amount)s emailed to %(parent)s.",
                payment=self.name,
                amount=self.currency_id.format(self.amount),
                parent=parent.name,
            ),
            subtype_xmlid="mail.mt_note",
        )
        return True

    # ------------------------------------------------------------------
    # What the receipt says (read by the template, in the parent's language)
    # ------------------------------------------------------------------
    def _billing_receipt_method(self):
        """The payment method's label (Card, Check, ...) in the reader's language."""
        self.ensure_one()
        labels = dict(self._fields["billing_method"]._description_selection(self.env))
        return labels.get(self.billing_method) or self.payment_method_line_id.name or ""

    def _billing_receipt_lines(self):
        """The services the invoice bills (date, name): never a note or a diagnosis."""
        self.ensure_one()
        return self.billing_move_id.invoice_line_ids.filtered(
            lambda line: line.display_type == "product" and not line.billing_is_adjustment
        ).sorted(lambda line: (line.practice_service_date or line.move_id.invoice_date, line.id))
