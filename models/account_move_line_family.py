from odoo import api, fields, models
from odoo.tools import SQL


class AccountMoveLine(models.Model):
    """The family invoice of a receivable item, stored on the item.

    Billing AR (``practice.ar.aging``) sums the open receivable items per
    family invoice; reading the invoice off each item makes that one indexed
    scan and one group instead of tracing every item through its journal
    entry at query time. The family invoice of an item is the invoice itself,
    or the one its document was made from (``billing_origin_id``: late fees,
    credit notes, voids and their reversals), or the one its payment is
    logged on (``account.payment.billing_move_id``: staff, processor, credit
    and refund payments; a payment covers one family invoice, see
    ``account.payment.register._create_payments``). Empty on every other
    line."""

    _inherit = "account.move.line"

    # on a receivable item of a family document or of a payment made for it: that invoice (computed
    # fields are read-only and not copied); indexed by init(): the open items, with what Billing AR sums
    billing_family_move_id = fields.Many2one(
        "account.move", string="Family Invoice of the Item", compute="_compute_billing_family_move_id", store=True
    )

    @api.depends(
        "account_id.account_type",
        "move_id.move_type",
        "move_id.practice_client_id",
        "move_id.billing_origin_id",
        "move_id.origin_payment_id.billing_move_id",
    )
    def _compute_billing_family_move_id(self):
        for line in self:
            move = line.move_id
            family = move.browse()
            if line.account_id.account_type == "asset_receivable":
                family = move.billing_origin_id or move.origin_payment_id.billing_move_id or move._billing_family()
            line.billing_family_move_id = family

    def _billing_frozen_line_fields(self):
        return super()._billing_frozen_line_fields() | {"billing_family_move_id"}

    def init(self):
        res = super().init()
        # Billing AR's scan: the open items of family invoices, with what it sums.
        self.env.cr.execute(
            SQL(
                "CREATE INDEX IF NOT EXISTS account_move_line_billing_family_open_idx "
                "ON account_move_line (billing_family_move_id) INCLUDE (amount_residual, date, parent_state) "
                "WHERE billing_family_move_id IS NOT NULL AND reconciled IS NOT TRUE"
            )
        )
        return res

    @api.model
    def _billing_fill_family_move(self):
        """Fill the family invoice on existing receivable items (the upgrade
        to the stored link, migrations/18.0.1.1.0): the same rule as the
        compute, in SQL, so a database with many invoices upgrades in
        seconds. Returns the number of items set."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                UPDATE account_move_line line
                   SET billing_family_move_id = family.id
                  FROM account_move item
             LEFT JOIN account_payment payment ON payment.id = item.origin_payment_id
                  JOIN account_move family
                    ON family.id = COALESCE(
                           item.billing_origin_id,
                           payment.billing_move_id,
                           CASE WHEN item.practice_client_id IS NOT NULL AND item.move_type = 'out_invoice'
                                THEN item.id END)
                 WHERE item.id = line.move_id
                   AND line.account_id IN (SELECT id FROM account_account WHERE account_type = 'asset_receivable')
                   AND line.billing_family_move_id IS DISTINCT FROM family.id
                """
            )
        )
        count = self.env.cr.rowcount
        self.invalidate_model(["billing_family_move_id"])
        return count
