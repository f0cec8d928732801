from odoo import api, fields, models
from odoo.exceptions import ValidationError


class PracticeEstimateLine(models.Model):
    """One expected service of a Good Faith Estimate: the practice's service
    (its CPT/HCPCS code in ``default_code``) at the rate the client is
    charged, times the expected number of sessions. The first line is the
    primary service."""

    _name = "practice.estimate.line"
    _description = "Good Faith Estimate Line"
    _inherit = ["parent_billing.rated.mixin"]
    _order = "estimate_id, sequence, id"

    estimate_id = fields.Many2one("practice.estimate", required=True, index=True, ondelete="cascade")
    sequence = fields.Integer(default=10)
    product_id = fields.Many2one("product.product", string="Service", required=True, domain=[("type", "=", "service")])
    service_code = fields.Char(related="product_id.default_code", string="Code")
    units = fields.Float(default=1.0, required=True, digits="Product Unit of Measure", help="Units per session.")
    unit_price = fields.Monetary(
        string="Rate", compute="_compute_unit_price", store=True, readonly=False, precompute=True
    )
    quantity = fields.Integer(string="Expected Sessions", default=1, required=True)
    amount = fields.Monetary(string="Expected Charge", compute="_compute_amount", store=True)
    currency_id = fields.Many2one(related="estimate_id.currency_id")

    @api.depends("units", "unit_price", "quantity")
    def _compute_amount(self):
        for line in self:
            line.amount = line._billing_rated_amount(line.quantity)

    @api.constrains("units", "unit_price", "quantity")
    def _check_amounts(self):
        # replaces the rated mixin's check: one sentence for the units, the expected sessions and the rate
        for line in self:
            if line.units <= 0 or line.quantity <= 0 or line.unit_price < 0:
                raise ValidationError(
                    self.env._(
                        "An estimate line needs units and expected sessions above zero and a rate of zero or more."
                    )
                )

    def _check_estimate_draft(self):
        if self.estimate_id.filtered(lambda e: e.state != "draft"):
            raise ValidationError(self.env._("The services of an issued estimate cannot change: revise it."))

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        lines._check_estimate_draft()
        return lines

    def write(self, vals):
        self._check_estimate_draft()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_issued(self):
        self._check_estimate_draft()
