from odoo import api, fields, models


class AccountMove(models.Model):
    """Collection holds: the one predicate the overdue run (late fees), the
    dunning reminder steps and the full-balance autopay run read.

    ``_billing_collection_held()`` returns the invoices among ``self`` that
    are held now; each feature adds its clause with ``super()`` (this file:
    the account's collections paused by staff; ``account_move_dispute``: an
    open dispute; payment plans add theirs). Overdue status still follows the
    due date. When a hold ends, its end date is kept (on the invoice or the
    account) and late-fee days and reminder offsets count from it
    (``_billing_collection_base_date``)."""

    _inherit = "account.move"

    billing_hold_end_date = fields.Date(
        "Collection Hold Ended",
        readonly=True,
        copy=False,
        help="The day the last collection hold on this invoice (a dispute) ended: late-fee days and reminder "
        "offsets count from it.",
    )
    billing_collection_held = fields.Boolean(
        "Collections Held",
        compute="_compute_billing_collection_held",
        help="No late fee, no payment reminder and no autopay charge while the hold lasts.",
    )

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_hold_end_date"}

    @api.depends("billing_dispute_state", "commercial_partner_id.billing_collections_paused")
    def _compute_billing_collection_held(self):
        held = self._billing_collection_held()
        for move in self:
            move.billing_collection_held = move in held

    def _billing_collection_held(self):
        """The invoices among these whose collections are held now. Extend
        with ``super()``: ``return super()._billing_collection_held() | ...``."""
        return self.filtered(lambda m: m.sudo().commercial_partner_id.billing_collections_paused)

    def _billing_collection_base_date(self):
        """The day late-fee days and reminder offsets count from: the due
        date, or the end of the last hold when that is later."""
        self.ensure_one()
        ends = [
            self.invoice_date_due,
            self.billing_hold_end_date,
            self.sudo().commercial_partner_id.billing_collections_hold_end_date,
        ]
        return max((day for day in ends if day), default=False)

    def _billing_collection_hold_end(self):
        """The day the last hold on this invoice ended (False: none ended)."""
        self.ensure_one()
        ends = [self.billing_hold_end_date, self.sudo().commercial_partner_id.billing_collections_hold_end_date]
        return max((day for day in ends if day), default=False)
