import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

OVERDUE_BATCH_SIZE = 200


class AccountMove(models.Model):
    """Collections: the daily overdue run and late fees (debit notes)."""

    _inherit = "account.move"

    # ------------------------------------------------------------------
    # Overdue and late fees
    # ------------------------------------------------------------------
    @api.model
    def _cron_billing_overdue(self):
        """Daily: flag sent invoices past due as overdue, then apply the late-fee
        policy. Batched; every write is conditional so a killed run resumes
        without doing anything twice."""
        today = fields.Date.context_today(self)
        domain = [
            ("billing_state", "=", "sent"),
            ("invoice_date_due", "<", today),
        ]
        done = 0
        while ids := self.search(domain, limit=OVERDUE_BATCH_SIZE).ids:
            moves = self.browse(ids)
            moves.write({"billing_overdue": True})
            done += len(ids)
            self._billing_commit_batch(done, self.search_count(domain))
        fee_done = 0
        for company in self.env["res.company"].search([("billing_late_fee_type", "!=", "none")]):
            candidates = self._billing_late_fee_candidates(company, today)
            for start in range(0, len(candidates), OVERDUE_BATCH_SIZE):
                batch = candidates[start : start + OVERDUE_BATCH_SIZE]
                batch._billing_apply_late_fee()
                fee_done += len(batch)
                self._billing_commit_batch(fee_done, len(candidates) - start - len(batch))
        _logger.info(
            "Family billing overdue run: %d invoice(s) flagged overdue, %d checked for late fees", done, fee_done
        )
        return True

    def _billing_commit_batch(self, done, remaining):
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        # Commit each batch in production so a killed run keeps its work; never in tests.
        if not self.env.registry.in_test_mode() and not self.env.context.get("billing_no_commit"):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _billing_late_fee_candidates(self, company, today):
        """Overdue invoices at least N (and at least one) days past due, with no fee yet."""
        limit_date = today - timedelta(days=max(company.billing_late_fee_days, 1))
        return self.search(
            [
                ("company_id", "=", company.id),
                ("billing_state", "=", "overdue"),
                ("invoice_date_due", "<=", limit_date),
                ("billing_late_fee_ids", "=", False),
            ]
        )

    def _billing_apply_late_fee(self):
        """Post one late-fee debit note per invoice; the row lock and the
        re-check after it make a second worker or a rerun a no-op."""
        for move in self:
            try:
                self.env["practice.charge"]._lock_rows(move)
            except UserError:
                continue  # another worker holds it: it applies the fee
            move.invalidate_recordset()
            if move.billing_state != "overdue" or move.billing_late_fee_ids:
                continue
            company = move.company_id
            balance = move.billing_amount_due
            if company.billing_late_fee_type == "flat":
                fee = company.billing_late_fee_amount
                label = self.env._("Late fee")
            else:
                fee = balance * company.billing_late_fee_amount / 100.0
                label = self.env._(
                    "Late fee (%(pct)s%% of %(balance)s)",
                    pct=f"{company.billing_late_fee_amount:g}",
                    balance=move.currency_id.format(balance),
                )
            fee = move.currency_id.round(fee)
            if move.currency_id.compare_amounts(fee, 0) <= 0:
                continue
            move._billing_create_late_fee(fee, label)

    def _billing_create_late_fee(self, fee, label):
        self.ensure_one()
        product = self.company_id.billing_late_fee_product_id or self.env.ref("parent_billing.product_late_fee")
        wizard = (
            self.env["account.debit.note"]
            .with_context(active_model="account.move", active_ids=self.ids)
            .create({"reason": label, "copy_lines": False, "date": fields.Date.context_today(self)})
        )
        action = wizard.create_debit()
        debit = self.browse(action["res_id"])
        debit.write(
            {
                "billing_is_late_fee": True,
                "invoice_date_due": fields.Date.context_today(self),
                "invoice_line_ids": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "name": label,
                            "quantity": 1.0,
                            "price_unit": fee,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ],
            }
        )
        debit.action_post()
        self.message_post(
            body=self.env._(
                "Late fee of %(fee)s added: %(link)s", fee=self.currency_id.format(fee), link=debit._get_html_link()
            )
        )
        return debit

    def _billing_waive_late_fee(self, reason):
        """Manager: reverse this invoice's late fees with a reason."""
        self.ensure_one()
        self._billing_check_manager(self.env._("waive the late fee of"))
        if not (reason or "").strip():
            raise UserError(self.env._("Waiving a late fee requires a reason."))
        fees = self.billing_late_fee_ids.filtered(lambda m: m.state == "posted" and m.payment_state != "reversed")
        if not fees:
            raise UserError(self.env._("Invoice %s has no late fee to waive.", self.display_name))
        fees._reverse_moves([{"ref": self.env._("Waived: %s", reason)} for _fee in fees], cancel=True)
        self.message_post(
            body=self.env._("Late fee waived by %(user)s: %(reason)s", user=self.env.user.name, reason=reason)
        )
        return True
