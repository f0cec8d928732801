from odoo import api, models
from odoo.exceptions import ValidationError


class ParentBillingRatedMixin(models.AbstractModel):
    """Units of a service at a rate: a session, a family charge, a Good Faith
    Estimate line (each declares ``product_id``, ``units``, ``unit_price``,
    ``amount`` and ``currency_id``):

    - ``_compute_unit_price()``: a computed rate starts at the service's list
      price (the rate a session of it is charged at);
    - ``_billing_rated_amount()``: units times rate, rounded in the record's
      currency;
    - ``_check_amounts()``: units above zero and a rate of zero or more, each
      model wording its refusals in ``_billing_rated_errors()`` (an estimate
      line replaces the check: one sentence that covers its expected sessions
      too).
    """

    _name = "parent_billing.rated.mixin"
    _description = "Billing: Units at a Rate"

    @api.depends("product_id")
    def _compute_unit_price(self):
        for record in self:
            record.unit_price = record.product_id.lst_price

    def _billing_rated_amount(self, times=1):
        """Units times rate (times ``times``), rounded in the record's currency."""
        self.ensure_one()
        # A new record has no client yet, hence no company currency: round in the user's company's.
        currency = self.currency_id or self.env.company.currency_id
        return currency.round(self.units * self.unit_price * times)

    @api.constrains("units", "unit_price")
    def _check_amounts(self):
        for record in self.filtered(lambda r: r.units <= 0 or r.unit_price < 0):
            units_error, rate_error = record._billing_rated_errors()
            raise ValidationError(units_error if record.units <= 0 else rate_error)

    def _billing_rated_errors(self):
        """The sentences refusing this record's units (zero or less) and its
        rate (negative), in that order."""
        raise NotImplementedError
