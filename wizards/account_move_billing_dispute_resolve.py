from odoo import fields, models


class AccountMoveBillingDisputeResolve(models.TransientModel):
    _name = "account.move.billing.dispute.resolve"
    _description = "Resolve Dispute"

    move_id = fields.Many2one("account.move", required=True)
    currency_id = fields.Many2one(related="move_id.currency_id")
    billed = fields.Monetary(string="Billed Now", compute="_compute_billed", currency_field="currency_id")
    amount = fields.Monetary(string="Owed After Determination", required=True, currency_field="currency_id")

    def _compute_billed(self):
        for wizard in self:
            wizard.billed = wizard.move_id._billing_dispute_billed()

    def action_resolve(self):
        self.ensure_one()
        self.move_id._billing_resolve_dispute(self.amount)
        return {"type": "ir.actions.act_window_close"}
