from odoo import http
from odoo.exceptions import AccessError, UserError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal


class ParentBillingAutopayPortal(CustomerPortal):
    """/my/autopay: the parent turns autopay on with one of her own saved
    cards (saved through Odoo's /my/payment_method), agreeing to the wording
    shown, and turns it off at any time. Each contact sees and changes only
    her own autopay: never another contact's card or consent."""

    def _billing_autopay_values(self, error=None, message=None):
        partner = request.env.user.partner_id
        company = request.env.company
        partner_sudo = partner.sudo()
        tokens = partner_sudo._billing_autopay_tokens(company)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "autopay",
                "consent": partner_sudo.billing_autopay_consent_id,
                # The open invoices autopay does not charge, and why (the autopay run's own rule).
                "not_charged": partner_sudo._billing_autopay_not_charged(),
                "options": [
                    {"token": token, "wording": partner_sudo._billing_autopay_wording(token, company)}
                    for token in tokens
                ],
                "error": error,
                "message": message,
            }
        )
        return values

    @http.route("/my/autopay", type="http", auth="user", website=True, methods=["GET"])
    def portal_my_autopay(self, **kw):
        return request.render("parent_billing.portal_my_autopay", self._billing_autopay_values())

    @http.route("/my/autopay/enable", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_autopay_enable(self, token_id=None, consent=None, **kw):
        partner = request.env.user.partner_id
        error = message = None
        try:
            token_id = int(token_id or 0)
        except ValueError:
            token_id = 0
        token = request.env["payment.token"].sudo().browse(token_id).exists()
        if not token:
            error = request.env._("Choose one of your saved cards.")
        elif not consent:
            error = request.env._("Tick the box to agree to the autopay terms.")
        else:
            try:
                partner._billing_autopay_enroll(token, kw.get(f"wording_{token.id}"), request.env.company)
                message = request.env._("Autopay is on.")
            except (AccessError, UserError) as exc:
                request.env.cr.rollback()
                error = exc.args[0]
        return request.render("parent_billing.portal_my_autopay", self._billing_autopay_values(error, message))

    @http.route("/my/autopay/revoke", type="http", auth="user", website=True, methods=["POST"])
    def portal_my_autopay_revoke(self, **kw):
        partner = request.env.user.partner_id
        partner.sudo()._billing_autopay_revoke(request.env._("Turned off by the parent in the portal."))
        return request.render(
            "parent_billing.portal_my_autopay", self._billing_autopay_values(message=request.env._("Autopay is off."))
        )
