from odoo import api, models


class PaymentToken(models.Model):
    """A saved card of a billed account belongs to whoever saved it: it is
    offered to the logged-in user whose partner is the card's partner only
    (not to other contacts of the same commercial partner), and never to a
    visitor who is not logged in (the emailed link). Other partners' cards
    keep Odoo's rule."""

    _inherit = "payment.token"

    @api.model
    def _get_available_tokens(self, providers_ids, partner_id, is_validation=False, **kwargs):
        tokens = super()._get_available_tokens(providers_ids, partner_id, is_validation=is_validation, **kwargs)
        public = self.env.user._is_public()
        return tokens.filtered(
            lambda token: not token.partner_id._billing_card_owner_only()
            or (not public and token.partner_id.id == partner_id)
        )

    def _billing_owner_only(self):
        """Whether only the signed-in user who saved this card may use or remove it."""
        return bool(self) and self.partner_id._billing_card_owner_only()
