from odoo import api, fields, models
from odoo.exceptions import UserError


class PracticeChargeInvoice(models.TransientModel):
    """Create Invoice: a thin shell around ``practice.charge._create_invoices``."""

    _name = "practice.charge.invoice"
    _description = "Create Family Invoice"

    charge_ids = fields.Many2many("practice.charge", string="Charges", required=True)
    client_count = fields.Integer(compute="_compute_client_count")
    amount_total = fields.Monetary(compute="_compute_client_count", currency_field="currency_id")
    currency_id = fields.Many2one("res.currency", default=lambda self: self.env.company.currency_id)
    due_date = fields.Date(
        required=True,
        default=lambda self: self.env.company._billing_default_due_date(fields.Date.context_today(self)),
        help="Defaults to today plus the practice's payment terms (Invoice Settings).",
    )
    notes = fields.Html(help="Printed on the invoice and shown to the parent in the portal.")
    billing_run = fields.Boolean(
        string="One invoice per client",
        help="Billing run: the selected charges of several clients become one draft invoice each.",
    )

    @api.model
    def default_get(self, fields_list):
        res = super().default_get(fields_list)
        if self.env.context.get("active_model") == "practice.charge" and "charge_ids" in fields_list:
            charges = self.env["practice.charge"].browse(self.env.context.get("active_ids", []))
            res["charge_ids"] = [fields.Command.set(charges.filtered(lambda c: c.state == "unbilled").ids)]
        elif self.env.context.get("active_model") == "practice.client":
            clients = self.env["practice.client"].browse(self.env.context.get("active_ids", []))
            res["charge_ids"] = [fields.Command.set(clients.charge_ids.filtered(lambda c: c.state == "unbilled").ids)]
            res["billing_run"] = len(clients) > 1
        return res

    @api.depends("charge_ids")
    def _compute_client_count(self):
        for wizard in self:
            wizard.client_count = len(wizard.charge_ids.client_id)
            wizard.amount_total = sum(wizard.charge_ids.mapped("amount"))

    def action_create_invoice(self):
        self.ensure_one()
        if not self.charge_ids:
            raise UserError(self.env._("Select at least one unbilled charge to invoice."))
        if len(self.charge_ids.client_id) > 1 and not self.billing_run:
            raise UserError(
                self.env._(
                    "The selected charges belong to %(n)s clients (%(names)s); an invoice is for one client. "
                    "Pick one client, or tick 'One invoice per client' for a billing run.",
                    n=len(self.charge_ids.client_id),
                    names=", ".join(self.charge_ids.client_id.mapped("name")),
                )
            )
        moves = self.charge_ids._create_invoices(due_date=self.due_date, notes=self.notes)
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.account_move_action_family_invoices")
        if len(moves) == 1:
            action.update({"res_id": moves.id, "views": [(False, "form")], "view_mode": "form"})
        else:
            action["domain"] = [("id", "in", moves.ids)]
        return action
