from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.account.controllers.portal import PortalAccount
from odoo.addons.portal.controllers.portal import pager as portal_pager

PORTAL_BILLING_STATES = ("sent", "overdue", "paid", "voided")


class ParentBillingPortal(PortalAccount):
    def _get_billing_domain(self):
        """Family invoices billed to exactly this parent: never drafts, never a
        sibling contact's, whatever Odoo's commercial-partner rules allow."""
        return [
            ("practice_client_id", "!=", False),
            ("move_type", "=", "out_invoice"),
            ("billing_state", "in", PORTAL_BILLING_STATES),
            ("partner_id", "=", request.env.user.partner_id.id),
        ]

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "billing_count" in counters:
            Move = request.env["account.move"]
            values["billing_count"] = Move.search_count(self._get_billing_domain()) if Move.has_access("read") else 0
        return values

    def _get_invoices_domain(self, m_type=None):
        # Odoo's own invoice list: family invoices only for their own parent.
        domain = super()._get_invoices_domain(m_type)
        return domain + [
            "|",
            ("practice_client_id", "=", False),
            ("partner_id", "=", request.env.user.partner_id.id),
        ]

    @http.route(["/my/billing", "/my/billing/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_billing(self, page=1, **kw):
        Move = request.env["account.move"]
        domain = self._get_billing_domain()
        count = Move.search_count(domain) if Move.has_access("read") else 0
        pager = portal_pager(url="/my/billing", total=count, page=page, step=self._items_per_page)
        invoices = (
            Move.search(domain, order="invoice_date desc, id desc", limit=self._items_per_page, offset=pager["offset"])
            if count
            else Move
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "invoices": invoices,
                "page_name": "billing",
                "pager": pager,
                "default_url": "/my/billing",
            }
        )
        return request.render("parent_billing.portal_my_billing", values)

    @http.route()
    def portal_my_invoice_detail(self, invoice_id, access_token=None, report_type=None, download=False, **kw):
        try:
            invoice_sudo = self._document_check_access("account.move", invoice_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if invoice_sudo.practice_client_id and not self._billing_can_see(invoice_sudo, access_token):
            raise request.not_found()
        return super().portal_my_invoice_detail(
            invoice_id, access_token=access_token, report_type=report_type, download=download, **kw
        )

    def _billing_can_see(self, invoice_sudo, access_token):
        if invoice_sudo.billing_state not in PORTAL_BILLING_STATES:
            return False  # drafts are not the parent's yet
        if access_token:
            return True  # _document_check_access compared it in constant time
        user = request.env.user
        return user._is_internal() or invoice_sudo.partner_id == user.partner_id
