"""Statements: a numbered, stored record of a parent's account for a period.

A statement is a snapshot. Its figures (opening and closing balance, the
activity lines, the aging summary) are taken from Odoo's ledger when it is
made and never recomputed or written again: a later change in the ledger
yields a new statement, and the old one stays as it was.

- opening balance: the parent's receivable ledger balance at the end of the
  day before ``date_from``; closing balance: at the end of ``date_to``
  (posted receivable items of the parent in the practice's company);
- one line per journal entry that moved the parent's receivable in the
  period (invoices, late fees, payments, refunds, credits, voids), so the
  opening balance plus the lines is the closing balance, to the cent;
- the aging summary is the Billing AR report (``practice.ar.aging``) as of
  ``date_to``, read through its own buckets.

Statements are made by ``_billing_generate`` (the Generate Statements dialog
and the monthly run) and sent by ``action_billing_send``, both billing
actions of the seal (``account_move_seal.billing_transition``).
"""

import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .account_move_seal import billing_transition
from .practice_statement_line import statement_lines

_logger = logging.getLogger(__name__)

STATEMENT_STATES = [("draft", "Draft"), ("sent", "Sent")]
AGING_BUCKETS = ("amount_not_due", "amount_0_30", "amount_31_60", "amount_61_90", "amount_90_plus")
STATEMENT_BATCH_SIZE = 50


class PracticeStatement(models.Model):
    _name = "practice.statement"
    _description = "Parent Statement"
    _inherit = ["portal.mixin", "mail.thread", "parent_billing.protected.mixin"]
    _order = "date_to desc, id desc"

    name = fields.Char(string="Number", required=True, readonly=True, copy=False, index="trigram")
    partner_id = fields.Many2one("res.partner", string="Parent", required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", string="Practice", required=True, readonly=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True, readonly=True)
    date_to = fields.Date(string="To", required=True, readonly=True, index=True)
    opening_balance = fields.Monetary(
        readonly=True, help="The parent's receivable ledger balance at the end of the day before the period."
    )
    closing_balance = fields.Monetary(
        readonly=True, help="The parent's receivable ledger balance at the end of the period."
    )
    line_ids = statement_lines("period", "Activity")
    amount_charges = fields.Monetary(string="Charges", compute="_compute_activity_totals")
    amount_credits = fields.Monetary(string="Payments and Credits", compute="_compute_activity_totals")
    amount_not_due = fields.Monetary(string="Not Yet Due", readonly=True)
    amount_0_30 = fields.Monetary(string="0-30", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90", readonly=True)
    amount_90_plus = fields.Monetary(string="90+", readonly=True)
    state = fields.Selection(STATEMENT_STATES, string="Status", default="draft", required=True, readonly=True)
    sent_date = fields.Datetime(string="Sent On", readonly=True, copy=False)
    previous_id = fields.Many2one(
        "practice.statement",
        string="Replaces",
        readonly=True,
        help="The earlier statement of this parent and period: the ledger changed since it was made.",
    )

    @api.depends("line_ids.amount")
    def _compute_activity_totals(self):
        for statement in self:
            amounts = statement.line_ids.mapped("amount")
            statement.amount_charges = sum(a for a in amounts if a > 0)
            statement.amount_credits = -sum(a for a in amounts if a < 0)

    def _compute_access_url(self):
        for statement in self:
            statement.access_url = f"/my/statements/{statement.id}"

    def _get_report_base_filename(self):
        """The PDF file name: the statement number only (no parent or child name)."""
        self.ensure_one()
        return self.env._("Statement %(number)s", number=self.name).replace("/", "_")

    # ------------------------------------------------------------------
    # Immutability
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        if not self._billing_in_transition():
            raise UserError(
                self.env._("Statements are made with Generate Statements or the monthly run, not entered by hand.")
            )
        return super().create(vals_list)

    def _billing_frozen_fields(self):
        """Every stored figure is never written after creation; the status and
        sent date are set by Send only (one refusal names them all)."""
        frozen = {
            "name",
            "partner_id",
            "company_id",
            "date_from",
            "date_to",
            "opening_balance",
            "closing_balance",
            "line_ids",
            "previous_id",
            *AGING_BUCKETS,
        }
        if not self._billing_in_transition():
            frozen |= {"state", "sent_date"}
        return frozen

    def _billing_frozen_error(self, records, fields):
        return self.env._(
            "Statement %(statement)s is a record of what was true when it was made: "
            "%(fields)s cannot change. Generate a new statement instead.",
            statement=records[0].name,
            fields=self._billing_field_labels(fields),
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_statement(self):
        if self:
            raise UserError(
                self.env._(
                    "Statement %(statement)s cannot be deleted: it is a numbered record of what the parent was told.",
                    statement=self[0].name,
                )
            )

    def copy_data(self, default=None):
        raise UserError(self.env._("A statement cannot be duplicated: generate a new one."))

    # ------------------------------------------------------------------
    # Generate
    # ------------------------------------------------------------------
    @api.model
    def _billing_check_period(self, date_from, date_to):
        if not date_from or not date_to:
            raise UserError(self.env._("A statement needs a period: a start date and an end date."))
        if date_from > date_to:
            raise UserError(
                self.env._(
                    "The statement period starts on %(start)s, after its end %(end)s.", start=date_from, end=date_to
                )
            )
        today = fields.Date.context_today(self)
        if date_to > today:
            raise UserError(
                self.env._(
                    "The statement period ends on %(end)s, after today (%(today)s): "
                    "a statement reports what has happened.",
                    end=date_to,
                    today=today,
                )
            )

    @api.model
    def _billing_parents(self, company=None):
        """Every responsible parent and guardian of the practice's clients
        (archived clients too: a family that left may still owe money)."""
        company = company or self.env.company
        clients = self.env["practice.client"].with_context(active_test=False).search([("company_id", "=", company.id)])
        return clients._billing_accounts()

    @api.model
    @billing_transition
    def _billing_generate(self, partners, date_from, date_to):
        """One statement per parent with activity in the period or an open
        balance at its end, for the current company. A parent whose latest
        statement of the same period still says exactly what the ledger says
        gets that statement back, not a copy; a changed ledger gives a new
        statement (the old one stays, linked as ``previous_id``).

        :return: the statements, in the order of ``partners``
        """
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can generate statements."))
        date_from, date_to = fields.Date.to_date(date_from), fields.Date.to_date(date_to)
        self._billing_check_period(date_from, date_to)
        company = self.env.company
        partners = partners.exists()
        snapshots = self._billing_snapshots(partners, company, date_from, date_to)
        latest = {}
        for statement in self.search(
            [
                ("partner_id", "in", partners.ids),
                ("company_id", "=", company.id),
                ("date_from", "=", date_from),
                ("date_to", "=", date_to),
            ],
            order="id desc",
        ):
            latest.setdefault(statement.partner_id, statement)

        result, vals_list = [], []
        for partner in partners:
            snapshot = snapshots[partner]
            if not snapshot["lines"] and company.currency_id.is_zero(snapshot["closing_balance"]):
                continue  # no activity and nothing open: nothing to tell
            previous = latest.get(partner)
            if previous and previous._billing_fingerprint() == self._billing_snapshot_fingerprint(snapshot):
                result.append(previous)
                continue
            vals_list.append(self._prepare_statement_vals(partner, company, date_from, date_to, snapshot, previous))
            result.append(None)
        created = iter(self.create(vals_list))
        statements = self.browse().union(*(record or next(created) for record in result))
        if vals_list:
            _logger.info(
                "Statements for %s to %s: %d made, %d unchanged",
                date_from,
                date_to,
                len(vals_list),
                len(statements) - len(vals_list),
            )
        return statements

    @api.model
    def _billing_snapshots(self, partners, company, date_from, date_to):
        """What the ledger says of each parent for the period, in a few queries:
        {partner: {opening_balance, closing_balance, lines: [line vals], buckets}}."""
        currency = company.currency_id
        Line = self.env["account.move.line"]
        domain = self._billing_receivable_domain(partners, company)
        opening = dict(Line._read_group([*domain, ("date", "<", date_from)], ["partner_id"], ["balance:sum"]))
        closing = dict(Line._read_group([*domain, ("date", "<=", date_to)], ["partner_id"], ["balance:sum"]))
        per_partner = self._billing_activity(partners, company, [("date", ">=", date_from), ("date", "<=", date_to)])
        buckets = self._billing_aging(partners, company, date_to)

        snapshots = {}
        for partner in partners:
            lines = self._billing_activity_lines(per_partner.get(partner, []), opening.get(partner, 0.0), currency)
            snapshots[partner] = {
                "opening_balance": currency.round(opening.get(partner, 0.0)),
                "closing_balance": currency.round(closing.get(partner, 0.0)),
                "lines": lines,
                "buckets": buckets.get(partner, dict.fromkeys(AGING_BUCKETS, 0.0)),
            }
        return snapshots

    @api.model
    def _billing_receivable_domain(self, partners, company):
        """The parents' posted receivable items in the practice's company: their ledger."""
        return [
            ("partner_id", "in", partners.ids),
            ("company_id", "=", company.id),
            ("parent_state", "=", "posted"),
            ("account_id.account_type", "=", "asset_receivable"),
        ]

    @api.model
    def _billing_activity(self, partners, company, date_domain):
        """{partner: [(move, amount)]}: the journal entries that moved each
        parent's receivable on the dates of ``date_domain``, oldest first."""
        currency = company.currency_id
        rows = self.env["account.move.line"]._read_group(
            [*self._billing_receivable_domain(partners, company), *date_domain],
            ["partner_id", "move_id"],
            ["balance:sum"],
        )
        moves = self.env["account.move"].union(*(move for _partner, move, _balance in rows))
        moves.fetch(["date", "name", "move_type", "billing_is_late_fee", "origin_payment_id", "billing_origin_id"])
        per_partner = {}
        for partner, move, balance in sorted(rows, key=lambda row: (row[1].date, row[1].id)):
            amount = currency.round(balance)
            if not currency.is_zero(amount):
                per_partner.setdefault(partner, []).append((move, amount))
        return per_partner

    @api.model
    def _billing_activity_lines(self, activity, start, currency, section="period"):
        """The statement line values of ``activity`` ([(move, amount)]), each
        with the running balance from ``start``."""
        running = currency.round(start)
        lines = []
        for sequence, (move, amount) in enumerate(activity, start=1):
            running = currency.round(running + amount)
            lines.append(
                {
                    **self._prepare_line_vals(move),
                    "section": section,
                    "sequence": sequence,
                    "amount": amount,
                    "balance": running,
                }
            )
        return lines

    @api.model
    def _billing_aging(self, partners, company, as_of):
        """The Billing AR buckets of each parent as of a date, from the report itself."""
        currency = company.currency_id
        rows = (
            self.env["practice.ar.aging"]
            .with_context(billing_as_of=fields.Date.to_string(as_of))
            ._read_group(
                [("partner_id", "in", partners.ids), ("company_id", "=", company.id)],
                ["partner_id"],
                [f"{bucket}:sum" for bucket in AGING_BUCKETS],
            )
        )
        return {
            partner: {
                bucket: currency.round(amount or 0.0) for bucket, amount in zip(AGING_BUCKETS, amounts, strict=False)
            }
            for partner, *amounts in rows
        }

    @api.model
    def _prepare_line_vals(self, move):
        """The line of one journal entry: what it is, its number, the family
        invoice it belongs to and that invoice's client."""
        payment = move.origin_payment_id
        invoice = (
            move.billing_origin_id or payment.billing_move_id or (move if move._billing_family() else move.browse())
        )
        if payment:
            kind = "refund" if payment.payment_type == "outbound" else "payment"
        elif move.billing_is_late_fee:
            kind = "late_fee"
        elif move.move_type == "out_invoice":
            kind = "invoice"
        elif move.move_type == "out_refund" and invoice.billing_void_date:
            kind = "void"
        elif move.move_type == "out_refund" and move.reversed_entry_id.billing_is_late_fee:
            kind = "waiver"
        elif move.move_type == "out_refund":
            kind = "credit"
        else:
            kind = "other"
        return {
            "date": move.date,
            "kind": kind,
            "move_id": move.id,
            "reference": move.name,
            "invoice_reference": invoice.name if invoice and invoice != move else False,
            "client_id": invoice.practice_client_id.id,
        }

    @api.model
    def _prepare_statement_vals(self, partner, company, date_from, date_to, snapshot, previous):
        sequence = self.env["ir.sequence"].with_company(company)
        return {
            "name": sequence.next_by_code("practice.statement", sequence_date=date_to),
            "partner_id": partner.id,
            "company_id": company.id,
            "date_from": date_from,
            "date_to": date_to,
            "opening_balance": snapshot["opening_balance"],
            "closing_balance": snapshot["closing_balance"],
            "previous_id": previous.id if previous else False,
            "line_ids": [fields.Command.create(vals) for vals in snapshot["lines"]],
            **snapshot["buckets"],
        }

    @api.model
    def _billing_snapshot_fingerprint(self, snapshot):
        return (
            snapshot["opening_balance"],
            snapshot["closing_balance"],
            tuple((vals["move_id"], vals["amount"]) for vals in snapshot["lines"]),
            tuple(snapshot["buckets"][bucket] for bucket in AGING_BUCKETS),
        )

    def _billing_fingerprint(self):
        self.ensure_one()
        return (
            self.opening_balance,
            self.closing_balance,
            tuple((line.move_id.id, line.amount) for line in self.line_ids.sorted("sequence")),
            tuple(self[bucket] for bucket in AGING_BUCKETS),
        )

    # ------------------------------------------------------------------
    # Send
    # ------------------------------------------------------------------
    @billing_transition
    def action_billing_send(self):
        """Render and attach the PDF, open the statement in the parent's portal
        and queue the parent's email. Idempotent: a sent statement is left alone."""
        self.check_access("write")
        self._billing_lock()
        to_send = self.filtered(lambda s: s.state == "draft")
        for statement in to_send:
            statement._billing_set_due_now()
            statement._billing_attach_report_pdf(
                "parent_billing.action_report_practice_statement", self.env._("Statement sent to the parent.")
            )
            statement._billing_notify_parent()
        to_send.write({"state": "sent", "sent_date": fields.Datetime.now()})
        return True

    def _billing_notify_parent(self):
        """Queue the statement email to the parent only (no staff copy)."""
        self.ensure_one()
        template = self.env.ref("parent_billing.mail_template_parent_statement")
        self._portal_ensure_token()
        self._billing_email_parent(template, self.partner_id)

    def action_billing_preview(self):
        """Staff: the statement PDF."""
        self.ensure_one()
        return self.env.ref("parent_billing.action_report_practice_statement").report_action(self)

    # ------------------------------------------------------------------
    # The monthly run
    # ------------------------------------------------------------------
    @api.model
    def _billing_statement_period(self, today):
        """The calendar month before ``today``'s month."""
        date_to = today.replace(day=1) - timedelta(days=1)
        return date_to.replace(day=1), date_to

    @api.model
    def _cron_billing_statements(self, batch_size=STATEMENT_BATCH_SIZE):
        """Daily: on its statement day, each practice with monthly statements on
        makes and sends the statements of last month. Batches of parents,
        committed outside tests; a rerun finds the statements already made (the
        ledger did not change) and sent, so nothing is made or sent twice."""
        today = fields.Date.context_today(self)
        companies = self.env["res.company"].search([("billing_statement_enabled", "=", True)])
        due = companies.filtered(lambda c: c._billing_statement_due(today))
        date_from, date_to = self._billing_statement_period(today)
        work = [(company, self._billing_parents(company)) for company in due]
        remaining = sum(len(partners) for _company, partners in work)
        done = sent = 0
        for company, partners in work:
            Statement = self.with_company(company)
            for start in range(0, len(partners), batch_size):
                batch = partners[start : start + batch_size]
                for statement in Statement._billing_generate(batch, date_from, date_to):
                    if statement.state != "draft":
                        continue
                    try:
                        # One statement that cannot go out (e.g. its PDF fails) does not stop the others.
                        with self.env.cr.savepoint():
                            statement.action_billing_send()
                        sent += 1
                    except UserError as error:
                        _logger.warning("Statement %s was not sent: %s", statement.name, error)
                done += len(batch)
                remaining -= len(batch)
                self.env["account.move"]._billing_commit_batch(done, remaining)
        if due:
            _logger.info("Monthly statements %s to %s: %d sent", date_from, date_to, sent)
        return True
