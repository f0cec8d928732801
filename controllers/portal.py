from werkzeug.urls import url_encode

from odoo import http
from odoo.exceptions import AccessError, MissingError, ValidationError
from odoo.http import request
from odoo.tools import consteq

from odoo.addons.account.controllers.portal import PortalAccount
from odoo.addons.account_payment.controllers.payment import PaymentPortal as AccountPaymentPortal
from odoo.addons.portal.controllers.portal import pager as portal_pager

from ..models.account_move import BILLING_OPEN_STATES

PORTAL_BILLING_STATES = (*BILLING_OPEN_STATES, "paid", "voided")


def _billing_can_see(invoice_sudo, access_token):
    """Whether the current visitor may see (and pay) this family invoice.

    Odoo's portal rule lets any contact of the parent's commercial entity read
    it, and ``_document_check_access`` accepts any token from such a reader:
    a family invoice is only for the parent it is billed to, staff, or whoever
    holds its exact access token (the link in the parent's email).
    """
    if invoice_sudo.state != "posted" or invoice_sudo.billing_state not in PORTAL_BILLING_STATES:
        return False  # drafts (and drafts voided before Send) were never the parent's
    if invoice_sudo.billing_send_pending:
        return False  # a bulk send has not made its PDF and email yet
    if access_token and invoice_sudo.access_token and consteq(invoice_sudo.access_token, access_token):
        return True
    user = request.env.user
    return user._is_internal() or (not user._is_public() and user.partner_id._billing_portal_sees(invoice_sudo))


def _billing_not_generic_domain():
    """Odoo's generic invoice pages leave out family documents: the family
    invoice and what is made from it (late fees, reversals, credit notes)
    live on the Billing tab, each invoice once, with its billing status."""
    return [("practice_client_id", "=", False), ("billing_origin_id", "=", False)]


def billing_portal_count(model, domain):
    """The portal counter of ``model``: 0 for whom the model is closed."""
    Model = request.env[model]
    return Model.search_count(domain) if Model.has_access("read") else 0


def billing_portal_page(model, domain, url, page, step, order=None):
    """One page of a portal list of ``model``: (records, pager)."""
    Model = request.env[model]
    count = billing_portal_count(model, domain)
    pager = portal_pager(url=url, total=count, page=page, step=step)
    records = Model.search(domain, order=order, limit=step, offset=pager["offset"]) if count else Model
    return records, pager


class ParentBillingPortal(PortalAccount):
    def _get_billing_domain(self):
        """Family invoices billed to exactly this parent (or, for a billing
        contact, of its account): never drafts, never a sibling contact's,
        whatever Odoo's commercial-partner rules allow."""
        return [
            *request.env["account.move"]._billing_family_domain(),
            ("state", "=", "posted"),  # sent: a draft voided before Send never was
            ("billing_state", "in", PORTAL_BILLING_STATES),
            ("billing_send_pending", "=", False),  # its PDF and email are being made
            *request.env.user.partner_id._billing_portal_move_domain(),
        ]

    def _prepare_home_portal_values(self, counters):
        """The addon's document counters, in one place: the portal controllers
        are merged into one, so the estimate and statement pages' domains
        (estimate_portal.py, statement_portal.py) are methods of ``self``."""
        values = super()._prepare_home_portal_values(counters)
        documents = {
            "billing_count": ("account.move", self._get_billing_domain),
            "estimate_count": ("practice.estimate", self._get_estimates_domain),
            "statement_count": ("practice.statement", self._get_statements_domain),
        }
        for counter, (model, domain) in documents.items():
            if counter in counters:
                values[counter] = billing_portal_count(model, domain())
        return values

    def _get_invoices_domain(self, m_type=None):
        # "Invoices & Bills" (list and home counter): ordinary invoices only.
        return super()._get_invoices_domain(m_type) + _billing_not_generic_domain()

    def _get_overdue_invoices_domain(self, partner_id=None):
        # "Invoices to pay" / Pay overdue: a family invoice is paid on its own
        # page, late fees included.
        return super()._get_overdue_invoices_domain(partner_id=partner_id) + _billing_not_generic_domain()

    @http.route(["/my/billing", "/my/billing/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_billing(self, page=1, **kw):
        invoices, pager = billing_portal_page(
            "account.move",
            self._get_billing_domain(),
            "/my/billing",
            page,
            self._items_per_page,
            order="invoice_date desc, id desc",
        )
        values = self._prepare_portal_layout_values()
        values.update(
            {
                # Searched with the parent's own rights; read in sudo so the
                # client's name shows without opening practice records to parents.
                "invoices": invoices.sudo(),
                "page_name": "billing",
                "pager": pager,
                "default_url": "/my/billing",
            }
        )
        return request.render("parent_billing.portal_my_billing", values)

    @http.route()
    def portal_my_invoice_detail(self, invoice_id, access_token=None, report_type=None, download=False, **kw):
        invoice_sudo = request.env["account.move"].sudo().browse(invoice_id).exists()
        if origin := invoice_sudo.billing_origin_id:
            # A late fee, reversal or credit note is part of its family invoice:
            # it opens that invoice, for exactly those who may see the invoice
            # (its own access token, if it ever got one, opens nothing).
            if not _billing_can_see(origin, access_token):
                return request.redirect("/my")
            query = {"access_token": access_token, "report_type": report_type, "download": download}
            return request.redirect(f"{origin.access_url}?{url_encode({k: v for k, v in query.items() if v})}")
        if invoice_sudo._billing_family() and not _billing_can_see(invoice_sudo, access_token):
            try:
                self._document_check_access("account.move", invoice_id, access_token)
            except (AccessError, MissingError):
                return request.redirect("/my")
            raise request.not_found()
        # Odoo's page checks the access (once) and renders; the page asks for
        # the invoice's live charges several times: one search per request.
        request.billing_live_memo = {}
        return super().portal_my_invoice_detail(
            invoice_id, access_token=access_token, report_type=report_type, download=download, **kw
        )

    def _invoice_get_page_view_values(self, invoice, access_token, **kwargs):
        values = super()._invoice_get_page_view_values(invoice, access_token, **kwargs)
        if invoice._billing_family():
            values["page_name"] = "billing"  # breadcrumbs lead back to the family's Billing list
            values["billing_online_payment"] = invoice._billing_has_online_payment()  # asked twice by the page
        return values


class ParentBillingPaymentPortal(AccountPaymentPortal):
    @http.route()
    def invoice_transaction(self, invoice_id, access_token, **kwargs):
        """Pay now on a family invoice: only its parent (or its exact token).
        A late fee is paid with its invoice, never on its own."""
        invoice_sudo = request.env["account.move"].sudo().browse(invoice_id).exists()
        if invoice_sudo.billing_origin_id:
            raise ValidationError(
                request.env._("This document is paid with invoice %s.", invoice_sudo.billing_origin_id.name)
                if _billing_can_see(invoice_sudo.billing_origin_id, access_token)
                else request.env._("The access token is invalid.")
            )
        if invoice_sudo._billing_family() and not _billing_can_see(invoice_sudo, access_token):
            raise ValidationError(request.env._("The access token is invalid."))
        return super().invoice_transaction(invoice_id, access_token, **kwargs)
