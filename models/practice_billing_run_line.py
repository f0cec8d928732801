from odoo import api, fields, models

RUN_LINE_STATES = [("pending", "Waiting"), ("created", "Invoiced"), ("skipped", "Skipped")]


class PracticeBillingRunLine(models.Model):
    """One client of a billing run and the parent it bills (each guardian of a
    client with guardians has a line): waiting, invoiced (its draft) or
    skipped (why)."""

    _name = "practice.billing.run.line"
    _description = "Billing Run Client"
    _order = "id"

    run_id = fields.Many2one("practice.billing.run", required=True, readonly=True, index=True, ondelete="cascade")
    client_id = fields.Many2one("practice.client", required=True, readonly=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner", "Parent", compute="_compute_partner_id", store=True, readonly=False, precompute=True, index=True
    )
    company_id = fields.Many2one(related="run_id.company_id", store=True, index=True)
    state = fields.Selection(
        RUN_LINE_STATES, string="Status", required=True, readonly=True, default="pending", index=True
    )
    move_id = fields.Many2one("account.move", string="Draft Invoice", readonly=True)
    amount_total = fields.Monetary(related="move_id.amount_total", string="Amount")
    currency_id = fields.Many2one(related="run_id.company_id.currency_id")
    reason = fields.Text(readonly=True, help="Why no invoice was created for this client.")

    @api.depends("client_id")
    def _compute_partner_id(self):
        # A line made without a parent bills the client's responsible parent.
        for line in self:
            line.partner_id = line.partner_id or line.client_id.partner_id
