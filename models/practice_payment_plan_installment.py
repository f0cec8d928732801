import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_date

from .account_move_autopay import AUTOPAY_BLOCKING_STATES, AUTOPAY_DECLINED_STATES
from .account_move_seal import billing_transition

_logger = logging.getLogger(__name__)


class PracticePaymentPlanInstallment(models.Model):
    """One installment of a payment plan. Its state follows the money: paid
    when the plan's payments since activation cover it and every earlier one;
    missed when the daily run found it unpaid after the grace days."""

    _name = "practice.payment.plan.installment"
    _description = "Payment Plan Installment"
    _order = "plan_id, date, sequence, id"

    plan_id = fields.Many2one("practice.payment.plan", required=True, ondelete="cascade", index=True)
    sequence = fields.Integer(default=10)
    date = fields.Date(required=True)
    amount = fields.Monetary(required=True)
    currency_id = fields.Many2one(related="plan_id.currency_id")
    state = fields.Selection(
        [("due", "Due"), ("paid", "Paid"), ("missed", "Missed")], compute="_compute_state", string="Status"
    )
    amount_open = fields.Monetary(
        string="Left to Pay",
        compute="_compute_state",
        help="What the plan's payments have not covered of this installment yet.",
    )
    missed_date = fields.Date(string="Missed On", readonly=True, copy=False)
    reminder_date = fields.Date(string="Reminded On", readonly=True, copy=False)
    transaction_ids = fields.One2many(
        "payment.transaction", "billing_plan_installment_id", string="Charges", readonly=True
    )

    @api.depends(
        "amount",
        "date",
        "missed_date",
        "plan_id.state",
        "plan_id.amount_paid_before",
        "plan_id.move_ids.billing_amount_paid",
        "plan_id.installment_ids.amount",
    )
    def _compute_state(self):
        # An installment's status depends on every earlier one of its plan:
        # each plan is walked in order, the records being computed get theirs.
        for plan in self.plan_id:
            paid = plan._billing_plan_paid()
            running = plan.state in ("active", "completed", "defaulted")
            cumulative = 0.0
            for installment in plan.installment_ids.sorted(
                lambda i: (i.date or fields.Date.today(), i.sequence, i._origin.id or 0)
            ):
                before = cumulative
                cumulative = plan.currency_id.round(cumulative + installment.amount)
                if installment not in self:
                    continue
                covered = max(min(paid - before, installment.amount), 0.0) if running else 0.0
                installment.amount_open = plan.currency_id.round(installment.amount - covered)
                if running and (plan.state == "completed" or plan.currency_id.compare_amounts(cumulative, paid) <= 0):
                    installment.state = "paid"
                elif installment.missed_date:
                    installment.state = "missed"
                else:
                    installment.state = "due"
        for installment in self.filtered(lambda i: not i.plan_id):
            installment.state = "due"
            installment.amount_open = installment.amount

    # ------------------------------------------------------------------
    # Staff edit future installments; history in the plan's chatter
    # ------------------------------------------------------------------
    def _billing_note_values(self):
        """Who changes this installment and its date and amount, for the plan's history."""
        self.ensure_one()
        return {
            "user": self.env.user.name,
            "date": format_date(self.env, self.date),
            "amount": self.currency_id.format(self.amount),
        }

    def _billing_plan_note(self, body):
        """Log ``body`` in this installment's plan's chatter (staff only)."""
        self.ensure_one()
        self.plan_id.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _billing_check_editable(self):
        if self.env["account.move"]._billing_in_transition() or self.env.context.get("billing_plan_respread"):
            return
        today = fields.Date.context_today(self)
        for installment in self:
            plan = installment.plan_id
            if plan.state == "draft":
                continue
            if plan.state != "active" or installment.state != "due" or installment.date <= today:
                raise UserError(
                    self.env._(
                        "Only future installments of an active plan can change (plan %(plan)s, installment of "
                        "%(date)s).",
                        plan=plan.name,
                        date=format_date(self.env, installment.date),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        installments = super().create(vals_list)
        installments._billing_check_editable()
        today = fields.Date.context_today(self)
        for installment in installments.filtered(lambda i: i.plan_id.state == "active"):
            if installment.date <= today:
                raise UserError(self.env._("A new installment of an active plan must be dated in the future."))
            installment._billing_plan_note(
                self.env._("Installment added by %(user)s: %(date)s, %(amount)s.", **installment._billing_note_values())
            )
        if not self.env.context.get("billing_plan_batch"):
            installments.plan_id._billing_plan_check_schedule()
        return installments

    def write(self, vals):
        protected = {"missed_date", "reminder_date", "plan_id"}.intersection(vals)
        if protected and not self.env["account.move"]._billing_in_transition():
            raise UserError(
                self.env._(
                    "%(fields)s of an installment are set by the daily plan run only.",
                    fields=self._billing_field_labels(protected),
                )
            )
        if {"date", "amount"}.intersection(vals):
            self._billing_check_editable()
        old = {i.id: (i.date, i.amount) for i in self}
        res = super().write(vals)
        today = fields.Date.context_today(self)
        if {"date", "amount"}.intersection(vals) and not self.env.context.get("billing_plan_respread"):
            for installment in self.filtered(lambda i: i.plan_id.state == "active"):
                if installment.date <= today:
                    raise UserError(self.env._("An installment of an active plan can only move to a future date."))
                date, amount = old[installment.id]
                installment._billing_plan_note(
                    self.env._(
                        "Installment changed by %(user)s: %(old_date)s, %(old_amount)s → %(date)s, %(amount)s.",
                        old_date=format_date(self.env, date),
                        old_amount=installment.currency_id.format(amount),
                        **installment._billing_note_values(),
                    )
                )
        if not self.env.context.get("billing_plan_batch"):
            self.plan_id._billing_plan_check_schedule()
        return res

    def unlink(self):
        self._billing_check_editable()
        plans = self.plan_id
        for installment in self.filtered(lambda i: i.plan_id.state == "active"):
            installment._billing_plan_note(
                self.env._(
                    "Installment removed by %(user)s: %(date)s, %(amount)s.", **installment._billing_note_values()
                )
            )
        res = super().unlink()
        if not self.env.context.get("billing_plan_batch"):
            plans.exists()._billing_plan_check_schedule()
        return res

    # ------------------------------------------------------------------
    # Charge (autopay's off-session charge, decline and retry schedule)
    # ------------------------------------------------------------------
    def _billing_plan_next_charge_date(self):
        """The day of this installment's next charge, or False (no accepted
        card, charged or pending, suspended, retries used up)."""
        self.ensure_one()
        plan = self.plan_id.sudo()
        if (
            plan.state != "active"
            or self.state != "due"
            or not plan.token_id.active
            or plan.billing_charges_suspended
            or plan.currency_id.compare_amounts(self.amount_open, 0) <= 0
        ):
            return False
        charges = self.sudo().transaction_ids
        if charges.filtered(lambda tx: tx.state in AUTOPAY_BLOCKING_STATES):
            return False
        declined = charges.filtered(lambda tx: tx.state in AUTOPAY_DECLINED_STATES).sorted("billing_plan_try")
        if not declined:
            return self.date
        retries = plan.company_id._billing_autopay_retries()
        if len(declined) > len(retries):
            return False
        return declined[0].billing_plan_date + timedelta(days=retries[len(declined) - 1])

    @billing_transition
    def _billing_plan_charge(self, today=None):
        """Charge what is left of this installment (bounded by the covered
        balance) through the card the parent accepted; returns the
        transaction or an empty recordset."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        Transaction = self.env["payment.transaction"].sudo()
        plan = self.plan_id.sudo()
        moves = plan._billing_plan_open_moves()
        if not moves or moves._billing_live_transactions():
            # Money in flight: another charge (Pay now, staff) is live; try on the next run.
            return Transaction
        amount = plan.currency_id.round(min(self.amount_open, plan._billing_plan_covered_due()))
        if plan.currency_id.compare_amounts(amount, 0) <= 0:
            return Transaction
        attempt = len(self.sudo().transaction_ids) + 1
        return Transaction._billing_charge_token(
            plan.token_id,
            moves,
            plan,
            reference=f"{plan.name}-{self.id}-{attempt}",
            amount=amount,
            currency_id=plan.currency_id.id,
            partner_id=plan.partner_id.id,
            billing_plan_installment_id=self.id,
            billing_plan_try=attempt,
            billing_plan_date=today,
        )

    def _billing_plan_declined(self, tx):
        """Tell the parent (update the card / pay now) and staff, as autopay does."""
        self.ensure_one()
        plan = self.plan_id.sudo()
        next_date = self._billing_plan_next_charge_date()
        template = self.env.ref("parent_billing.mail_template_payment_plan_declined")
        charge = tx._billing_declined_values(next_date)
        if next_date:
            note = self.env._(
                "Installment charge %(ref)s of %(amount)s was declined (%(reason)s). The parent was told; "
                "it is tried again on %(date)s.",
                **charge,
            )
        else:
            note = self.env._(
                "Installment charge %(ref)s of %(amount)s was declined (%(reason)s). The parent was told; "
                "it is not tried again.",
                **charge,
            )
        plan._billing_notify_declined(
            template,
            plan.partner_id,
            note,
            self.env._("Installment declined"),
            plan.create_uid if plan.create_uid._is_internal() else self.env.ref("base.user_admin"),
        )

    def _billing_plan_remind(self, today):
        """The installment reminder (not dunning): its amount and Pay now."""
        self.ensure_one()
        plan = self.plan_id.sudo()
        template = self.env.ref("parent_billing.mail_template_payment_plan_reminder")
        plan._billing_email_parent(template, plan.partner_id)
        self.reminder_date = today
        plan.message_post(
            body=self.env._(
                "Installment reminder sent to the parent: %(amount)s due on %(date)s.",
                amount=plan.currency_id.format(self.amount_open),
                date=format_date(self.env, self.date),
            ),
            subtype_xmlid="mail.mt_note",
        )
