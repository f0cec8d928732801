from odoo import api, models
from odoo.exceptions import ValidationError


class PracticeClient(models.Model):
    """A client's responsible parent is a billed account of its own: a
    contact with no parent contact (else Odoo books her invoices, credits
    and statements on the contact above her)."""

    _inherit = "practice.client"

    @api.constrains("partner_id")
    def _check_billing_partner_is_account(self):
        for client in self.filtered(lambda c: c.partner_id.parent_id):
            raise ValidationError(
                self.env._(
                    "%(partner)s sits under the contact %(above)s and cannot be the responsible parent of "
                    "%(client)s: make them a contact of their own (no parent contact) first.",
                    partner=client.partner_id.name,
                    above=client.partner_id.parent_id.display_name,
                    client=client.name,
                )
            )
