from odoo import models


class PaymentTransaction(models.Model):
    """A payment on a family invoice is posted to the invoice's account,
    whoever pays (Odoo posts it to the payer's own account: another family
    paying through the emailed link would get it on their ledger)."""

    _inherit = "payment.transaction"

    def _create_payment(self, **extra_create_values):
        self.ensure_one()
        if invoices := self._billing_invoices():
            extra_create_values["partner_id"] = invoices[:1].commercial_partner_id.id
        return super()._create_payment(**extra_create_values)
