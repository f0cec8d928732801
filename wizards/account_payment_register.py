from odoo import models
from odoo.exceptions import UserError


class AccountPaymentRegister(models.TransientModel):
    _inherit = "account.payment.register"

    def _create_payments(self):
        if not self.env["account.move"]._billing_in_transition():
            if family := self.line_ids.move_id._billing_documents():
                raise UserError(
                    self.env._(
                        "Payments on family invoice %(move)s are recorded with Record Payment on the invoice.",
                        move=family[0].display_name,
                    )
                )
        families = self.line_ids.billing_family_move_id
        if len(families) > 1:
            return self._billing_create_payments_per_invoice(families)
        return super()._create_payments()

    def _billing_create_payments_per_invoice(self, families):
        """A payment on several family invoices becomes one payment per
        invoice (matched to that invoice and its late fees only, in its
        payment log), as the processor path does, so every payment item has
        one family invoice (Billing AR reads it off the item). The amount is
        split oldest due first, each invoice up to its balance, the last one
        any excess or shortfall."""
        self.ensure_one()
        if others := self.line_ids.filtered(lambda line: not line.billing_family_move_id):
            raise UserError(
                self.env._(
                    "A payment on several family invoices cannot also pay %(move)s: register it on its own.",
                    move=others.move_id[:1].display_name,
                )
            )
        families = families.sorted(lambda m: (m.invoice_date_due or m.invoice_date or m.date, m.id))
        currency = self.currency_id
        remaining = self.amount
        payments = self.env["account.payment"]
        for family in families:
            own = self.line_ids.filtered(lambda line, family=family: line.billing_family_move_id == family)
            wizard = self.with_context(active_model="account.move.line", active_ids=own.ids).create(
                {
                    "payment_date": self.payment_date,
                    "journal_id": self.journal_id.id,
                    "payment_method_line_id": self.payment_method_line_id.id,
                    "currency_id": currency.id,
                    "communication": self.communication,
                    "group_payment": True,
                }
            )
            # the wizard opened on this invoice's items alone proposes its balance
            share = remaining if family == families[-1] else min(remaining, wizard.amount)
            share = currency.round(share)
            if currency.compare_amounts(share, 0) <= 0:
                continue
            wizard.write(
                {
                    "amount": share,
                    "payment_difference_handling": self.payment_difference_handling,
                    "writeoff_account_id": self.writeoff_account_id.id,
                    "writeoff_label": self.writeoff_label,
                }
            )
            payment = wizard._create_payments()  # one family invoice: Odoo's own path
            payment.billing_move_id = family
            payments |= payment
            remaining = currency.round(remaining - share)
        return payments
