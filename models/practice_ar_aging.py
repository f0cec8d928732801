from odoo import api, fields, models
from odoo.tools import SQL


class PracticeArAging(models.Model):
    """Billing AR: one row per open family invoice (with its late fees), aged
    by days past due of the invoice.

    Computed in SQL from the posted receivable journal items and their
    reconciliations, so it agrees with Odoo's partner ledger to the cent. Each
    receivable item is attributed to its family invoice: the invoice itself,
    its late fees (``debit_origin_id``), credit notes of either
    (``reversed_entry_id``) and the staff or portal payments logged on it
    (``account.payment.billing_move_id``) - so an unapplied credit shows on
    the invoice it came from, as a negative balance. Amounts are in company
    currency, like the ledger. An "as of" date (context key
    ``billing_as_of``, default today) ignores items and reconciliations
    dated later."""

    _name = "practice.ar.aging"
    _description = "Billing AR Aging"
    _auto = False
    _order = "days_past_due desc, move_id"
    _rec_name = "move_id"
    _depends = {
        "account.move": [
            "state",
            "move_type",
            "practice_client_id",
            "billing_is_late_fee",
            "debit_origin_id",
            "reversed_entry_id",
            "origin_payment_id",
            "partner_id",
            "commercial_partner_id",
            "company_id",
            "invoice_date",
            "invoice_date_due",
        ],
        "account.move.line": ["balance", "account_id", "move_id", "date", "parent_state"],
        "account.partial.reconcile": ["amount", "debit_move_id", "credit_move_id", "max_date"],
        "account.payment": ["billing_move_id"],
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

    @api.model
    def _billing_as_of(self):
        return fields.Date.to_date(self.env.context.get("billing_as_of")) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        return SQL(
            """
            WITH receivable AS (
                SELECT COALESCE(
                           CASE WHEN item.billing_is_late_fee THEN item.debit_origin_id END,
                           CASE WHEN reversed.billing_is_late_fee THEN reversed.debit_origin_id END,
                           reversed.id,
                           payment.billing_move_id,
                           item.id
                       ) AS root_id,
                       line.balance
                       - COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p
                                    WHERE p.debit_move_id = line.id AND p.max_date <= %(as_of)s), 0)
                       + COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p
                                    WHERE p.credit_move_id = line.id AND p.max_date <= %(as_of)s), 0)
                       AS residual
                  FROM account_move_line line
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move item ON item.id = line.move_id
             LEFT JOIN account_move reversed ON reversed.id = item.reversed_entry_id
             LEFT JOIN account_payment payment ON payment.id = item.origin_payment_id
                 WHERE account.account_type = 'asset_receivable'
                   AND line.parent_state = 'posted'
                   AND line.date <= %(as_of)s
                   -- only parents' items: every family receivable carries the parent
                   AND line.partner_id IN (SELECT family.commercial_partner_id FROM account_move family
                                            WHERE family.practice_client_id IS NOT NULL)
            ),
            per_move AS (
                SELECT receivable.root_id AS move_id, SUM(receivable.residual) AS residual
                  FROM receivable
                  JOIN account_move root ON root.id = receivable.root_id
                 WHERE root.practice_client_id IS NOT NULL
                   AND root.move_type = 'out_invoice'
                 GROUP BY receivable.root_id
                HAVING SUM(receivable.residual) != 0
            ),
            aged AS (
                SELECT m.id AS move_id,
                       m.commercial_partner_id AS partner_id,
                       m.practice_client_id AS client_id,
                       m.company_id,
                       company.currency_id,
                       m.invoice_date,
                       m.invoice_date_due,
                       %(as_of)s::date - COALESCE(m.invoice_date_due, m.invoice_date) AS days_past_due,
                       pm.residual
                  FROM per_move pm
                  JOIN account_move m ON m.id = pm.move_id
                  JOIN res_company company ON company.id = m.company_id
            )
            SELECT aged.move_id AS id,
                   aged.move_id,
                   aged.partner_id,
                   aged.client_id,
                   aged.company_id,
                   aged.currency_id,
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
              FROM aged
            """,
            as_of=self._billing_as_of(),
        )
