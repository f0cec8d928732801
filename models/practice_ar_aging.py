from odoo import api, fields, models
from odoo.tools import SQL


class PracticeArAging(models.Model):
    """Billing AR: one row per open family invoice (with its late fees), aged
    by days past due. Computed in SQL from the receivable journal items and
    their reconciliations, so it agrees with Odoo's partner ledger; an "as of"
    date (context key ``billing_as_of``) ignores later entries and matches."""

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
            "partner_id",
            "company_id",
            "currency_id",
            "invoice_date",
            "invoice_date_due",
        ],
        "account.move.line": ["balance", "account_id", "move_id", "date"],
        "account.partial.reconcile": ["amount", "debit_move_id", "credit_move_id", "max_date"],
    }

    move_id = fields.Many2one("account.move", string="Invoice", readonly=True)
    partner_id = fields.Many2one("res.partner", string="Parent", readonly=True)
    client_id = fields.Many2one("practice.client", string="Client", readonly=True)
    company_id = fields.Many2one("res.company", string="Practice", readonly=True)
    currency_id = fields.Many2one("res.currency", readonly=True)
    invoice_date = fields.Date(readonly=True)
    invoice_date_due = fields.Date(string="Due Date", readonly=True)
    days_past_due = fields.Integer(readonly=True, aggregator="max")
    aging_bucket = fields.Selection(
        [("not_due", "Not yet due"), ("0_30", "0-30"), ("31_60", "31-60"), ("61_90", "61-90"), ("90_plus", "90+")],
        string="Bucket",
        readonly=True,
    )
    amount_residual = fields.Monetary(string="Open Balance", readonly=True)
    amount_not_due = fields.Monetary(string="Not Yet Due", readonly=True)
    amount_0_30 = fields.Monetary(string="0-30", readonly=True)
    amount_31_60 = fields.Monetary(string="31-60", readonly=True)
    amount_61_90 = fields.Monetary(string="61-90", readonly=True)
    amount_90_plus = fields.Monetary(string="90+", readonly=True)

    @api.model
    def _billing_as_of(self):
        return fields.Date.to_date(self.env.context.get("billing_as_of")) or fields.Date.context_today(self)

    @property
    def _table_query(self):
        as_of = self._billing_as_of()
        return SQL(
            """
            WITH open_items AS (
                SELECT root.id AS move_id,
                       line.balance
                       - COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p
                                    WHERE p.debit_move_id = line.id AND p.max_date <= %(as_of)s), 0)
                       + COALESCE((SELECT SUM(p.amount) FROM account_partial_reconcile p
                                    WHERE p.credit_move_id = line.id AND p.max_date <= %(as_of)s), 0)
                       AS residual
                  FROM account_move_line line
                  JOIN account_move item ON item.id = line.move_id
                  JOIN account_account account ON account.id = line.account_id
                  JOIN account_move root
                    ON root.id = CASE WHEN item.billing_is_late_fee THEN item.debit_origin_id ELSE item.id END
                 WHERE account.account_type = 'asset_receivable'
                   AND item.state = 'posted'
                   AND line.date <= %(as_of)s
                   AND root.practice_client_id IS NOT NULL
                   AND root.move_type = 'out_invoice'
                   AND root.state = 'posted'
            ),
            per_move AS (
                SELECT move_id, ROUND(SUM(residual), 2) AS residual
                  FROM open_items
                 GROUP BY move_id
                HAVING ROUND(SUM(residual), 2) != 0
            )
            SELECT m.id AS id,
                   m.id AS move_id,
                   m.partner_id,
                   m.practice_client_id AS client_id,
                   m.company_id,
                   m.currency_id,
                   m.invoice_date,
                   m.invoice_date_due,
                   (%(as_of)s::date - m.invoice_date_due) AS days_past_due,
                   CASE WHEN %(as_of)s::date < m.invoice_date_due THEN 'not_due'
                        WHEN %(as_of)s::date - m.invoice_date_due <= 30 THEN '0_30'
                        WHEN %(as_of)s::date - m.invoice_date_due <= 60 THEN '31_60'
                        WHEN %(as_of)s::date - m.invoice_date_due <= 90 THEN '61_90'
                        ELSE '90_plus' END AS aging_bucket,
                   pm.residual AS amount_residual,
                   CASE WHEN %(as_of)s::date < m.invoice_date_due THEN pm.residual ELSE 0 END AS amount_not_due,
                   CASE WHEN %(as_of)s::date - m.invoice_date_due BETWEEN 0 AND 30 THEN pm.residual ELSE 0 END
                       AS amount_0_30,
                   CASE WHEN %(as_of)s::date - m.invoice_date_due BETWEEN 31 AND 60 THEN pm.residual ELSE 0 END
                       AS amount_31_60,
                   CASE WHEN %(as_of)s::date - m.invoice_date_due BETWEEN 61 AND 90 THEN pm.residual ELSE 0 END
                       AS amount_61_90,
                   CASE WHEN %(as_of)s::date - m.invoice_date_due > 90 THEN pm.residual ELSE 0 END
                       AS amount_90_plus
              FROM per_move pm
              JOIN account_move m ON m.id = pm.move_id
            """,
            as_of=as_of,
        )
