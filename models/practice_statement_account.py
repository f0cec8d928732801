from odoo import api, models


class PracticeStatement(models.Model):
    """Statements are per billed account (Odoo's commercial partner, the
    unit of the ledger): a contact under an account gets none of his own and
    the account's statement is the account's alone. Its portal token, once
    given, changes only through the billing actions."""

    _inherit = "practice.statement"

    @api.model
    def _billing_parents(self, company=None):
        return super()._billing_parents(company).commercial_partner_id

    @api.model
    def _billing_generate(self, partners, date_from, date_to):
        return super()._billing_generate(partners.commercial_partner_id, date_from, date_to)

    def write(self, vals):
        if "access_token" in vals:
            self._billing_check_token_kept(vals["access_token"])
        return super().write(vals)
