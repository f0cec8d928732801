from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError


class PracticeClaim(models.Model):
    _name = "practice.claim"
    _description = "Insurance Claim"
    _inherit = ["mail.thread"]
    _order = "id desc"

    name = fields.Char(compute="_compute_name", store=True)
    client_id = fields.Many2one("practice.client", required=True, index=True)
    payer_id = fields.Many2one("res.partner", tracking=True)
    session_ids = fields.One2many("practice.session", "claim_id", string="Sessions")
    state = fields.Selection(
        [("draft", "Draft"), ("submitted", "Submitted"), ("posted", "Posted"), ("denied", "Denied")],
        default="draft",
        required=True,
        tracking=True,
    )
    amount_billed = fields.Monetary(compute="_compute_amount_billed", store=True)
    patient_responsibility = fields.Monetary(
        tracking=True,
        help="What the payer's remittance leaves for the family; posted as an unbilled charge.",
    )
    company_id = fields.Many2one(related="client_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    charge_ids = fields.One2many("practice.charge", "claim_id", string="Charges")

    @api.depends("client_id.name")
    def _compute_name(self):
        for claim in self:
            claim.name = self.env._("Claim %(id)s", id=claim.id or "")

    @api.depends("session_ids.amount")
    def _compute_amount_billed(self):
        for claim in self:
            claim.amount_billed = sum(claim.session_ids.mapped("amount"))

    @api.constrains("patient_responsibility")
    def _check_patient_responsibility(self):
        for claim in self:
            if claim.patient_responsibility < 0:
                raise ValidationError(self.env._("Patient responsibility cannot be negative."))

    def write(self, vals):
        if "patient_responsibility" in vals and any(claim.state == "posted" for claim in self):
            raise UserError(self.env._("A posted claim's patient responsibility is already in the unbilled queue."))
        return super().write(vals)

    def action_submit(self):
        self.filtered(lambda c: c.state == "draft").state = "submitted"

    def action_deny(self):
        if any(claim.state == "posted" for claim in self):
            raise UserError(self.env._("A posted claim cannot be denied."))
        self.state = "denied"

    def action_post(self):
        """Post the payer's answer; patient responsibility above zero becomes
        exactly one unbilled charge (one per guardian, each their share, for a
        client with guardians). Posting twice does nothing more."""
        self._billing_lock()
        to_post = self.filtered(lambda c: c.state in ("draft", "submitted"))
        if denied := self.filtered(lambda c: c.state == "denied"):
            raise UserError(self.env._("Claim %s was denied and cannot be posted.", denied[0].name))
        owed = to_post.filtered(lambda c: c.currency_id.compare_amounts(c.patient_responsibility, 0) > 0)
        # Who pays what (the guardians' shares) is settled, or refused, before anything changes.
        Charge = self.env["practice.charge"]
        charge_vals = Charge._billing_route_vals([claim._prepare_charge_vals() for claim in owed])
        to_post.write({"state": "posted"})
        Charge.create(charge_vals)
        return True

    def _prepare_charge_vals(self):
        self.ensure_one()
        session = self.session_ids[:1]
        return {
            "client_id": self.client_id.id,
            "claim_id": self.id,
            "session_id": session.id,
            "date": session.date or fields.Date.context_today(self),
            "product_id": session.product_id.id,
            "name": self.env._("Patient responsibility"),
            "units": 1.0,
            "unit_price": self.patient_responsibility,
        }
