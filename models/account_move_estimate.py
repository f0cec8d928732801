from odoo import fields, models
from odoo.exceptions import AccessError, UserError

_OVER_ESTIMATE_KEY = "parent_billing.send_over_estimate"


class AccountMove(models.Model):
    """The family invoice against the client's Good Faith Estimate: the
    variance guard at Send and the figures the form shows."""

    _inherit = "account.move"

    billing_estimate_id = fields.Many2one(
        "practice.estimate", string="Good Faith Estimate", compute="_compute_billing_estimate"
    )
    billing_estimate_amount = fields.Monetary(string="Estimated", compute="_compute_billing_estimate")
    billing_estimate_billed = fields.Monetary(
        string="Billed Against Estimate",
        compute="_compute_billing_estimate",
        help="The client's billed total in the estimate's period (every account, late fees excluded, net of "
        "credit notes and voids), this invoice included.",
    )
    billing_estimate_missing = fields.Boolean(
        string="No Estimate",
        compute="_compute_billing_estimate",
        help="A self-pay client billed without an issued Good Faith Estimate covering the services.",
    )

    def _compute_billing_estimate(self):
        for move in self:
            estimate = move._billing_estimates()[:1]
            move.billing_estimate_id = estimate
            move.billing_estimate_amount = estimate.amount_total
            extra = move if move.state == "draft" else None
            move.billing_estimate_billed = estimate._billing_billed(extra) if estimate else 0.0
            move.billing_estimate_missing = bool(
                move._billing_family() and move.practice_client_id.bill_to_mode == "client" and not estimate
            )

    def _billing_service_dates(self):
        self.ensure_one()
        lines = self.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        return {line.practice_service_date or self.invoice_date or fields.Date.context_today(self) for line in lines}

    def _billing_estimates(self):
        """The client's issued estimates whose period holds a service date of this invoice."""
        self.ensure_one()
        if not self._billing_family() or not self.practice_client_id:
            return self.env["practice.estimate"]
        dates = self._billing_service_dates()
        if not dates:
            return self.env["practice.estimate"]
        estimates = (
            self.env["practice.estimate"]
            .sudo()
            .search(
                [
                    ("client_id", "=", self.practice_client_id.id),
                    ("state", "=", "issued"),
                    ("date_from", "<=", max(dates)),
                    ("date_to", ">=", min(dates)),
                ],
                order="date_from, id",
            )
        )
        return estimates.filtered(lambda e: any(e.date_from <= day <= e.date_to for day in dates))

    def _billing_amount_in_period(self, date_from, date_to):
        """What this family invoice bills for services dated in [date_from,
        date_to]: its lines of that period, less its posted credit notes in
        the same proportion; nothing once voided. Late fees are documents of
        their own and never count."""
        self.ensure_one()
        if self.billing_state == "voided" or self.billing_is_late_fee:
            return 0.0
        lines = self.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        default = self.invoice_date or fields.Date.context_today(self)
        in_period = sum(
            line.price_total for line in lines if date_from <= (line.practice_service_date or default) <= date_to
        )
        if not in_period or self.currency_id.is_zero(self.amount_total):
            return self.currency_id.round(in_period)
        credited = sum(self.reversal_move_ids.filtered(lambda m: m.state == "posted").mapped("amount_total"))
        return self.currency_id.round(in_period - credited * in_period / self.amount_total)

    # ------------------------------------------------------------------
    # The variance guard
    # ------------------------------------------------------------------
    def action_billing_send(self):
        self._billing_check_estimates()
        return super().action_billing_send()

    def _billing_check_estimates(self):
        """Refuse to send a draft that brings its client's billed total to
        an estimate plus the company's guard or more (unless a billing
        manager sends it with ``_billing_send_over_estimate``)."""
        allowed = self.env.cr.cache.get(_OVER_ESTIMATE_KEY, set())
        drafts = self.filtered(lambda m: m.billing_state == "draft" and not m.billing_sent_date)
        for move in drafts._billing_family():
            if move.id in allowed:
                continue
            for estimate in move._billing_estimates():
                if not move._billing_amount_in_period(estimate.date_from, estimate.date_to):
                    continue
                same_client = drafts.filtered(lambda m, move=move: m.practice_client_id == move.practice_client_id)
                billed = estimate._billing_billed(same_client)
                limit = estimate.amount_total + move.company_id.billing_gfe_dispute_threshold
                if move.currency_id.compare_amounts(billed, limit) >= 0:
                    raise UserError(
                        self.env._(
                            "Invoice %(move)s brings the billed total of the client to %(billed)s, %(over)s above "
                            "the Good Faith Estimate %(estimate)s (%(estimated)s): the parent may dispute the bill. "
                            "Revise the estimate, or a billing manager sends it with a reason (Send Over Estimate).",
                            move=move.display_name,
                            billed=move.currency_id.format(billed),
                            over=move.currency_id.format(billed - estimate.amount_total),
                            estimate=estimate.name,
                            estimated=move.currency_id.format(estimate.amount_total),
                        )
                    )

    def _billing_send_over_estimate(self, reason):
        """Billing manager: send this invoice although it brings the billed
        total to the estimate plus the guard or more, with a logged reason."""
        self.ensure_one()
        if not self.env.user.has_group("parent_billing.parent_billing_group_manager"):
            raise AccessError(self.env._("Only a billing manager can send an invoice above the Good Faith Estimate."))
        reason = (reason or "").strip()
        if not reason:
            raise UserError(
                self.env._("Sending invoice %s above the Good Faith Estimate requires a reason.", self.display_name)
            )
        cache = self.env.cr.cache
        allowed = cache.setdefault(_OVER_ESTIMATE_KEY, set())
        allowed.add(self.id)
        try:
            self.action_billing_send()
        finally:
            allowed.discard(self.id)
        self.message_post(
            body=self.env._(
                "Sent above the Good Faith Estimate by %(user)s: %(reason)s", user=self.env.user.name, reason=reason
            ),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def action_billing_open_send_over_estimate(self):
        return self._billing_wizard_action("account.move.billing.send.over.estimate", self.env._("Send Over Estimate"))
