"""Input bounds (issue 20): NaN, infinity and amounts no practice bills get
a clear error naming what is wrong, never a raw Python error."""

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import BillingCommon

NAN, INF = float("nan"), float("inf")


@tagged("post_install", "-at_install")
class TestInputBounds(BillingCommon):
    def _session(self, **vals):
        return self.env["practice.session"].create(
            {"client_id": self.client_sofia.id, "product_id": self.service_aba.id, "units": 1.0, **vals}
        )

    def test_session_units_and_rate(self):
        for vals, match in (
            ({"units": NAN}, "Session units must be a number"),
            ({"units": INF}, "Session units must be a number"),
            ({"unit_price": NAN}, "A session rate must be an amount"),
            ({"unit_price": -INF}, "A session rate must be an amount"),
            ({"units": 10**12, "unit_price": 10**12}, "at most 1000 units"),
            ({"units": 1001}, "at most 1000 units"),
            ({"unit_price": 100000.01}, "rate is at most 100000"),
        ):
            with self.subTest(vals=vals), self.assertRaisesRegex(ValidationError, match):
                self._session(**vals)
        session = self._session(units=1000, unit_price=100000)
        self.assertEqual(session.amount, 100_000_000.0)
        with self.assertRaisesRegex(ValidationError, "must be a number"):
            session.write({"units": NAN})  # what the web client and RPC send

    def test_session_form_refuses_infinity(self):
        form = Form(self.env["practice.session"])
        form.client_id = self.client_sofia
        form.product_id = self.service_aba
        form.units = 1.0
        # The rate's onchange (the amount) already refuses it, before any rounding.
        with self.assertRaisesRegex(ValidationError, "A session rate must be an amount"):
            form.unit_price = INF
        self.assertFalse(self.env["practice.session"].search([("client_id", "=", self.client_sofia.id)]))

    def test_session_dates(self):
        today = fields.Date.today()
        for day in (
            "1900-01-01",
            "9999-12-31",
            today - relativedelta(years=2, days=1),
            today + relativedelta(months=13, days=1),
        ):
            with self.subTest(day=day), self.assertRaisesRegex(ValidationError, "A session is dated from"):
                self._session(date=day)
        old = self._session(date=today - relativedelta(years=2))
        old.action_finalize()
        self.assertEqual(old.state, "finalized")
        # A draft may be scheduled ahead; it is finalized once it took place.
        ahead = self._session(date=today + relativedelta(months=13))
        with self.assertRaisesRegex(UserError, "is in the future"):
            ahead.action_finalize()
        self.assertEqual(ahead.state, "draft")
        self.assertFalse(ahead.charge_ids)

    def test_write_in_bounds(self):
        move = self._draft_invoice()
        for units, rate, match in (
            (NAN, 5.0, "units of a write-in line must be a number"),
            (INF, 5.0, "units of a write-in line must be a number"),
            (1.0, NAN, "rate of a write-in line must be an amount"),
            (1.0, INF, "rate of a write-in line must be an amount"),
            (1001, 5.0, "at most 1000 units"),
            (1.0, 100000.01, "rate of a write-in line is at most 100000"),
        ):
            wizard = Form(
                self.env["account.move.billing.write.in"]
                .with_user(self.billing_user)
                .with_context(default_move_id=move.id)
            )
            wizard.name = "Materials fee"
            wizard.units = units
            wizard.rate = rate
            with self.subTest(units=units, rate=rate), self.assertRaisesRegex(UserError, match):
                wizard.save().action_add()
        self.assertEqual(move.amount_total, 130.0)

    def test_refund_credit_refuses_nan_and_infinity(self):
        move = self._sent_invoice(count=1, units=2.0)
        move._billing_register_payment(100.0, fields.Date.today(), "check", "CHK-1", keep_excess=True)
        for amount in (NAN, INF):
            wizard = Form(
                self.env["res.partner.billing.refund.credit"].with_context(
                    active_model="res.partner", active_id=self.parent_rivera.id
                )
            )
            wizard.amount = amount
            wizard.reason = "Moving away"
            with self.subTest(amount=amount), self.assertRaisesRegex(UserError, "must be a number above zero"):
                wizard.save().action_refund()
        self.assertEqual(self._receivable_balance(self.parent_rivera), -35.0)
