from odoo import fields, models


class PracticeBillingRunLine(models.Model):
    """One client of a billing run: waiting, invoiced (its draft) or skipped (why)."""

    _name = "practice.billing.run.line"
    _description = "Billing Run Client"
    _order = "id"

    run_id = fields.Many2one("practice.billing.run", required=True, readonly=True, index=True, ondelete="cascade")
    client_id = fields.Many2one("practice.client", required=True, readonly=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(related="client_id.partner_id", string="Parent")
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    state = fields.Selection(
        [("pending", "Waiting"), ("created", "Invoiced"), ("skipped", "Skipped")],
        string="Status",
        required=True,
        readonly=True,
        default="pending",
        index=True,
    )
    move_id = fields.Many2one("account.move", string="Draft Invoice", readonly=True, ondelete="set null")
    amount_total = fields.Monetary(related="move_id.amount_total", string="Amount")
    currency_id = fields.Many2one(related="run_id.company_id.currency_id")
    reason = fields.Text(readonly=True, help="Why no invoice was created for this client.")
