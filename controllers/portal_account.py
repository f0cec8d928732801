from odoo import http
from odoo.exceptions import AccessError
from odoo.http import request

from .portal import ParentBillingPaymentPortal


class ParentBillingAccountPaymentPortal(ParentBillingPaymentPortal):
    """A saved card is used or removed only by the logged-in user whose
    partner saved it (Odoo accepts any contact of the same commercial
    partner); a payer who is not logged in (the emailed link) can neither
    use nor save a card. The cards listed on /my/payment_method follow
    ``payment.token._get_available_tokens``."""

    def _create_transaction(self, **kwargs):
        # Odoo's payment routes pass every argument by keyword.
        user = request.env.user
        public = user._is_public()
        if kwargs.get("flow") == "token":
            token_id = self._cast_as_int(kwargs.get("token_id")) or 0
            token_sudo = request.env["payment.token"].sudo().browse(token_id).exists()
            if token_sudo._billing_owner_only() and (public or token_sudo.partner_id != user.partner_id):
                raise AccessError(
                    request.env._(
                        "A saved card can only be used by the person who saved it, signed in to their own account."
                    )
                )
        billed = request.env["res.partner"].sudo().browse(self._cast_as_int(kwargs.get("partner_id")) or 0).exists()
        family = public and billed and billed._billing_card_owner_only()
        if family:
            kwargs["tokenization_requested"] = False
        tx_sudo = super()._create_transaction(**kwargs)
        if family and tx_sudo.tokenize:
            tx_sudo.tokenize = False  # even where the provider asks for it: a card is saved by its signed-in owner
        return tx_sudo

    @http.route()
    def archive_token(self, token_id):
        token_sudo = request.env["payment.token"].sudo().browse(self._cast_as_int(token_id) or 0).exists()
        if token_sudo._billing_owner_only() and token_sudo.partner_id != request.env.user.partner_id:
            raise AccessError(request.env._("You can only remove the cards you saved yourself."))
        return super().archive_token(token_id)
