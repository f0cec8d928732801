from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import DUE, BillingCommon

BUCKETS = ["amount_not_due", "amount_0_30", "amount_31_60", "amount_61_90", "amount_90_plus"]


@tagged("post_install", "-at_install")
class TestArAging(BillingCommon):
    def _report(self, as_of, domain=()):
        # rows are keyed by invoice: drop what an earlier "as of" put in the cache
        self.env["practice.ar.aging"].invalidate_model()
        return (
            self.env["practice.ar.aging"]
            .with_context(billing_as_of=as_of)
            .search([("company_id", "=", self.company.id), *domain])
        )

    def test_bucket_boundaries_land_where_the_labels_say(self):
        move = self._invoice_due()
        expected = {
            -1: ("not_due", "amount_not_due"),
            0: ("0_30", "amount_0_30"),  # the due date itself is 0 days past due
            30: ("0_30", "amount_0_30"),
            31: ("31_60", "amount_31_60"),
            60: ("31_60", "amount_31_60"),
            61: ("61_90", "amount_61_90"),
            90: ("61_90", "amount_61_90"),
            91: ("90_plus", "amount_90_plus"),
        }
        for days, (bucket, column) in expected.items():
            with self.subTest(days_past_due=days):
                row = self._report(DUE + timedelta(days=days), [("move_id", "=", move.id)])
                self.assertEqual(len(row), 1)
                self.assertEqual(row.days_past_due, days)
                self.assertEqual(row.aging_bucket, bucket)
                self.assertEqual(row.amount_residual, 130.0)
                amounts = {name: row[name] for name in BUCKETS}
                self.assertEqual(amounts, {name: 130.0 if name == column else 0.0 for name in BUCKETS})

    def test_not_in_the_report_before_its_date_or_once_settled(self):
        move = self._invoice_due()
        self.assertFalse(self._report(move.invoice_date - timedelta(days=1)), "not posted yet as of then")
        move._billing_register_payment(130.0, DUE + timedelta(days=5), "check", "9")
        self.assertEqual(self._report(DUE + timedelta(days=4)).move_id, move, "still open the day before payment")
        self.assertFalse(self._report(DUE + timedelta(days=5)), "paid as of the payment date")

    def test_totals_per_parent_and_client_equal_the_partner_ledger(self):
        self.company.write(
            {"billing_late_fee_type": "flat", "billing_late_fee_amount": 25.0, "billing_late_fee_days": 10}
        )
        # Rivera: Sofia's invoice partly paid with a late fee; a second one overpaid (credit kept).
        sofia_1 = self._invoice_due(DUE - timedelta(days=45))
        sofia_2 = self._invoice_due(DUE)
        # Chen: Lily's invoice with a waived late fee, one still to come, one voided.
        lily_1 = self._invoice_due(DUE - timedelta(days=70), client=self.client_lily)
        lily_2 = self._invoice_due(DUE + timedelta(days=20), client=self.client_lily)
        lily_void = self._invoice_due(DUE - timedelta(days=70), client=self.client_lily)
        with freeze_time(DUE):
            sofia_1._billing_register_payment(30.0, DUE - timedelta(days=40), "check", "501")
            sofia_2._billing_register_payment(150.0, DUE - timedelta(days=2), "ach", "A-2", keep_excess=True)
            lily_void._billing_void("wrong client")
            self.env["account.move"]._cron_billing_overdue()
            lily_1._billing_waive_late_fee("first time")
        self.env.invalidate_all()
        self.assertEqual(len(sofia_1.billing_late_fee_ids), 1)
        self.assertEqual(len(lily_1.billing_late_fee_ids), 1)

        as_of = DUE + timedelta(days=1)
        rows = self._report(as_of)
        self.assertEqual(
            {row.move_id: row.amount_residual for row in rows},
            {sofia_1: 125.0, sofia_2: -20.0, lily_1: 130.0, lily_2: 130.0},
        )
        self.assertRecordValues(
            rows.filtered(lambda r: r.move_id == sofia_1),
            [{"partner_id": self.parent_rivera.id, "client_id": self.client_sofia.id, "amount_61_90": 0.0}],
        )
        self.assertEqual(rows.filtered(lambda r: r.move_id == sofia_1).amount_31_60, 125.0)
        self.assertEqual(rows.filtered(lambda r: r.move_id == lily_1).amount_61_90, 130.0)
        self.assertEqual(rows.filtered(lambda r: r.move_id == lily_2).amount_not_due, 130.0)

        Report = self.env["practice.ar.aging"].with_context(billing_as_of=as_of)
        domain = [("company_id", "=", self.company.id)]
        per_parent = {}
        for partner, residual, *buckets in Report._read_group(
            domain, ["partner_id"], ["amount_residual:sum", *(f"{b}:sum" for b in BUCKETS)]
        ):
            self.assertAlmostEqual(residual, sum(buckets), places=2, msg="the buckets add up to the balance")
            per_parent[partner] = residual
        self.assertEqual(per_parent, {self.parent_rivera: 105.0, self.parent_chen: 260.0})
        for partner, residual in per_parent.items():
            self.assertEqual(residual, self._receivable_balance(partner), partner.name)
        per_client = dict(Report._read_group(domain, ["client_id"], ["amount_residual:sum"]))
        self.assertEqual(per_client, {self.client_sofia: 105.0, self.client_lily: 260.0})

        # As of an earlier date: the ledger of that date, to the cent.
        for day in (DUE - timedelta(days=41), DUE - timedelta(days=40), DUE - timedelta(days=3)):
            with self.subTest(as_of=day):
                rows = self._report(day)
                for partner in self.parent_rivera | self.parent_chen:
                    mine = rows.filtered(lambda r, p=partner: r.partner_id == p)
                    total = self.currency.round(sum(mine.mapped("amount_residual")))
                    self.assertEqual(total, self._receivable_balance(partner, day), partner.name)

    def test_as_of_wizard_opens_the_report_at_that_date(self):
        move = self._invoice_due()
        wizard = self.env["practice.ar.aging.as.of"].create({"date": DUE + timedelta(days=45)})
        self.assertEqual(wizard.company_ids, self.env.companies)
        action = wizard.action_open_report()
        self.assertEqual(action["res_model"], "practice.ar.aging")
        self.assertEqual(action["context"]["billing_as_of"], "2026-04-16")
        rows = self.env["practice.ar.aging"].with_context(**action["context"]).search(action["domain"])
        self.assertEqual(rows.move_id, move)
        self.assertEqual(rows.aging_bucket, "31_60")

    def test_billing_user_reads_the_report_with_its_views(self):
        move = self._invoice_due()
        Report = self.env["practice.ar.aging"].with_user(self.billing_user).with_context(billing_as_of=DUE)
        self.assertEqual(Report.search([]).move_id, move)
        for view_type in ("list", "pivot", "graph", "search"):
            self.assertTrue(Report.get_view(view_type=view_type)["arch"])
