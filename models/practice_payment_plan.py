"""Payment plans: a family pays chosen sent or overdue invoices of its
account in installments.

- Staff cover invoices and propose installments (amount and date, or the
  "equal monthly" helper); ``action_activate()`` requires them to sum to the
  covered balance to the cent. Plans carry no fee or interest and post
  nothing: only the payments themselves reach the ledger.
- While the plan is active its invoices are held (``account.move.
  _billing_collection_held``, account_move_payment_plan.py): no late fee, no
  dunning reminder, no full-balance autopay.
- The parent accepts the schedule and the card in the portal
  (``_billing_plan_accept``); the daily ``_cron_billing_payment_plans()``
  charges each due installment once through that card (autopay's off-session
  charge, decline email and retry schedule), or reminds her with Pay now.
- Paid: the plan's payments since activation (what the covered invoices
  were paid since then) cover the installment and every earlier one. A void
  or credit note changes what the covered invoices bill: the difference is
  re-spread over future installments, logged. An installment unpaid
  ``billing_plan_grace_days`` after its date is missed and the plan
  defaulted: holds lift (their end date is recorded on the invoices, so
  late-fee days and reminder offsets count from it).
"""

import logging
from datetime import timedelta

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from .account_move import BILLING_OPEN_STATES
from .account_move_autopay import AUTOPAY_DECLINED_STATES
from .account_move_seal import billing_transition

_logger = logging.getLogger(__name__)

PLAN_STATES = [
    ("draft", "Draft"),
    ("active", "Active"),
    ("completed", "Completed"),
    ("defaulted", "Defaulted"),
    ("cancelled", "Cancelled"),
]
# Above this many installments after any down payment, the form warns (US Truth in Lending Act).
PLAN_TILA_INSTALLMENTS = 4
PLAN_RUNNING_STATES = ("active", "completed", "defaulted")


class PracticePaymentPlan(models.Model):
    _name = "practice.payment.plan"
    _description = "Payment Plan"
    _inherit = ["mail.thread", "mail.activity.mixin", "parent_billing.protected.mixin"]
    _order = "id desc"

    name = fields.Char(required=True, readonly=True, copy=False, default=lambda self: self.env._("New"))
    partner_id = fields.Many2one(
        "res.partner",
        string="Account",
        required=True,
        index=True,
        tracking=True,
        domain=[("parent_id", "=", False)],
        help="The billed account (the parent the invoices are billed to).",
    )
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    move_ids = fields.Many2many(
        "account.move",
        "practice_payment_plan_account_move_rel",
        "plan_id",
        "move_id",
        string="Invoices",
        domain=f"[('practice_client_id', '!=', False), ('move_type', '=', 'out_invoice'), "
        f"('commercial_partner_id', '=', partner_id), ('company_id', '=', company_id), "
        f"('billing_state', 'in', {BILLING_OPEN_STATES!r})]",
        help="The sent or overdue family invoices of the account this plan covers.",
    )
    installment_ids = fields.One2many("practice.payment.plan.installment", "plan_id", string="Installments")
    state = fields.Selection(PLAN_STATES, default="draft", required=True, readonly=True, tracking=True)
    activation_date = fields.Date(string="Activated On", readonly=True, copy=False)
    amount_billed = fields.Monetary(
        string="Covered Billed",
        readonly=True,
        copy=False,
        help="What the covered invoices billed at activation (after the last re-spread).",
    )
    amount_paid_before = fields.Monetary(
        string="Paid Before the Plan",
        readonly=True,
        copy=False,
        help="What the covered invoices had been paid when the plan started.",
    )
    amount_covered = fields.Monetary(
        string="Covered Balance", compute="_compute_amounts", help="What the covered invoices still owe."
    )
    amount_total = fields.Monetary(string="Plan Total", compute="_compute_amounts")
    amount_paid = fields.Monetary(
        string="Paid", compute="_compute_amounts", help="The plan's payments since activation."
    )
    amount_remaining = fields.Monetary(string="Remaining", compute="_compute_amounts")
    billing_warning = fields.Char(string="Warning", compute="_compute_billing_warning")
    billing_charges_suspended = fields.Boolean(
        string="Charges Suspended",
        compute="_compute_billing_charges_suspended",
        help="A covered invoice is under dispute: installments are neither charged nor counted late.",
    )
    billing_due_installment_id = fields.Many2one(
        "practice.payment.plan.installment",
        string="Next Installment",
        compute="_compute_billing_due_installment",
        help="The first installment not paid yet.",
    )
    billing_due_amount = fields.Monetary(string="Next Installment Amount", compute="_compute_billing_due_installment")
    billing_next_charge_date = fields.Date(string="Next Charge", compute="_compute_billing_due_installment")
    token_id = fields.Many2one("payment.token", string="Card", readonly=True, copy=False)
    accepted_date = fields.Datetime(string="Accepted On", readonly=True, copy=False)
    accepted_user_id = fields.Many2one("res.users", string="Accepted By", readonly=True, copy=False)
    accepted_terms = fields.Text(readonly=True, copy=False)
    # The "equal monthly" helper
    helper_count = fields.Integer(string="Monthly Installments", default=4)
    helper_first_date = fields.Date(string="First Installment", default=fields.Date.context_today)
    helper_down_payment = fields.Monetary(string="Down Payment")

    # ------------------------------------------------------------------
    # The seal: these change through the plan's actions only
    # ------------------------------------------------------------------
    def _billing_transition_fields(self):
        return {
            "state",
            "activation_date",
            "amount_billed",
            "amount_paid_before",
            "token_id",
            "accepted_date",
            "accepted_user_id",
            "accepted_terms",
        }

    def _billing_frozen_fields(self):
        return {"partner_id", "company_id", "move_ids"}

    def _billing_frozen_records(self):
        if self._billing_in_transition():
            return self.browse()
        return self.filtered(lambda plan: plan.state != "draft")

    def _billing_transition_error(self, fields, create=False):
        return self.env._(
            "%(fields)s of a payment plan change through its actions only (Activate, Cancel, the parent's "
            "acceptance, the daily plan run).",
            fields=self._billing_field_labels(fields),
        )

    def _billing_frozen_error(self, records, fields):
        return self.env._(
            "Payment plan %(plan)s is no longer a draft: %(fields)s can no longer change.",
            plan=records[0].display_name,
            fields=self._billing_field_labels(fields),
        )

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------
    @api.depends(
        "state",
        "amount_paid_before",
        "installment_ids.amount",
        "move_ids.billing_amount_due",
        "move_ids.billing_amount_paid",
    )
    def _compute_amounts(self):
        for plan in self:
            plan.amount_covered = plan._billing_plan_covered_due()
            plan.amount_total = plan._billing_plan_installments_total()
            plan.amount_paid = plan._billing_plan_paid()
            plan.amount_remaining = plan.currency_id.round(plan.amount_covered if plan.state != "cancelled" else 0.0)

    def _billing_plan_covered_due(self):
        self.ensure_one()
        return self.currency_id.round(sum(self.sudo().move_ids.mapped("billing_amount_due")))

    def _billing_plan_billed(self):
        """What the covered invoices bill now (late fees in, credit notes out; a voided one nothing)."""
        self.ensure_one()
        return self.currency_id.round(
            sum(
                0.0 if move.billing_state == "voided" else move.billing_amount_total - move.billing_amount_credited
                for move in self.sudo().move_ids
            )
        )

    def _billing_plan_paid(self):
        """The plan's payments since activation: what the covered invoices
        were paid since the plan started (wherever the money was recorded
        among them)."""
        self.ensure_one()
        if self.state not in PLAN_RUNNING_STATES:
            return 0.0
        paid = sum(self.sudo().move_ids.mapped("billing_amount_paid"))
        return self.currency_id.round(paid - self.amount_paid_before)

    @api.depends("installment_ids.date", "activation_date", "state")
    def _compute_billing_warning(self):
        for plan in self:
            start = plan.activation_date or fields.Date.context_today(plan)
            after_down = plan.installment_ids.filtered(lambda i, start=start: i.date and i.date > start)
            plan.billing_warning = (
                self.env._(
                    "This plan has %(count)s installments after the down payment. A practice that agrees more than "
                    "25 written plans a year of more than 4 installments is a creditor under the US Truth in "
                    "Lending Act.",
                    count=len(after_down),
                )
                if len(after_down) > PLAN_TILA_INSTALLMENTS
                else False
            )

    def _compute_billing_due_installment(self):
        for plan in self:
            installment = plan.installment_ids.filtered(lambda i: i.state != "paid")[:1]
            plan.billing_due_installment_id = installment
            plan.billing_due_amount = plan._billing_plan_next_amount()
            plan.billing_next_charge_date = installment._billing_plan_next_charge_date() if installment else False

    @api.depends("move_ids.billing_dispute_state")
    def _compute_billing_charges_suspended(self):
        for plan in self:
            plan.billing_charges_suspended = any(move.billing_dispute_state == "open" for move in plan.sudo().move_ids)

    def _billing_plan_open_moves(self):
        """The covered invoices that still carry a balance, oldest due first."""
        self.ensure_one()
        return (
            self.sudo()
            .move_ids.filtered(
                lambda m: m.billing_state in BILLING_OPEN_STATES and not m.currency_id.is_zero(m.billing_amount_due)
            )
            .sorted(lambda m: (m.invoice_date_due or m.invoice_date, m.id))
        )

    # ------------------------------------------------------------------
    # Create, write
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if not vals.get("name") or vals["name"] == self.env._("New"):
                vals["name"] = self.env["ir.sequence"].next_by_code("practice.payment.plan") or self.env._("New")
        plans = super().create(vals_list)
        plans._billing_plan_check_account()
        return plans

    def write(self, vals):
        if "move_ids" in vals and not self._billing_in_transition() and self.filtered(lambda p: p.state == "active"):
            return self._billing_plan_write_added_invoices(vals)
        res = super(PracticePaymentPlan, self.with_context(billing_plan_batch=True)).write(vals)
        if {"partner_id", "move_ids", "company_id"}.intersection(vals):
            self._billing_plan_check_account()
        if "installment_ids" in vals:
            self._billing_plan_check_schedule()
        return res

    @api.ondelete(at_uninstall=False)
    def _unlink_except_started(self):
        started = self.filtered(lambda plan: plan.state not in ("draft", "cancelled"))
        if started:
            raise UserError(
                self.env._(
                    "Payment plan %(plan)s has started: cancel it instead of deleting it (its history is kept).",
                    plan=started[0].name,
                )
            )

    def _billing_plan_check_account(self):
        for plan in self:
            partner = plan.partner_id
            if partner.commercial_partner_id != partner:
                raise ValidationError(
                    self.env._(
                        "A payment plan belongs to a billed account: %(partner)s is a contact of %(account)s. "
                        "Choose %(account)s.",
                        partner=partner.display_name,
                        account=partner.commercial_partner_id.display_name,
                    )
                )
            for move in plan.sudo().move_ids:
                if not move._billing_family():
                    raise ValidationError(
                        self.env._(
                            "%(move)s is not a family invoice: a plan covers family invoices only.",
                            move=move.display_name,
                        )
                    )
                if move.commercial_partner_id != partner or move.company_id != plan.company_id:
                    values = {"move": move.name, "partner": partner.display_name}
                    raise ValidationError(
                        self.env._(
                            "Invoice %(move)s is billed to another account than %(partner)s: a plan covers the "
                            "invoices of one account only.",
                            **values,
                        )
                    )

    def _billing_plan_installments_total(self):
        """What this plan's installments add up to, rounded to the cent."""
        self.ensure_one()
        return self.currency_id.round(sum(self.installment_ids.mapped("amount")))

    def _billing_plan_total_mismatch(self, **owed):
        """None when this plan's installments add up to the one amount
        ``owed`` names (e.g. ``covered=``); else the placeholders of the
        refusal: the plan, the installments' total and that amount, formatted."""
        self.ensure_one()
        [(name, amount)] = owed.items()
        total = self._billing_plan_installments_total()
        if not self.currency_id.compare_amounts(total, amount):
            return None
        return {"plan": self.name, "total": self.currency_id.format(total), name: self.currency_id.format(amount)}

    def _billing_plan_check_schedule(self):
        """An active plan's installments keep summing to what it covers."""
        for plan in self.filtered(lambda p: p.state == "active"):
            expected = plan.currency_id.round(plan.amount_billed - plan.amount_paid_before)
            if values := plan._billing_plan_total_mismatch(expected=expected):
                raise ValidationError(
                    self.env._(
                        "The installments of payment plan %(plan)s add up to %(total)s, but the plan covers "
                        "%(expected)s. Change the amounts so that they add up exactly.",
                        **values,
                    )
                )

    # ------------------------------------------------------------------
    # The "equal monthly" helper
    # ------------------------------------------------------------------
    def action_billing_plan_equal_monthly(self):
        """Draft: replace the installments by an optional down payment on the
        first date and equal monthly installments after it (the last one
        takes the rounding), summing to the covered balance."""
        for plan in self:
            if plan.state != "draft":
                raise UserError(
                    self.env._(
                        "Payment plan %(plan)s is no longer a draft: edit its future installments instead.",
                        plan=plan.name,
                    )
                )
            plan._billing_plan_equal_monthly(plan.helper_count, plan.helper_first_date, plan.helper_down_payment)
        return True

    def _billing_plan_equal_monthly(self, count, first_date, down_payment=0.0):
        self.ensure_one()
        currency = self.currency_id
        balance = self._billing_plan_covered_due()
        down = currency.round(down_payment or 0.0)
        if not count or count < 1:
            raise UserError(self.env._("The number of monthly installments must be at least 1."))
        if not first_date:
            raise UserError(self.env._("Choose the date of the first installment."))
        if currency.compare_amounts(balance, 0) <= 0:
            raise UserError(self.env._("Add the invoices the plan covers first: their balance is what it spreads."))
        if currency.compare_amounts(down, 0) < 0 or currency.compare_amounts(down, balance) >= 0:
            raise UserError(
                self.env._(
                    "The down payment %(down)s must be zero or more and less than the covered balance %(balance)s.",
                    down=currency.format(down),
                    balance=currency.format(balance),
                )
            )
        lines = []
        start = first_date
        if currency.compare_amounts(down, 0) > 0:
            lines.append((first_date, down))
            start = first_date + relativedelta(months=1)
        rest = currency.round(balance - down)
        each = currency.round(rest / count)
        for index in range(count):
            amount = each if index < count - 1 else currency.round(rest - each * (count - 1))
            lines.append((start + relativedelta(months=index), amount))
        self.write(
            {
                "installment_ids": [fields.Command.clear()]
                + [fields.Command.create({"date": day, "amount": amount}) for day, amount in lines]
            }
        )
        return True

    # ------------------------------------------------------------------
    # Activate, cancel
    # ------------------------------------------------------------------
    @billing_transition
    def action_activate(self):
        """Start the plan: the installments sum to the covered balance to the
        cent; no covered invoice is under dispute or in another current plan."""
        for plan in self:
            plan._billing_check_staff()
            if plan.state != "draft":
                raise UserError(
                    self.env._("Payment plan %(plan)s is not a draft: it cannot be activated.", plan=plan.name)
                )
            moves = plan.sudo().move_ids
            moves._billing_lock()
            plan._billing_plan_check_account()
            if not moves:
                raise UserError(self.env._("Payment plan %(plan)s covers no invoice.", plan=plan.name))
            for move in moves:
                if move.billing_state not in BILLING_OPEN_STATES:
                    raise UserError(
                        self.env._(
                            "Invoice %(move)s cannot be covered by a plan: only sent or overdue invoices can.",
                            move=move.name,
                        )
                    )
                if move.billing_dispute_state == "open":
                    raise UserError(
                        self.env._(
                            "Invoice %(move)s is under dispute: it cannot be covered by a payment plan until the "
                            "dispute is resolved.",
                            move=move.name,
                        )
                    )
                other = move.billing_payment_plan_ids.filtered(lambda p, plan=plan: p.state == "active" and p != plan)
                if other:
                    raise UserError(
                        self.env._(
                            "Invoice %(move)s is already covered by payment plan %(plan)s.",
                            move=move.name,
                            plan=other[0].name,
                        )
                    )
            if not plan.installment_ids:
                raise UserError(self.env._("Payment plan %(plan)s has no installments.", plan=plan.name))
            today = fields.Date.context_today(plan)
            for installment in plan.installment_ids:
                if installment.date and installment.date < today:
                    raise UserError(
                        self.env._(
                            "The installment of %(date)s of payment plan %(plan)s is in the past: a plan starts "
                            "today at the earliest.",
                            date=format_date(self.env, installment.date),
                            plan=plan.name,
                        )
                    )
                if not installment.date or plan.currency_id.compare_amounts(installment.amount, 0) <= 0:
                    raise UserError(
                        self.env._(
                            "Every installment of payment plan %(plan)s needs a date and an amount above zero.",
                            plan=plan.name,
                        )
                    )
            if values := plan._billing_plan_total_mismatch(covered=plan._billing_plan_covered_due()):
                raise UserError(
                    self.env._(
                        "The installments of payment plan %(plan)s add up to %(total)s, but its invoices owe "
                        "%(covered)s: they must add up to the covered balance to the cent.",
                        **values,
                    )
                )
            warning = plan.billing_warning
            plan.write(
                {
                    "state": "active",
                    "activation_date": fields.Date.context_today(plan),
                    "amount_billed": plan._billing_plan_billed(),
                    "amount_paid_before": plan.currency_id.round(sum(moves.mapped("billing_amount_paid"))),
                }
            )
            plan.message_post(
                body=self.env._(
                    "Payment plan activated by %(user)s: %(count)s installments, %(total)s in all, covering "
                    "%(moves)s. No late fee, payment reminder or full-balance autopay on these invoices while it "
                    "is current.",
                    user=self.env.user.name,
                    count=len(plan.installment_ids),
                    total=plan.currency_id.format(plan._billing_plan_installments_total()),
                    moves=", ".join(moves.mapped("name")),
                )
                + (" " + warning if warning else ""),
                subtype_xmlid="mail.mt_note",
            )
            for move in moves:
                move.message_post(
                    body=self.env._("Covered by payment plan %(plan)s.", plan=plan.name), subtype_xmlid="mail.mt_note"
                )
        return True

    @billing_transition
    def action_cancel(self):
        """Staff cancel a draft or active plan: holds on its invoices lift
        (late-fee days and reminder offsets count from today)."""
        for plan in self:
            plan._billing_check_staff()
            if plan.state not in ("draft", "active"):
                raise UserError(
                    self.env._(
                        "Payment plan %(plan)s is %(state)s: it cannot be cancelled.", plan=plan.name, state=plan.state
                    )
                )
            was_active = plan.state == "active"
            plan.write({"state": "cancelled"})
            if was_active:
                plan._billing_plan_lift_holds()
            plan.message_post(
                body=self.env._("Payment plan cancelled by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _billing_check_staff(self):
        if not self.env.su and not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can activate, change or cancel a payment plan."))

    def _billing_plan_lift_holds(self):
        """The hold of this plan ended today: recorded on its open invoices."""
        today = fields.Date.context_today(self)
        moves = self.sudo().move_ids.filtered(lambda m: m.billing_state in BILLING_OPEN_STATES)
        with moves._billing_transition():
            moves.write({"billing_hold_end_date": today})

    def _billing_plan_write_added_invoices(self, vals):
        """The form of an active plan: invoices may be added (spread over the
        future installments), never removed."""
        self.ensure_one()
        wanted = self.env["account.move"].browse(self._fields["move_ids"].convert_to_cache(vals["move_ids"], self))
        if self.move_ids - wanted:
            raise UserError(
                self.env._(
                    "Invoices cannot be taken out of active payment plan %(plan)s: cancel it and make a new one.",
                    plan=self.name,
                )
            )
        others = {key: value for key, value in vals.items() if key != "move_ids"}
        if others:
            self.write(others)
        return self._billing_plan_add_invoices(wanted - self.move_ids)

    @billing_transition
    def _billing_plan_add_invoices(self, moves):
        """Staff add sent or overdue invoices of the account to an active
        plan: their balance is spread over the future installments."""
        self.ensure_one()
        self._billing_check_staff()
        if self.state != "active":
            raise UserError(self.env._("Invoices are added to an active plan only (%(plan)s).", plan=self.name))
        moves = moves.sudo()
        for move in moves:
            if move.billing_state not in BILLING_OPEN_STATES or move.billing_dispute_state == "open":
                raise UserError(
                    self.env._(
                        "Invoice %(move)s cannot be covered by a plan: only sent or overdue invoices that are not "
                        "under dispute can.",
                        move=move.name,
                    )
                )
        paid = self.currency_id.round(sum(moves.mapped("billing_amount_paid")))
        self.with_context(billing_plan_batch=True).sudo().write(
            {
                "move_ids": [fields.Command.link(move.id) for move in moves],
                "amount_paid_before": self.amount_paid_before + paid,
                # what they were paid is not spread: only their balance
                "amount_billed": self.amount_billed + paid,
            }
        )
        self._billing_plan_check_account()
        self._billing_plan_respread()
        return True

    # ------------------------------------------------------------------
    # The parent accepts (portal)
    # ------------------------------------------------------------------
    def _billing_plan_terms(self, token):
        """The exact text the parent agrees to: the schedule, the amounts and the card."""
        self.ensure_one()
        currency = self.currency_id
        schedule = "; ".join(
            f"{format_date(self.env, installment.date)}: {currency.format(installment.amount)}"
            for installment in self.installment_ids
        )
        return self.env._(
            "I agree to pay %(total)s to %(practice)s in installments (%(schedule)s) and authorize %(practice)s to "
            "charge my card %(card)s for each installment on its date. A declined charge is tried again on the "
            "practice's schedule. No fee or interest is added.",
            total=currency.format(sum(self.installment_ids.mapped("amount"))),
            practice=self.company_id.name,
            schedule=schedule,
            card=token.sudo().display_name,
        )

    def _billing_plan_accept(self, token):
        """The parent (the account holder, logged in) agrees to the schedule,
        the amounts and the card, one of her own saved cards."""
        self.ensure_one()
        user = self.env.user
        plan = self.sudo()
        if user.partner_id != plan.partner_id:
            raise AccessError(self.env._("Only the account holder can accept a payment plan, from her own login."))
        if plan.state != "active":
            raise UserError(self.env._("Payment plan %(plan)s is not current: it cannot be accepted.", plan=plan.name))
        token = token.sudo()
        if token not in user.partner_id.sudo()._billing_autopay_tokens(plan.company_id):
            raise AccessError(self.env._("This card cannot be used for the plan: choose one of your saved cards."))
        terms = plan._billing_plan_terms(token)
        with self.env["account.move"]._billing_transition():
            plan.write(
                {
                    "token_id": token.id,
                    "accepted_date": fields.Datetime.now(),
                    "accepted_user_id": user.id,
                    "accepted_terms": terms,
                }
            )
            plan.message_post(
                body=self.env._("Accepted by %(user)s: %(terms)s", user=user.name, terms=terms),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # The daily run
    # ------------------------------------------------------------------
    @api.model
    def _cron_billing_payment_plans(self):
        """Daily: follow each active plan (re-spread, completed, missed and
        defaulted), charge its due installments through the accepted card,
        remind the parent of those that cannot be charged."""
        plans = self.sudo().search([("state", "=", "active")], order="id")
        for start in range(0, len(plans), 50):
            for plan in plans[start : start + 50]:
                plan._billing_plan_run()
            done = min(start + 50, len(plans))
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(plans) - done)
        return True

    @billing_transition
    def _billing_plan_run(self, today=None):
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        if not self._billing_try_lock():
            _logger.info("Payment plan %s skipped: in use by another transaction", self.name)
            return False
        self.invalidate_recordset()
        self.installment_ids.invalidate_recordset()
        if self.state != "active":
            return False
        self._billing_plan_sync(today)
        if self.state != "active" or self.billing_charges_suspended:
            self.env["account.move"]._billing_commit()
            return True
        for installment in self.installment_ids.filtered(lambda i: i.state == "due" and i.date <= today):
            if self.state != "active" or installment.state != "due":
                continue  # the charge before this one paid it, or completed the plan
            day = installment._billing_plan_next_charge_date()
            if day and day <= today:
                tx = installment._billing_plan_charge(today)
                self.invalidate_recordset()
                self.installment_ids.invalidate_recordset()
                if tx and tx.state in AUTOPAY_DECLINED_STATES:
                    break  # a declined card: the later installments wait for the retry
            elif not day and not installment.reminder_date and not installment.transaction_ids:
                installment._billing_plan_remind(today)
        self._billing_plan_sync(today)
        self.env["account.move"]._billing_commit()
        return True

    def _billing_plan_sync(self, today=None):
        """Re-spread a changed covered balance, then completed / missed."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        if self.state != "active":
            return
        self._billing_plan_respread(today)
        self.invalidate_recordset()
        if self._billing_plan_check_completed() or self.billing_charges_suspended:
            return
        grace = self.company_id.billing_plan_grace_days
        late = self.installment_ids.filtered(lambda i: i.state == "due" and i.date + timedelta(days=grace) <= today)
        if late:
            self._billing_plan_default(late[0], today)

    def _billing_plan_check_completed(self):
        """Completed when the covered balance is zero."""
        self.ensure_one()
        if self.state != "active" or not self.currency_id.is_zero(self._billing_plan_covered_due()):
            return False
        self.write({"state": "completed"})
        self.message_post(
            body=self.env._("Payment plan completed: the covered invoices are paid."), subtype_xmlid="mail.mt_note"
        )
        return True

    def _billing_plan_default(self, installment, today):
        installment.missed_date = today
        self.write({"state": "defaulted"})
        self._billing_plan_lift_holds()
        note = self.env._(
            "Installment of %(date)s (%(amount)s) is unpaid %(days)s days after its date: the plan has defaulted. "
            "Collections resume on its invoices (late fees and payment reminders count from today).",
            date=format_date(self.env, installment.date),
            amount=self.currency_id.format(installment.amount_open),
            days=self.company_id.billing_plan_grace_days,
        )
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        for move in self.move_ids.filtered(lambda m: m.billing_state in BILLING_OPEN_STATES):
            move.message_post(
                body=self.env._("Payment plan %(plan)s has defaulted: collections resume.", plan=self.name),
                subtype_xmlid="mail.mt_note",
            )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Payment plan defaulted"),
            note=note,
            user_id=(self.create_uid if self.create_uid._is_internal() else self.env.ref("base.user_admin")).id,
        )

    def _billing_plan_respread(self, today=None):
        """When what the covered invoices bill changed (a void, a credit note,
        an invoice added), spread the difference over the future installments
        (the last one takes the rounding), logged with the old and new schedule."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        currency = self.currency_id
        billed = self._billing_plan_billed()
        diff = currency.round(billed - self.amount_billed)
        if currency.is_zero(diff):
            return False
        future = self.installment_ids.filtered(lambda i: i.state == "due" and i.date > today)
        if not future:
            future = self.installment_ids.filtered(lambda i: i.state == "due")[-1:]
        if not future:
            future = self.installment_ids[-1:]
        before = self._billing_plan_schedule_text()
        new_amounts = {}
        remaining = diff
        if currency.compare_amounts(diff, 0) > 0 or all(
            currency.compare_amounts(i.amount + diff / len(future), 0) >= 0 for i in future
        ):
            each = currency.round(diff / len(future))
            for index, installment in enumerate(future):
                share = each if index < len(future) - 1 else currency.round(diff - each * (len(future) - 1))
                new_amounts[installment] = currency.round(installment.amount + share)
        else:
            # A larger decrease: taken from the last installments first.
            for installment in future.sorted(lambda i: (i.date, i.sequence, i.id), reverse=True):
                take = max(remaining, -installment.amount)
                new_amounts[installment] = currency.round(installment.amount + take)
                remaining = currency.round(remaining - take)
        with self.env["account.move"]._billing_transition():
            for installment, amount in new_amounts.items():
                installment.with_context(billing_plan_batch=True, billing_plan_respread=True).write({"amount": amount})
            self.write({"amount_billed": billed})
            self.installment_ids.filtered(
                lambda i: i.state == "due" and currency.is_zero(i.amount) and not i.transaction_ids
            ).with_context(billing_plan_respread=True).unlink()
        self.message_post(
            body=self.env._(
                "What the covered invoices bill changed by %(diff)s (a void, a credit note or an invoice added): "
                "spread over the future installments. Before: %(before)s. After: %(after)s.",
                diff=currency.format(diff),
                before=before,
                after=self._billing_plan_schedule_text(),
            ),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _billing_charge_not_sent(self, tx, error):
        """Note that installment charge ``tx`` could not be sent to the provider."""
        body = self.env._(
            "Installment charge %(ref)s could not be sent to %(provider)s (%(error)s). The installment is not "
            "charged again until the processor's dashboard is checked.",
            **tx._billing_not_sent_values(error),
        )
        self.message_post(body=body, subtype_xmlid="mail.mt_note")

    def _billing_plan_schedule_text(self):
        self.ensure_one()
        return "; ".join(
            f"{format_date(self.env, i.date)}: {self.currency_id.format(i.amount)}" for i in self.installment_ids
        )

    # ------------------------------------------------------------------
    # Portal
    # ------------------------------------------------------------------
    def _billing_plan_next_amount(self):
        """Pay ahead: what is left of the next unpaid installment, bounded by the covered balance."""
        self.ensure_one()
        unpaid = self.installment_ids.filtered(lambda i: i.state != "paid")[:1]
        if not unpaid or self.state != "active":
            return 0.0
        return self.currency_id.round(min(unpaid.amount_open, self._billing_plan_covered_due()))

    def _billing_plan_portal_url(self):
        self.ensure_one()
        return f"/my/payment_plans/{self.id}"

    def _billing_plan_portal_visible(self, user):
        """The account holder, or a billing contact of the account, sees the plan."""
        self.ensure_one()
        partner = user.partner_id
        return partner == self.partner_id or (
            partner.commercial_partner_id == self.partner_id and partner.billing_contact
        )
