from odoo import api, fields, models
from odoo.exceptions import UserError


class PracticeStatementGenerate(models.TransientModel):
    """Generate Statements: for one parent, or every parent with activity in
    the period or an open balance at its end (a thin shell around
    ``practice.statement._billing_generate``)."""

    _name = "practice.statement.generate"
    _description = "Generate Statements"

    scope = fields.Selection(
        [("one", "One parent"), ("all", "Every parent with activity or an open balance")],
        required=True,
        default="all",
    )
    partner_id = fields.Many2one("res.partner", string="Parent", domain="[('id', 'in', parent_ids)]")
    parent_ids = fields.Many2many("res.partner", compute="_compute_parent_ids")
    date_from = fields.Date(string="From", required=True, default=lambda self: self._default_period()[0])
    date_to = fields.Date(string="To", required=True, default=lambda self: self._default_period()[1])
    send = fields.Boolean(string="Send to the parents", help="Email each new statement and open it in the portal.")

    @api.model
    def _default_period(self):
        return self.env["practice.statement"]._billing_statement_period(fields.Date.context_today(self))

    @api.depends("scope")
    def _compute_parent_ids(self):
        parents = self.env["practice.statement"]._billing_parents()
        for wizard in self:
            wizard.parent_ids = parents

    def action_generate(self):
        self.ensure_one()
        Statement = self.env["practice.statement"]
        if self.scope == "one":
            if not self.partner_id:
                raise UserError(self.env._("Choose the parent to make a statement for."))
            partners = self.partner_id
        else:
            partners = Statement._billing_parents()
        statements = Statement._billing_generate(partners, self.date_from, self.date_to)
        if not statements:
            period = {"start": self.date_from, "end": self.date_to}
            raise UserError(
                self.env._(
                    "No statement to make: no parent had activity from %(start)s to %(end)s "
                    "or an open balance at its end.",
                    **period,
                )
            )
        if self.send:
            statements.action_billing_send()
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.practice_statement_action")
        action["domain"] = [("id", "in", statements.ids)]
        if len(statements) == 1:
            action.update({"view_mode": "form", "views": [(False, "form")], "res_id": statements.id})
        return action
