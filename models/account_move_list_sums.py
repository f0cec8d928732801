from odoo import api, fields, models

from .account_move import BILLING_OPEN_STATES

# What an accountant adds up in the invoice list: issued invoices only.
BILLED_STATES = (*BILLING_OPEN_STATES, "paid")


class AccountMove(models.Model):
    """The invoice list's footers: "Billed" and "Balance" add up what was
    issued to the families. A draft (not billed yet) and a voided invoice
    (cancelled) count 0 there, while the row's own "Amount" still shows
    what the invoice is for."""

    _inherit = "account.move"

    billing_amount_billed = fields.Monetary(
        "Billed",
        compute="_compute_billing_list_sums",
        store=True,
        help="The invoice total once sent (open or paid); 0 for a draft or a voided invoice, so list totals add up "
        "only what the families were billed.",
    )
    billing_amount_open = fields.Monetary(
        "Open Balance",
        compute="_compute_billing_list_sums",
        store=True,
        help="What the family still owes on a sent invoice; 0 for a draft or a voided invoice.",
    )

    @api.depends("billing_state", "billing_amount_total", "billing_amount_due")
    def _compute_billing_list_sums(self):
        for move in self:
            billed = move.billing_state in BILLED_STATES
            move.billing_amount_billed = move.billing_amount_total if billed else 0.0
            move.billing_amount_open = move.billing_amount_due if billed else 0.0

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_amount_billed", "billing_amount_open"}
