from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.portal.controllers.portal import CustomerPortal

from .portal import billing_portal_page


class StatementPortal(CustomerPortal):
    """The parent's Statements page: their own sent statements, by record rule
    (``practice_statement_rule_portal``) and the portal's access check."""

    def _get_statements_domain(self):
        partners = request.env.user.partner_id._billing_portal_statement_partners()
        return [("partner_id", "in", partners.ids), ("state", "=", "sent")]

    @http.route(["/my/statements", "/my/statements/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_statements(self, page=1, **kw):
        statements, pager = billing_portal_page(
            "practice.statement", self._get_statements_domain(), "/my/statements", page, self._items_per_page
        )
        request.session["my_statements_history"] = statements.ids[:100]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "statements": statements,
                "page_name": "statement",
                "pager": pager,
                "default_url": "/my/statements",
            }
        )
        return request.render("parent_billing.portal_my_statements", values)

    @http.route(["/my/statements/<int:statement_id>"], type="http", auth="public", website=True)
    def portal_my_statement_detail(self, statement_id, access_token=None, report_type=None, download=False, **kw):
        try:
            statement_sudo = self._document_check_access("practice.statement", statement_id, access_token)
        except (AccessError, MissingError):
            return request.redirect("/my")
        if not statement_sudo.sent_date:
            # Only what was sent to the parent, even with a token; a sent
            # statement later superseded stays open from its email link.
            return request.redirect("/my")
        if report_type in ("html", "pdf", "text"):
            return self._show_report(
                model=statement_sudo,
                report_type=report_type,
                report_ref="parent_billing.action_report_practice_statement",
                download=download,
            )
        values = self._get_page_view_values(
            statement_sudo,
            access_token,
            {"statement": statement_sudo, "page_name": "statement"},
            "my_statements_history",
            False,
            **kw,
        )
        return request.render("parent_billing.portal_statement_page", values)
