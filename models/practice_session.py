from odoo import api, fields, models
from odoo.exceptions import UserError


class PracticeSession(models.Model):
    _name = "practice.session"
    _description = "Therapy Session"
    _inherit = ["mail.thread", "parent_billing.protected.mixin", "parent_billing.rated.mixin"]
    _order = "date desc, id desc"

    client_id = fields.Many2one("practice.client", required=True, index=True, tracking=True)
    partner_id = fields.Many2one(related="client_id.partner_id")
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    product_id = fields.Many2one(
        "product.product",
        string="Service",
        required=True,
        domain=[("type", "=", "service")],
        help="The service delivered; its internal reference is the CPT code.",
    )
    service_code = fields.Char(related="product_id.default_code", string="CPT Code")
    units = fields.Float(required=True, default=1.0, digits="Product Unit of Measure", tracking=True)
    unit_price = fields.Monetary(
        string="Rate",
        compute="_compute_unit_price",
        store=True,
        readonly=False,
        precompute=True,
        tracking=True,
        aggregator=None,
    )
    amount = fields.Monetary(compute="_compute_amount", store=True)
    state = fields.Selection(
        [("draft", "Draft"), ("finalized", "Finalized")], default="draft", required=True, tracking=True
    )
    company_id = fields.Many2one(related="client_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    claim_id = fields.Many2one("practice.claim", index=True, copy=False, readonly=True)
    charge_ids = fields.One2many("practice.charge", "session_id", string="Charges")

    @api.depends("units", "unit_price", "currency_id")
    def _compute_amount(self):
        for session in self:
            session.amount = session._billing_rated_amount()

    def _billing_rated_errors(self):
        return (
            self.env._("Session units must be above zero (got %s).", self.units),
            self.env._("A session rate cannot be negative (got %s).", self.unit_price),
        )

    def _billing_frozen_fields(self):
        """What a finalized session's charge or claim was built from."""
        return {"client_id", "date", "product_id", "units", "unit_price", "company_id"}

    def _billing_frozen_records(self):
        return self.filtered(lambda session: session.state == "finalized")

    def _billing_frozen_error(self, records, fields):
        return self.env._(
            "A finalized session cannot change its client, date, service, units or rate: "
            "its charge or claim was built from them."
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_finalized(self):
        if any(session.state == "finalized" for session in self):
            raise UserError(self.env._("A finalized session cannot be deleted."))

    def action_finalize(self):
        """Finalize draft sessions and route each by its client's bill-to mode:
        private pay becomes an unbilled charge, insurance and hybrid a claim.
        Finalizing twice does nothing more."""
        self._billing_lock()
        to_route = self.filtered(lambda s: s.state == "draft")
        private = to_route.filtered(lambda s: s.client_id.bill_to_mode == "client")
        # Who pays what (the guardians' shares) is settled, or refused, before anything changes.
        Charge = self.env["practice.charge"]
        charge_vals = Charge._billing_route_vals([session._prepare_charge_vals() for session in private])
        to_route.write({"state": "finalized"})
        Charge.create(charge_vals)
        claims = self.env["practice.claim"].create([session._prepare_claim_vals() for session in to_route - private])
        for session in to_route:
            session.message_post(body=self.env._("Session finalized."))
        return claims

    def _prepare_charge_vals(self):
        self.ensure_one()
        return {
            "client_id": self.client_id.id,
            "session_id": self.id,
            "date": self.date,
            "product_id": self.product_id.id,
            "units": self.units,
            "unit_price": self.unit_price,
        }

    def _prepare_claim_vals(self):
        self.ensure_one()
        return {
            "client_id": self.client_id.id,
            "payer_id": self.client_id.payer_id.id,
            "session_ids": [fields.Command.link(self.id)],
        }
