from odoo import fields, http
from odoo.exceptions import UserError, ValidationError
from odoo.http import request

from .portal import ParentBillingPortal, billing_portal_count
from .portal_account import ParentBillingAccountPaymentPortal


class ParentBillingPayAllPortal(ParentBillingPortal, ParentBillingAccountPaymentPortal):
    """The Billing page's "you owe" total and Pay all: one transaction over
    the account's open family invoices, through one route."""

    def _prepare_home_portal_values(self, counters):
        """One Billing tile: Odoo always shows "Your Invoices", even empty;
        a parent whose invoices are all on Billing gets no empty second tile."""
        values = super()._prepare_home_portal_values(counters)
        if values.get("invoice_count") == 0:
            billing_count = values.get("billing_count")
            if billing_count is None:
                billing_count = billing_portal_count("account.move", self._get_billing_domain())
            if billing_count:
                del values["invoice_count"]
        return values

    @http.route()
    def portal_my_billing(self, page=1, **kw):
        response = super().portal_my_billing(page=page, **kw)
        owed = request.env.user.partner_id._billing_amount_owed()
        response.qcontext.update(
            billing_owed=owed["amount"],
            billing_owed_currency=owed["currency"],
            billing_can_pay_all=bool(owed["invoices"])
            and not owed["invoices"]._billing_live_transactions()
            and any(move._billing_has_online_payment() for move in owed["invoices"][:1]),
        )
        return response

    @http.route("/my/billing/pay", type="http", auth="user", methods=["GET"], website=True, sitemap=False)
    def portal_billing_pay_all(self, amount=None, **kw):
        """The payment form for the open invoices: their total by default,
        or the amount the parent typed."""
        partner = request.env.user.partner_id
        invoices = partner._billing_pay_all_invoices()
        if not invoices:
            return request.redirect("/my/billing")
        total = invoices.currency_id[:1].round(sum(invoices.mapped("billing_amount_due")))
        amount = total if amount in (None, "") else self._cast_as_float(amount)
        error = None
        try:
            partner._billing_check_pay_all(amount)
        except (UserError, ValidationError) as refusal:
            error = refusal.args[0]
        first = invoices[0]
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "page_name": "billing",
                "invoices": invoices.sudo(),
                "billing_total": total,
                "billing_error": error,
                "amount": amount,
                "currency": first.currency_id,
            }
        )
        if not error:
            values |= self._get_common_page_view_values(
                invoices_data={
                    "partner": partner,
                    "company": first.company_id,
                    "total_amount": amount,
                    "currency": first.currency_id,
                    "amount_residual": total,
                    "payment_reference": False,
                    "landing_route": "/my/billing",
                    "transaction_route": "/my/billing/pay/transaction",
                },
                **kw,
            )
            values["payment"] = {"date": fields.Date.today(), "amount": amount, "currency": first.currency_id}
        return request.render("parent_billing.portal_billing_pay_all", values)

    @http.route("/my/billing/pay/transaction", type="json", auth="user")
    def portal_billing_pay_all_transaction(self, amount=None, **kwargs):
        """Pay all: one transaction over the account's open family invoices
        (and their open late fees), ``amount`` above zero and at most their
        total, refused while one of them has a charge in progress. When it
        lands, the money is split per invoice, oldest due first."""
        partner = request.env.user.partner_id
        try:
            invoices = partner._billing_check_pay_all(amount)
        except UserError as refusal:
            raise ValidationError(refusal.args[0]) from None
        kwargs.pop("access_token", None)  # the form sends one; the login is what counts here
        self._validate_transaction_kwargs(kwargs)
        kwargs["amount"] = self._cast_as_float(amount)
        return self._process_transaction(partner.id, invoices.currency_id.id, invoices.ids, False, **kwargs)
