from odoo import api, models
from odoo.exceptions import UserError


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        transactions = super().create(vals_list)
        transactions._billing_check_payable()
        return transactions

    def _billing_check_payable(self):
        """A voided family invoice accepts no new payment, online or not."""
        for tx in self:
            voided = tx.invoice_ids._billing_family().filtered(lambda m: m.billing_state == "voided")
            if voided:
                raise UserError(self.env._("Invoice %s was voided and accepts no payment.", voided[0].name))

    def _create_payment(self, **extra_create_values):
        """Processor payments on a family invoice land in its payment log,
        with the processor's transaction id in their reference (Odoo's memo)."""
        family = self.invoice_ids._billing_family()[:1]
        if family:
            extra_create_values.setdefault("billing_move_id", family.id)
            extra_create_values.setdefault("billing_method", "card")
            if family.billing_state == "voided":
                # Money already taken for a voided invoice: keep it as the
                # parent's credit for a refund, never match it to the invoice.
                extra_create_values["invoice_ids"] = self.env["account.move"]
        return super()._create_payment(**extra_create_values)
