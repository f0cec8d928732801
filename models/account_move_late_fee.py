import logging

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import SQL

from .account_move import BILLING_OPEN_STATES
from .account_move_seal import billing_transition

_logger = logging.getLogger(__name__)

OVERDUE_BATCH_SIZE = 1000


class AccountMove(models.Model):
    """Collections: the daily overdue run and late fees (debit notes).

    A late fee is a posted debit note (``account_debit_note``) whose
    ``debit_origin_id`` is the family invoice; the invoice itself is never
    edited. Every fee answers one *policy step* of one invoice
    (``billing_late_fee_step``): the current policy has a single step, "the
    fee N days past due" (step 1). A unique index on (invoice, step) makes a
    second fee for the same step impossible, whatever runs at the same time;
    the row lock and re-check before creating the fee make a rerun, a second
    worker or a payment landing mid-run a clean no-op instead of an error.
    The fee amount is fixed when the fee is applied: changing the policy
    later only affects invoices whose fee is not applied yet.
    """

    _inherit = "account.move"

    billing_late_fee_step = fields.Integer(
        string="Late Fee Step",
        readonly=True,
        copy=False,
        help="On a late fee: the step of the late-fee policy it applies (1 = the fee N days past due). "
        "An invoice gets at most one fee per step.",
    )

    def init(self):
        res = super().init()
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS account_move_billing_late_fee_step_uniq
                    ON account_move (debit_origin_id, billing_late_fee_step)
                 WHERE billing_late_fee_step IS NOT NULL
                """
            )
        )
        return res

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_late_fee_step"}

    # ------------------------------------------------------------------
    # Overdue run
    # ------------------------------------------------------------------
    @api.model
    def _billing_overdue_domain(self, today):
        """Sent family invoices with a balance whose due date has passed (the
        due date itself is the last day on time)."""
        return [
            ("billing_state", "=", "sent"),
            ("billing_overdue", "=", False),
            ("invoice_date_due", "<", today),
        ]

    @api.model
    @billing_transition
    def _cron_billing_overdue(self, batch_size=OVERDUE_BATCH_SIZE):
        """Daily: flag sent invoices past due as overdue, then apply the late-fee
        policy. Works in batches, reports progress to the cron and commits each
        batch outside tests. Every step is conditional (flag only unflagged
        invoices, a fee only for a step without one), so a run killed half-way
        is finished by the next one without doing anything twice."""
        today = fields.Date.context_today(self)
        overdue_domain = self._billing_overdue_domain(today)
        companies = self.env["res.company"].sudo().search([("billing_late_fee_type", "!=", "none")])
        fee_estimate = sum(self._billing_late_fee_candidates(company, today, count=True) for company in companies)

        done = flagged = 0
        skipped = self.browse()  # rows another transaction holds: left for the next run
        while moves := self.search([*overdue_domain, ("id", "not in", skipped.ids)], limit=batch_size):
            locked = moves._billing_try_lock()
            skipped |= moves - locked
            locked._billing_flag_overdue()
            flagged += len(locked)
            done += len(moves)
            remaining = self.search_count([*overdue_domain, ("id", "not in", skipped.ids)])
            self._billing_commit_batch(done, remaining + fee_estimate)

        fees = self.browse()
        candidates = [self._billing_late_fee_candidates(company, today) for company in companies]
        remaining = sum(len(moves) for moves in candidates)
        for moves in candidates:
            for start in range(0, len(moves), batch_size):
                batch = moves[start : start + batch_size]
                fees |= batch._billing_apply_late_fee(today)
                done += len(batch)
                remaining -= len(batch)
                self._billing_commit_batch(done, remaining)
        _logger.info(
            "Family billing overdue run: %d invoice(s) flagged overdue, %d late fee(s) applied, "
            "%d invoice(s) in use elsewhere left for the next run",
            flagged,
            len(fees),
            len(skipped),
        )
        return True

    def _billing_flag_overdue(self):
        """Flag these invoices overdue, with one chatter note each, logged in
        one batch (field tracking would post one message per invoice)."""
        if not self:
            return
        # A flag, not an accounting change: Odoo's re-sync of the invoice lines is skipped,
        # and so is field tracking (here and in the billing status it recomputes).
        moves = self.with_context(tracking_disable=True, skip_invoice_sync=True, skip_is_manually_modified=True)
        moves.write({"billing_overdue": True})
        moves.flush_recordset()
        body = self.env._("Billing status: Sent → Overdue (the due date has passed unpaid).")
        self._message_log_batch(bodies=dict.fromkeys(self.ids, body))

    # ------------------------------------------------------------------
    # Late fees
    # ------------------------------------------------------------------
    @api.model
    def _billing_late_fee_step_due(self, company, today, due_date):
        """The policy step an invoice due on ``due_date`` has reached today
        (0: none yet). The policy has one step: ``billing_late_fee_days`` days
        past due, and never before the invoice is overdue (day 1)."""
        if company.billing_late_fee_type == "none" or not due_date:
            return 0
        return 1 if (today - due_date).days >= max(company.billing_late_fee_days, 1) else 0

    @api.model
    def _billing_late_fee_candidates(self, company, today, count=False):
        """Overdue invoices of ``company`` that reached step 1 of its policy and
        have no fee for that step yet (a waived fee still counts as applied).
        With ``count``, the number of them, counting the sent invoices that
        this run is about to flag overdue."""
        if company.billing_late_fee_type == "none":
            return 0 if count else self.browse()
        limit_date = fields.Date.subtract(today, days=max(company.billing_late_fee_days, 1))
        domain = [
            ("company_id", "=", company.id),
            ("billing_state", "in", BILLING_OPEN_STATES if count else ("overdue",)),
            ("invoice_date_due", "<=", limit_date),
            ("debit_note_ids", "not any", [("billing_late_fee_step", "=", 1)]),
        ]
        if count:
            return self.search_count(domain)
        moves = self.search(domain, order="invoice_date_due, id")
        # collection holds: none while held, and the fee days count from the end of the last hold
        return (moves - moves._billing_collection_held()).filtered(
            lambda m: self._billing_late_fee_step_due(company, today, m._billing_collection_base_date())
        )

    def _billing_late_fee_amount(self, balance):
        """(fee, label) of the company's current policy for an open ``balance``.
        Percent: currency rounding (half-up) of balance x percent / 100.
        Flat: the company-currency amount, converted to the invoice currency."""
        self.ensure_one()
        company = self.company_id
        currency = self.currency_id
        if company.billing_late_fee_type == "flat":
            fee = company.currency_id._convert(
                company.billing_late_fee_amount, currency, company, fields.Date.context_today(self)
            )
            return currency.round(fee), self.env._("Late fee")
        if company.billing_late_fee_type == "percent":
            fee = currency.round(balance * company.billing_late_fee_amount / 100.0)
            # No f-string inside the _() call: Babel's extractor evaluates the
            # call's arguments and fails on it, dropping the file from the .pot.
            pct = f"{company.billing_late_fee_amount:g}"
            label = self.env._("Late fee (%(pct)s%% of %(balance)s)", pct=pct, balance=currency.format(balance))
            return fee, label
        return 0.0, ""

    @billing_transition
    def _billing_apply_late_fee(self, today=None):
        """Post the late fee due today on each invoice, at most one per invoice
        and policy step. The invoices are locked and re-read first: one held by
        another worker (or a payment in progress) is left to that transaction,
        one paid meanwhile or already charged for the step gets nothing. The
        fees of a batch are created and posted together; if one of them cannot
        be (a lock date, another worker's fee for the same step), each is
        retried on its own and only that one is left for the next run.
        :return: the posted late fees"""
        today = today or fields.Date.context_today(self)
        locked = self._billing_try_lock()
        # the lock re-reads the rows: decide on the committed state
        locked.debit_note_ids.invalidate_recordset()
        todo = []
        held = locked._billing_collection_held()
        for move in locked:
            step = self._billing_late_fee_step_due(move.company_id, today, move._billing_collection_base_date())
            if (
                move in held
                or move.billing_state != "overdue"
                or not step
                or move.debit_note_ids.filtered(lambda m, step=step: m.billing_late_fee_step == step)
            ):
                continue
            fee, label = move._billing_late_fee_amount(move.billing_amount_due)
            if move.currency_id.compare_amounts(fee, 0) > 0:
                todo.append((move, fee, label, step))
        if len(todo) > 1:
            try:
                with self.env.cr.savepoint():
                    return self._billing_create_late_fees(todo)
            except (UserError, ValidationError, errors.UniqueViolation) as error:
                # one of them cannot be charged now: each on its own below, so only that one waits
                _logger.info("Late fees of %d invoices made one by one: %s", len(todo), error)
        fees = self.browse()
        for move, fee, label, step in todo:
            try:
                with self.env.cr.savepoint():
                    fees |= self._billing_create_late_fees([(move, fee, label, step)])
            except UserError as error:
                # a fee that cannot post (e.g. lock date): the next run retries
                _logger.info("Late fee of %s not applied now: %s", move.display_name, error)
            except errors.UniqueViolation:
                _logger.info("Late fee of %s already applied by another worker", move.display_name)
            except ValidationError as error:
                _logger.warning("Late fee of %s failed: %s", move.display_name, error)
        return fees

    @billing_transition
    def _billing_create_late_fee(self, fee, label, step=1):
        """Create and post the debit note of one late fee on this invoice."""
        self.ensure_one()
        return self._billing_create_late_fees([(self, fee, label, step)])

    @api.model
    @billing_transition
    def _billing_create_late_fees(self, todo):
        """Create and post the late fees ``todo`` [(invoice, fee, label, step)]
        in one batch: each a debit note of its invoice as Odoo's Debit Note
        makes it (``account.debit.note``, lines not copied) with the fee as its
        only line, due today. Notes are logged in batch on the fees and on
        their invoices.
        :return: the posted late fees"""
        today = fields.Date.context_today(self)
        companies = {move.company_id for move, *_rest in todo}
        if len(companies) > 1:
            return self.browse().union(
                *(self._billing_create_late_fees([t for t in todo if t[0].company_id == c]) for c in companies)
            )
        vals_list = []
        for move, fee, label, step in todo:
            product = move.company_id.billing_late_fee_product_id or self.env.ref("parent_billing.product_late_fee")
            wizard = self.env["account.debit.note"].new({"reason": label, "copy_lines": False, "date": today})
            default = wizard._prepare_default_values(move)
            default.pop("line_ids", None)
            vals = move.with_context(include_business_fields=True).copy_data(default=default)[0]
            vals.pop("line_ids", None)
            vals.update(
                {
                    "billing_is_late_fee": True,
                    "billing_late_fee_step": step,
                    "invoice_date_due": today,
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
            vals_list.append(vals)
        if not todo:
            return self.browse()
        debits = self.with_company(todo[0][0].company_id).with_context(mail_create_nolog=True).create(vals_list)
        debits._post(soft=False)
        debits._message_log_batch(
            bodies={
                debit.id: self.env._("This debit note was created from: %s", move._get_html_link())
                for debit, (move, _fee, _label, _step) in zip(debits, todo, strict=True)
            }
        )
        invoices = self.browse([move.id for move, *_rest in todo])
        invoices._message_log_batch(
            bodies={
                move.id: self.env._(
                    "Late fee of %(fee)s added: %(link)s", fee=move.currency_id.format(fee), link=debit._get_html_link()
                )
                for debit, (move, fee, _label, _step) in zip(debits, todo, strict=True)
            }
        )
        return debits

    @billing_transition
    def _billing_waive_late_fee(self, reason):
        """Manager: reverse this invoice's open late fees with a reason. The
        fee stays applied for its step (it is not charged again)."""
        self.ensure_one()
        self._billing_check_transition("waive")
        if not (reason or "").strip():
            raise UserError(self.env._("Waiving a late fee requires a reason."))
        self._billing_lock()
        fees = self.billing_late_fee_ids.filtered(lambda m: m.state == "posted" and m.payment_state != "reversed")
        if not fees:
            raise UserError(self.env._("Invoice %s has no late fee to waive.", self.display_name))
        if paid := fees.filtered(lambda m: m.currency_id.compare_amounts(m.amount_residual, m.amount_total) != 0):
            raise UserError(
                self.env._(
                    "The late fee %(fee)s of invoice %(move)s has payments: refund it instead of waiving it.",
                    fee=paid[0].display_name,
                    move=self.display_name,
                )
            )
        reason = reason.strip()
        # The waiver is the parent's document too: it names the fee, never why.
        fees._reverse_moves(
            [
                {"ref": self.env._("Late fee %(fee)s waived", fee=fee.name), "date": fields.Date.context_today(self)}
                for fee in fees
            ],
            cancel=True,
        )
        self.message_post(
            body=self.env._("Late fee waived by %(user)s: %(reason)s", user=self.env.user.name, reason=reason),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def action_billing_open_waive(self):
        return self._billing_wizard_action("account.move.billing.waive", self.env._("Waive Late Fee"))
