from odoo import api, fields, models
from odoo.exceptions import UserError


class PracticeChargeInvoice(models.TransientModel):
    """Create Invoice: a thin shell around ``practice.charge._create_invoices``.

    The seed's flow: pick a client, then "select the charges to include
    (default: all)". Opened on a client (or on Unbilled Charges filtered to
    one client, with no rows ticked), every unbilled charge of that client is
    selected; rows ticked in the list are taken as they are; choosing another
    client in the dialog selects all of that client's unbilled charges.
    """

    _name = "practice.charge.invoice"
    _description = "Create Family Invoice"

    client_id = fields.Many2one(
        "practice.client", help="All of this client's unbilled charges are selected; remove any you leave out."
    )
    charge_ids = fields.Many2many(
        "practice.charge",
        string="Charges",
        required=True,
        compute="_compute_charge_ids",
        store=True,
        readonly=False,
        precompute=True,
    )
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
        charges = self._get_context_charges()
        if "charge_ids" in fields_list and charges:
            res["charge_ids"] = [fields.Command.set(charges.ids)]
        if len(charges.client_id) == 1 and "client_id" in fields_list:
            res["client_id"] = charges.client_id.id
        if self.env.context.get("active_model") == "practice.client":
            res["billing_run"] = len(charges.client_id) > 1
        return res

    @api.model
    def _get_context_charges(self):
        """The unbilled charges the dialog opens with: the rows ticked in
        Unbilled Charges, else all the rows it lists (filtered by client in
        its left pane), or all those of the clients it was opened on."""
        context = self.env.context
        Charge = self.env["practice.charge"]
        unbilled = [("state", "=", "unbilled")]
        if context.get("active_model") == "practice.charge":
            if context.get("active_ids"):
                return Charge.browse(context["active_ids"]).filtered_domain(unbilled)
            if context.get("active_domain") is not None:
                return Charge.search([*context["active_domain"], *unbilled])
        elif context.get("active_model") == "practice.client" and context.get("active_ids"):
            return Charge.search([("client_id", "in", context["active_ids"]), *unbilled])
        return Charge

    @api.depends("client_id")
    def _compute_charge_ids(self):
        for wizard in self:
            if wizard.client_id:
                wizard.charge_ids = wizard.client_id.charge_ids.filtered(lambda c: c.state == "unbilled")
            else:
                wizard.charge_ids = wizard.charge_ids

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
