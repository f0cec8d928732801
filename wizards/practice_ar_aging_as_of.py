from odoo import fields, models
from odoo.tools import format_date


class PracticeArAgingAsOf(models.TransientModel):
    """Open the Billing AR report as it stood on a given date."""

    _name = "practice.ar.aging.as.of"
    _description = "Billing AR as of a date"

    date = fields.Date(string="As of", required=True, default=fields.Date.context_today)
    company_ids = fields.Many2many(
        "res.company", string="Practices", default=lambda self: self.env.companies, required=True
    )

    def action_open_report(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.practice_ar_aging_action")
        action.update(
            {
                "name": self.env._("Billing AR as of %(date)s", date=format_date(self.env, self.date)),
                "domain": [("company_id", "in", self.company_ids.ids)],
                "context": {"billing_as_of": fields.Date.to_string(self.date), "search_default_group_parent": 1},
                "target": "main",
            }
        )
        return action
