from odoo import models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    """Money stops at the billed account: a credit is applied only to an
    invoice of its own account, and the portal token of a family document,
    once given, changes only through the billing actions."""

    _inherit = "account.move"

    def js_assign_outstanding_line(self, line_id):
        self.ensure_one()
        credit = self.env["account.move.line"].sudo().browse(line_id).exists()
        account = self.commercial_partner_id
        other = credit.partner_id.commercial_partner_id
        if (
            credit
            and other != account
            and (
                self._billing_documents()
                or credit.move_id._billing_documents()
                or credit.move_id.origin_payment_id.billing_move_id
                or account._billing_has_family_documents()
                or (other and other._billing_has_family_documents())
            )
        ):
            raise UserError(
                self.env._(
                    "The credit %(credit)s belongs to another account than invoice %(move)s: "
                    "a credit is applied only to invoices of its own account.",
                    credit=credit.move_id.name,
                    move=self.display_name,
                )
            )
        return super().js_assign_outstanding_line(line_id)

    def write(self, vals):
        if "access_token" in vals:
            self._billing_documents()._billing_check_token_kept(vals["access_token"])
        return super().write(vals)
