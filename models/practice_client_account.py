from odoo import api, models
from odoo.exceptions import ValidationError


class PracticeClient(models.Model):
    """A client's responsible parent is a billed account of its own: a
    contact with no parent contact (else Odoo books her invoices, credits
    and statements on the contact above her)."""

    _inherit = "practice.client"

    @api.constrains("partner_id")
    def _check_billing_partner_is_account(self):
        for client in self:
            client._billing_check_account(client.partner_id)

    def _billing_check_account(self, partner, guardian=False):
        """Refuse ``partner`` as a billed account of this client (its
        responsible parent, or a ``guardian``) while it sits under another
        contact."""
        self.ensure_one()
        if not partner.parent_id:
            return
        values = {"partner": partner.name, "above": partner.parent_id.display_name, "client": self.name}
        if guardian:
            raise ValidationError(
                self.env._(
                    "%(partner)s sits under the contact %(above)s and cannot be a guardian of %(client)s: "
                    "make them a contact of their own (no parent contact) first.",
                    **values,
                )
            )
        raise ValidationError(
            self.env._(
                "%(partner)s sits under the contact %(above)s and cannot be the responsible parent of "
                "%(client)s: make them a contact of their own (no parent contact) first.",
                **values,
            )
        )
