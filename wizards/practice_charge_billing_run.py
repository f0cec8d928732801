from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError


class PracticeChargeBillingRun(models.TransientModel):
    """Billing Run: a thin shell that makes a ``practice.billing.run`` and starts it."""

    _name = "practice.charge.billing.run"
    _description = "Start a Billing Run"

    @api.model
    def _default_date_to(self):
        return fields.Date.context_today(self).replace(day=1) - timedelta(days=1)

    company_id = fields.Many2one(
        "res.company",
        string="Practice",
        required=True,
        default=lambda self: self.env.company,
        domain=lambda self: [("id", "in", self.env.companies.ids)],
    )
    client_ids = fields.Many2many(
        "practice.client",
        string="Clients",
        domain="[('company_id', '=', company_id)]",
        help="Only these clients; empty: all clients of the practice.",
    )
    date_to = fields.Date(
        string="Bill Charges Up To",
        required=True,
        default=lambda self: self._default_date_to(),
        help="Every unbilled charge dated on or before this day is invoiced. By default the end of last month "
        "(a month-end run bills the month just closed).",
    )

    bill_to_mode = fields.Selection(
        lambda self: self.env["practice.client"]._fields["bill_to_mode"].selection,
        string="Bill-to",
        help="Only clients of this bill-to mode; empty: all.",
    )
    due_date = fields.Date(help="Empty: each invoice is due after the practice's payment terms (Invoice Settings).")
    notes = fields.Html(help="Printed on every invoice of the run and shown to the parents in the portal.")
    client_count = fields.Integer(string="Clients to Bill", compute="_compute_preview")
    charge_count = fields.Integer(string="Unbilled Charges", compute="_compute_preview")
    amount_total = fields.Monetary(string="Amount to Bill", compute="_compute_preview", currency_field="currency_id")
    currency_id = fields.Many2one(related="company_id.currency_id")
    preview_line_ids = fields.One2many(
        "practice.charge.billing.run.preview",
        "wizard_id",
        string="Families to Bill",
        compute="_compute_preview",
        help="What the run will bill: one line per client and billed parent, with the unbilled charges and their "
        "amount up to the date.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        context = self.env.context
        if "client_ids" in fields_list and context.get("active_ids"):
            if context.get("active_model") == "practice.charge":
                clients = self.env["practice.charge"].browse(context["active_ids"]).client_id
                res["client_ids"] = [fields.Command.set(clients.ids)]
            elif context.get("active_model") == "practice.client":
                res["client_ids"] = [fields.Command.set(context["active_ids"])]
        return res

    @api.depends("company_id", "date_to", "bill_to_mode", "client_ids")
    def _compute_preview(self):
        for wizard in self:
            groups = []
            if wizard.company_id and wizard.date_to:
                run = self.env["practice.billing.run"].new(wizard._prepare_run_vals())
                groups = self.env["practice.charge"]._read_group(
                    run._get_charge_domain(), ["partner_id", "client_id"], ["__count", "amount:sum"]
                )
            groups = sorted(groups, key=lambda g: (g[0].name or "", g[1].name or ""))
            wizard.client_count = len({client for _partner, client, _count, _amount in groups})
            wizard.charge_count = sum(count for _partner, _client, count, _amount in groups)
            wizard.amount_total = sum(amount for _partner, _client, _count, amount in groups)
            wizard.preview_line_ids = [fields.Command.clear()] + [
                fields.Command.create(
                    {"partner_id": partner.id, "client_id": client.id, "charge_count": count, "amount": amount}
                )
                for partner, client, count, amount in groups
            ]

    def action_start(self):
        self.ensure_one()
        if self.due_date and self.due_date < fields.Date.context_today(self):
            raise UserError(self.env._("The due date %(due)s of the billing run is in the past.", due=self.due_date))
        if self.client_ids.company_id - self.company_id:
            raise UserError(
                self.env._(
                    "Client %(client)s belongs to another practice than %(practice)s.",
                    client=(self.client_ids.filtered(lambda c: c.company_id != self.company_id))[0].name,
                    practice=self.company_id.name,
                )
            )
        # Staff read runs but never write them: the run's lines are the billing run's own record.
        run = self.env["practice.billing.run"].sudo().create(self._prepare_run_vals())
        return run.sudo(False).action_start()

    def _prepare_run_vals(self):
        self.ensure_one()
        return {
            "company_id": self.company_id.id,
            "date_to": self.date_to,
            "bill_to_mode": self.bill_to_mode,
            "client_ids": [fields.Command.set(self.client_ids._origin.ids)],
            "due_date": self.due_date,
            "notes": self.notes,
        }


class PracticeChargeBillingRunPreview(models.TransientModel):
    """One line of the Billing Run's preview: a family the run will bill."""

    _name = "practice.charge.billing.run.preview"
    _description = "Billing Run Preview Line"

    wizard_id = fields.Many2one("practice.charge.billing.run", required=True, ondelete="cascade")
    partner_id = fields.Many2one("res.partner", string="Parent", readonly=True)
    client_id = fields.Many2one("practice.client", readonly=True)
    charge_count = fields.Integer(string="Charges", readonly=True)
    currency_id = fields.Many2one(related="wizard_id.currency_id")
    amount = fields.Monetary(readonly=True, currency_field="currency_id")
