from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request
from odoo.tools.image import image_data_uri

from odoo.addons.portal.controllers.portal import CustomerPortal

from .portal import billing_portal_page


class EstimatePortal(CustomerPortal):
    """The parent's Good Faith Estimates, behind login only (no access token:
    the page shows the client's date of birth and diagnosis codes). Record
    rules (``practice_estimate_rule_portal``) keep each parent to her own."""

    def _get_estimates_domain(self):
        return [("state", "!=", "draft")]

    @http.route(["/my/estimates", "/my/estimates/page/<int:page>"], type="http", auth="user", website=True)
    def portal_my_estimates(self, page=1, **kw):
        estimates, pager = billing_portal_page(
            "practice.estimate", self._get_estimates_domain(), "/my/estimates", page, self._items_per_page
        )
        values = self._prepare_portal_layout_values()
        values.update({"estimates": estimates, "page_name": "estimate", "pager": pager, "default_url": "/my/estimates"})
        return request.render("parent_billing.portal_my_estimates", values)

    @http.route(["/my/estimates/<int:estimate_id>"], type="http", auth="user", website=True)
    def portal_my_estimate_detail(self, estimate_id, report_type=None, download=False, **kw):
        estimate = request.env["practice.estimate"].browse(estimate_id)
        try:
            estimate.check_access("read")
            draft = estimate.state == "draft"  # only what was issued to the parent
        except (AccessError, MissingError):
            return request.redirect("/my")
        if draft:
            return request.redirect("/my")
        if report_type in ("html", "pdf"):
            return self._show_report(
                model=estimate.sudo(),
                report_type=report_type,
                report_ref="parent_billing.action_report_practice_estimate",
                download=download,
            )
        values = self._prepare_portal_layout_values()
        values.update({"estimate": estimate.sudo(), "page_name": "estimate", "report_type": "html"})
        values["image_data_uri"] = image_data_uri
        return request.render("parent_billing.portal_estimate_page", values)
