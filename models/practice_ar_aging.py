from odoo import api, fields, models
from odoo.tools import SQL


class PracticeArAging(models.Model):
    """Billing AR: one row per open family invoice (with its late fees), aged
    by days past due of the invoice.

    Computed in SQL from the posted receivable journal items and their
    reconciliations, so it agrees with Odoo's partner ledger to the cent.
    Only open items are read: an item's open amount as of a date is its
    residual today (``amount_residual``) plus what was matched with it after
    that date, so the reconciliation history is read only for the period
    after the "as of" date (none when it is today). Each receivable item
    carries its family invoice (``account.move.line.billing_family_move_id``,
    models/account_move_line_family.py): the invoice itself, its late fees,
    credit notes and voids of either, and the payments logged on it - so an
    unapplied credit shows on the invoice it came from, as a negative
    balance, and the aggregate is one indexed scan and one group. Amounts are
    in company currency, like the ledger. An "as of" date (context key
    ``billing_as_of``, default today) ignores items and reconciliations
    dated later."""

    _name = "practice.ar.aging"
    _description = "Billing AR Aging"
    _auto = False
    _order = "days_past_due desc, move_id"
    _rec_name = "move_id"
    _depends = {
        "account.move": [
            "practice_client_id",
            "move_type",
            "commercial_partner_id",
            "company_id",
            "invoice_date",
            "invoice_date_due",
        ],
        "account.move.line": ["billing_family_move_id", "amount_residual", "reconciled", "date", "parent_state"],
        "account.partial.reconcile": ["amount", "debit_move_id", "credit_move_id", "max_date"],
    }

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Parent", readonly=True)
    client_id = fields.Many2one("practice.client", readonly=True)
    company_id = fields.Many2one("res.company", string="Practice", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    invoice_date = fields.Date(readonly=True)
    invoice_date_due = fields.Date(string="Due Date", readonly=True)
    days_past_due = fields.Integer(readonly=True, aggregator="max")
    aging_bucket = fields.Selection(
        [("not_due", "Not yet due"), ("0_30", "0-30"), ("31_60", "31-60"), ("61_90", "61-90"), ("90_plus", "90+")],
        string="Bucket",
        readonly=True,
        group_expand="_group_expand_aging_bucket",
    )
    amount_residual = fields.Monetary(string="Open Balance", readonly=True)

    @api.model
    def _group_expand_aging_bucket(self, buckets, domain):
        """Grouped by bucket, every bucket shows, an empty one too (its order: ``_read_group_orderby``)."""
        return [key for key, _label in self._fields["aging_bucket"].selection]

    amount_not_due = fields.Monetary(string="Not Yet Due", readonly=True)
    amount_0_30 = fields.Monetary(string="0-30", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90", readonly=True)
    amount_90_plus = fields.Monetary(string="90+", readonly=True)

    @api.model
    def _read_group_orderby(self, order, groupby_terms, query):
        """Buckets in aging order (not yet due first, 90+ last), not alphabetically."""
        if "aging_bucket" in groupby_terms:
            keys = [key for key, _label in self._fields["aging_bucket"].selection]
            groupby_terms = {
                **groupby_terms,
                "aging_bucket": SQL("array_position(%s::text[], %s)", keys, groupby_terms["aging_bucket"]),
            }
        return super()._read_group_orderby(order, groupby_terms, query)

    def init(self):
        # The reconciliations after an "as of" date, read by range (none after today).
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS account_partial_reconcile_billing_max_date_idx "
                "ON account_partial_reconcile (max_date)"
            )
        )
        # The family invoices with what a row shows, in id order: merged with
        # the open items grouped by family invoice (account_move_line_family.py).
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS account_move_billing_aging_idx ON account_move (id) "
                "INCLUDE (commercial_partner_id, practice_client_id, company_id, invoice_date, invoice_date_due) "
                "WHERE practice_client_id IS NOT NULL AND move_type = 'out_invoice'"
            )
        )

    @api.model
    def _billing_as_of(self):
        return fields.Date.to_date(self.env.context.get("billing_as_of")) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        # The family predicate, copied from account.move._billing_family() /
        # _billing_family_domain() (models/account_move.py): change them together.
        # Open here means an open receivable as of the date, not BILLING_OPEN_STATES.
        family = SQL("m.practice_client_id IS NOT NULL AND m.move_type = 'out_invoice'")
        as_of = self._billing_as_of()
        columns = SQL(
            "m.id AS move_id, m.commercial_partner_id AS partner_id, m.practice_client_id AS client_id, "
            "m.company_id, m.invoice_date, m.invoice_date_due, "
            "%(as_of)s::date - COALESCE(m.invoice_date_due, m.invoice_date) AS days_past_due",
            as_of=as_of,
        )
        open_today = SQL(
            """
                -- one indexed scan and one group: the open items by their stored family invoice
                SELECT line.billing_family_move_id AS move_id, SUM(line.amount_residual) AS residual
                  FROM account_move_line line
                 WHERE line.billing_family_move_id IS NOT NULL
                   AND line.reconciled IS NOT TRUE
                   AND line.parent_state = 'posted'
                   AND line.date <= %(as_of)s
                 GROUP BY line.billing_family_move_id
            """,
            as_of=as_of,
        )
        if self._billing_matched_after(as_of):
            # open as of the date = open today + what was matched after it, per family invoice
            aged = SQL(
                """
                WITH later AS (
                    SELECT line.billing_family_move_id AS move_id,
                           SUM(CASE WHEN line.id = partial.debit_move_id THEN partial.amount
                                    ELSE -partial.amount END) AS amount
                      FROM account_partial_reconcile partial
                      JOIN account_move_line line ON line.id IN (partial.debit_move_id, partial.credit_move_id)
                     WHERE partial.max_date > %(as_of)s
                       AND line.billing_family_move_id IS NOT NULL
                       AND line.parent_state = 'posted'
                       AND line.date <= %(as_of)s
                     GROUP BY line.billing_family_move_id
                )
                -- each branch joins its invoices itself, so the large one merges two scans in id order
                SELECT %(columns)s, open_today.residual + COALESCE(later.amount, 0) AS residual
                  FROM (%(open_today)s) open_today
                  JOIN account_move m ON m.id = open_today.move_id AND %(family)s
             LEFT JOIN later ON later.move_id = open_today.move_id
                 UNION ALL
                -- invoices with no item open today, open as of the date
                SELECT %(columns)s, later.amount
                  FROM later
                  JOIN account_move m ON m.id = later.move_id AND %(family)s
                 WHERE NOT EXISTS (
                           SELECT 1 FROM account_move_line line
                            WHERE line.billing_family_move_id = later.move_id
                              AND line.reconciled IS NOT TRUE
                              AND line.parent_state = 'posted'
                              AND line.date <= %(as_of)s)
                """,
                as_of=as_of,
                columns=columns,
                family=family,
                open_today=open_today,
            )
        else:
            # nothing matched after the date (today, as a rule): the open items are the figures
            aged = SQL(
                """
                SELECT %(columns)s, open_today.residual AS residual
                  FROM (%(open_today)s) open_today
                  JOIN account_move m ON m.id = open_today.move_id AND %(family)s
                """,
                columns=columns,
                family=family,
                open_today=open_today,
            )
        return SQL(
            """
            SELECT aged.move_id AS id,
                   aged.move_id,
                   aged.partner_id,
                   aged.client_id,
                   aged.company_id,
                   -- read only when asked for (a join here would hide the rows' count from the planner)
                   (SELECT company.currency_id FROM res_company company WHERE company.id = aged.company_id)
                       AS currency_id,
                   aged.invoice_date,
                   aged.invoice_date_due,
                   aged.days_past_due,
                   CASE WHEN aged.days_past_due < 0 THEN 'not_due'
                        WHEN aged.days_past_due <= 30 THEN '0_30'
                        WHEN aged.days_past_due <= 60 THEN '31_60'
                        WHEN aged.days_past_due <= 90 THEN '61_90'
                        ELSE '90_plus' END AS aging_bucket,
                   aged.residual AS amount_residual,
                   CASE WHEN aged.days_past_due < 0 THEN aged.residual ELSE 0 END AS amount_not_due,
                   CASE WHEN aged.days_past_due BETWEEN 0 AND 30 THEN aged.residual ELSE 0 END AS amount_0_30,
                   CASE WHEN aged.days_past_due BETWEEN 31 AND 60 THEN aged.residual ELSE 0 END AS amount_31_60,
                   CASE WHEN aged.days_past_due BETWEEN 61 AND 90 THEN aged.residual ELSE 0 END AS amount_61_90,
                   CASE WHEN aged.days_past_due > 90 THEN aged.residual ELSE 0 END AS amount_90_plus
              FROM (%(aged)s) aged
             WHERE aged.residual != 0
            """,
            aged=aged,
        )

    @api.model
    def _billing_matched_after(self, as_of):
        """Whether any reconciliation is dated after ``as_of`` (none after
        today as a rule): only then is the history read."""
        self.env["account.partial.reconcile"].flush_model(["max_date"])
        self.env.cr.execute(SQL("SELECT 1 FROM account_partial_reconcile WHERE max_date > %s LIMIT 1", as_of))
        return bool(self.env.cr.fetchone())
