from werkzeug.exceptions import NotFound
from werkzeug.urls import url_encode

from odoo import Command, http
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request

from odoo.addons.payment import utils as payment_utils

from .portal_account import ParentBillingAccountPaymentPortal


class ParentBillingPaymentPlanPortal(ParentBillingAccountPaymentPortal):
    """/my/payment_plans: the parent sees her account's plans and their
    schedules, accepts a plan (schedule, amounts, one of her own saved
    cards) and pays ahead (Pay now for the next installment's amount,
    at most what the covered invoices owe)."""

    def _billing_plan_domain(self):
        account = request.env.user.partner_id.commercial_partner_id
        return [("partner_id", "=", account.id), ("state", "in", ("active", "completed", "defaulted"))]

    def _billing_plan_get(self, plan_id):
        """The plan, in sudo, if the logged-in user may see it (404 otherwise)."""
        plan = request.env["practice.payment.plan"].sudo().browse(plan_id).exists()
        if (
            not plan
            or plan.state not in ("active", "completed", "defaulted")
            or not plan._billing_plan_portal_visible(request.env.user)
        ):
            raise request.not_found()
        return plan

    def _prepare_home_portal_values(self, counters):
        values = super()._prepare_home_portal_values(counters)
        if "payment_plan_count" in counters:
            values["payment_plan_count"] = (
                request.env["practice.payment.plan"].sudo().search_count(self._billing_plan_domain())
            )
        return values

    def _billing_plan_values(self, plan, error=None, message=None):
        user = request.env.user
        values = self._prepare_portal_layout_values()
        holder = user.partner_id == plan.partner_id
        tokens = user.partner_id.sudo()._billing_autopay_tokens(plan.company_id) if holder else []
        amount = plan._billing_plan_next_amount()
        pay_url = False
        if amount:
            partner = user.partner_id
            query = {
                "plan_id": plan.id,
                "reference": plan.name,
                "amount": amount,
                "currency_id": plan.currency_id.id,
                "partner_id": partner.id,
                "company_id": plan.company_id.id,
                "access_token": payment_utils.generate_access_token(partner.id, amount, plan.currency_id.id),
            }
            pay_url = f"/payment/pay?{url_encode(query)}"
        values.update(
            {
                "page_name": "payment_plan",
                "plan": plan,
                "options": [{"token": token, "terms": plan._billing_plan_terms(token)} for token in tokens],
                "can_accept": holder and plan.state == "active",
                "pay_amount": amount,
                "pay_url": pay_url,
                "error": error,
                "message": message,
            }
        )
        return values

    @http.route(["/my/payment_plans"], type="http", auth="user", website=True)
    def portal_my_payment_plans(self, **kw):
        values = self._prepare_portal_layout_values()
        plans = request.env["practice.payment.plan"].sudo().search(self._billing_plan_domain())
        values.update({"page_name": "payment_plan", "plans": plans})
        return request.render("parent_billing.portal_my_payment_plans", values)

    @http.route(["/my/payment_plans/<int:plan_id>"], type="http", auth="user", website=True, methods=["GET"])
    def portal_my_payment_plan(self, plan_id, **kw):
        plan = self._billing_plan_get(plan_id)
        return request.render("parent_billing.portal_my_payment_plan", self._billing_plan_values(plan))

    @http.route(["/my/payment_plans/<int:plan_id>/accept"], type="http", auth="user", website=True, methods=["POST"])
    def portal_my_payment_plan_accept(self, plan_id, token_id=None, consent=None, **kw):
        plan = self._billing_plan_get(plan_id)
        error = message = None
        token = request.env["payment.token"].sudo().browse(self._cast_as_int(token_id) or 0).exists()
        if not token:
            error = request.env._("Choose one of your saved cards.")
        elif not consent:
            error = request.env._("Tick the box to agree to the plan.")
        elif (kw.get(f"terms_{token.id}") or "").strip() != plan._billing_plan_terms(token):
            error = request.env._("The plan has changed since the page was opened: read it again and confirm.")
        else:
            try:
                plan.with_user(request.env.user)._billing_plan_accept(token)
                message = request.env._("Thank you: the plan is accepted.")
            except (AccessError, UserError) as exc:
                request.env.cr.rollback()
                error = exc.args[0]
        return request.render("parent_billing.portal_my_payment_plan", self._billing_plan_values(plan, error, message))

    # ------------------------------------------------------------------
    # Pay ahead: Odoo's payment page, with this plan's transaction route
    # ------------------------------------------------------------------
    def _get_extra_payment_form_values(self, plan_id=None, **kwargs):
        form_values = super()._get_extra_payment_form_values(**kwargs)
        if plan_id:
            plan = self._billing_plan_get(self._cast_as_int(plan_id) or 0)
            form_values.update(
                {
                    "transaction_route": f"/my/payment_plans/{plan.id}/transaction",
                    "landing_route": plan._billing_plan_portal_url(),
                }
            )
        return form_values

    @http.route(["/my/payment_plans/<int:plan_id>/transaction"], type="json", auth="user")
    def portal_my_payment_plan_transaction(self, plan_id, access_token=None, **kwargs):
        """A payment on the plan's invoices (oldest due first), at most what they owe."""
        try:
            plan = self._billing_plan_get(plan_id)
        except NotFound:  # a JSON caller hears one sentence
            raise ValidationError(request.env._("This payment plan cannot be paid from this login.")) from None
        if plan.state != "active":
            raise ValidationError(request.env._("Payment plan %(plan)s is not current.", plan=plan.name))
        moves = plan._billing_plan_open_moves()
        if not moves:
            raise ValidationError(request.env._("Payment plan %(plan)s has nothing left to pay.", plan=plan.name))
        partner = request.env.user.partner_id
        self._validate_transaction_kwargs(kwargs)
        kwargs.update(
            {
                "currency_id": plan.currency_id.id,
                "partner_id": partner.id,
                "reference_prefix": plan.name,
            }
        )
        tx_sudo = self._create_transaction(
            custom_create_values={"invoice_ids": [Command.set(moves.ids)]},
            **kwargs,
        )
        return tx_sudo._get_processing_values()
