from odoo import api, models


class PaymentToken(models.Model):
    """A saved card belongs to whoever saved it: it is offered to the
    logged-in user whose partner is the card's partner only (not to other
    contacts of the same commercial partner), and never to a visitor who is
    not logged in (the emailed link)."""

    _inherit = "payment.token"

    @api.model
    def _get_available_tokens(self, providers_ids, partner_id, is_validation=False, **kwargs):
        tokens = super()._get_available_tokens(providers_ids, partner_id, is_validation=is_validation, **kwargs)
        if self.env.user._is_public():
            return tokens.browse()
        return tokens.filtered(lambda token: token.partner_id.id == partner_id)
