from odoo import api, fields, models


class ResCompany(models.Model):
    """The practice's payment reminder steps (Invoice Settings)."""

    _inherit = "res.company"

    billing_reminder_step_ids = fields.One2many(
        "practice.reminder.step",
        "company_id",
        string="Payment Reminders",
        context={"active_test": False},
        help="Emails to parents about open invoices, by days from the due date. "
        "Each step goes out at most once per invoice, one step per invoice and day: the earliest due first.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        companies = super().create(vals_list)
        companies._billing_create_default_reminder_steps()
        return companies

    @api.model
    def _billing_init_reminder_steps(self):
        """At install: the default reminder steps for every existing practice."""
        return self.sudo().search([("billing_reminder_step_ids", "=", False)])._billing_create_default_reminder_steps()

    def _billing_create_default_reminder_steps(self):
        """Give each of these practices without reminder steps the default ones."""
        Step = self.env["practice.reminder.step"].sudo().with_context(active_test=False)
        have_steps = set(Step.search([("company_id", "in", self.ids)]).company_id.ids)
        vals_list = []
        for company in self.filtered(lambda c: c.id not in have_steps):
            vals_list += Step._billing_default_steps_vals(company)
        return Step.create(vals_list)
