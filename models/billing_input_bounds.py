"""Input bounds (issue 20): clear errors for amounts no practice bills.

A session or a write-in line carries at most ``MAX_UNITS`` units at a rate of
at most ``MAX_RATE``; neither may be NaN or infinity. A session is dated from
two years back to 13 months ahead: a draft may be scheduled ahead, but only a
session that took place (dated today or before) is finalized.
"""

import math

from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

from .base import billing_number

MAX_UNITS = 1000
MAX_RATE = 100000
SESSION_YEARS_BACK = 2
SESSION_MONTHS_AHEAD = 13


def billing_non_finite(vals, field_names):
    """The first of ``field_names`` whose raw value in ``vals`` is not a
    finite number (NaN, infinity, not a number), or None. Checked before Odoo
    rounds the value, which fails on them with a raw Python error."""
    for name in field_names:
        value = vals.get(name)
        if value is not None and value is not False and not math.isfinite(billing_number(value)):
            return name
    return None


class ParentBillingFiniteMixin(models.AbstractModel):
    """Numbers Odoo rounds (units, rates, amounts): NaN or infinity is a clear
    error naming the field, on create, write and onchange, before Odoo rounds
    it (which fails with a raw Python error). Each model says its fields and
    sentences in ``_billing_check_finite``."""

    _name = "parent_billing.finite.mixin"
    _description = "Billing: Finite Numbers"

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._billing_check_finite(vals)
        return super().create(vals_list)

    def write(self, vals):
        self._billing_check_finite(vals)
        return super().write(vals)

    def onchange(self, values, field_names, fields_spec):
        self._billing_check_finite(values)
        return super().onchange(values, field_names, fields_spec)

    @api.model
    def _billing_check_finite(self, vals):
        """Raise a clear error when a number in ``vals`` is NaN or infinity."""


class PracticeSession(models.Model):
    _name = "practice.session"
    _inherit = ["practice.session", "parent_billing.finite.mixin"]

    @api.model
    def _billing_check_finite(self, vals):
        """NaN and infinity never reach the computed amount (a raw Python error)."""
        bad = billing_non_finite(vals, ("units", "unit_price"))
        if bad == "units":
            raise ValidationError(self.env._("Session units must be a number (got %(value)s).", value=vals[bad]))
        if bad == "unit_price":
            raise ValidationError(self.env._("A session rate must be an amount (got %(value)s).", value=vals[bad]))

    @api.constrains("units", "unit_price")
    def _check_billing_bounds(self):
        for session in self:
            if session.units > MAX_UNITS:
                raise ValidationError(
                    self.env._(
                        "A session has at most %(max)s units (got %(units)s).", max=MAX_UNITS, units=session.units
                    )
                )
            if session.unit_price > MAX_RATE:
                raise ValidationError(
                    self.env._(
                        "A session rate is at most %(max)s (got %(rate)s).", max=MAX_RATE, rate=session.unit_price
                    )
                )

    @api.constrains("date")
    def _check_billing_date(self):
        today = fields.Date.context_today(self)
        earliest = today - relativedelta(years=SESSION_YEARS_BACK)
        latest = today + relativedelta(months=SESSION_MONTHS_AHEAD)
        bounds = {"earliest": earliest, "latest": latest}
        for session in self:
            if session.date and not earliest <= session.date <= latest:
                raise ValidationError(
                    self.env._(
                        "A session is dated from %(earliest)s to %(latest)s (got %(date)s).",
                        date=session.date,
                        **bounds,
                    )
                )

    def action_finalize(self):
        today = fields.Date.context_today(self)
        future = self.filtered(lambda s: s.state == "draft" and s.date and s.date > today)
        if future:
            raise UserError(
                self.env._(
                    "The session of %(client)s on %(date)s is in the future: it can be finalized once it took place.",
                    client=future[0].client_id.name,
                    date=future[0].date,
                )
            )
        return super().action_finalize()


class AccountMove(models.Model):
    _inherit = "account.move"

    def _billing_add_write_in(self, name, units, rate):
        units_value, rate_value = billing_number(units), billing_number(rate)
        if math.isfinite(units_value) and units_value > MAX_UNITS:
            raise UserError(
                self.env._("A write-in line has at most %(max)s units (got %(units)s).", max=MAX_UNITS, units=units)
            )
        if math.isfinite(rate_value) and rate_value > MAX_RATE:
            raise UserError(
                self.env._("The rate of a write-in line is at most %(max)s (got %(rate)s).", max=MAX_RATE, rate=rate)
            )
        return super()._billing_add_write_in(name, units_value, rate_value)
