"""Billing AR reads the family invoice off each receivable item
(``account.move.line.billing_family_move_id``, issue 25): every path that
makes a receivable item of a family document sets it, every payment covers
one family invoice, and the upgrade fills it on existing databases. After
each scenario the ledger, the invoices and Billing AR agree to the cent."""

import importlib.util
from datetime import timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import DUE, BillingCommon

MIGRATION = Path(__file__).parents[1] / "migrations" / "18.0.1.1.0" / "post-migrate.py"


@tagged("post_install", "-at_install")
class TestArFamilyLink(BillingCommon):
    def _receivable(self, moves):
        return moves.line_ids.filtered(lambda line: line.account_id.account_type == "asset_receivable")

    def assertLinked(self, family, moves):
        """The receivable items of ``moves`` carry ``family``; their other lines nothing."""
        self.env.invalidate_all()
        receivable = self._receivable(moves)
        self.assertTrue(receivable, "the documents have receivable items")
        self.assertEqual(receivable.billing_family_move_id, family)
        self.assertFalse((moves.line_ids - receivable).billing_family_move_id)

    def _late_fee(self, move):
        self.company.write(
            {"billing_late_fee_type": "flat", "billing_late_fee_amount": 25.0, "billing_late_fee_days": 10}
        )
        with freeze_time(move.invoice_date_due + timedelta(days=11)):
            self.env["account.move"]._cron_billing_overdue()
        fee = move.billing_late_fee_ids
        self.assertEqual(len(fee), 1)
        return fee

    def _land(self, tx):
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"}
        )
        tx._post_process()

    def _per_invoice(self):
        self.env["practice.ar.aging"].invalidate_model()
        rows = self.env["practice.ar.aging"].search([("partner_id", "=", self.parent_rivera.id)])
        return {row.move_id: row.amount_residual for row in rows}

    def test_invoice_and_its_late_fee(self):
        move = self._invoice_due()
        self.assertLinked(move, move)
        with self.assertRaisesRegex(UserError, "has been sent"):
            self._receivable(move).write({"billing_family_move_id": False})
        fee = self._late_fee(move)
        self.assertLinked(move, fee)
        self.assertEqual(self._per_invoice(), {move: 155.0})
        self.assertAccountMoney(self.parent_rivera, 155.0)
        # a plain Odoo invoice carries none
        plain = self.init_invoice("out_invoice", partner=self.partner_a, amounts=[100.0], post=True)
        self.assertFalse(plain.line_ids.billing_family_move_id)

    def test_void_and_waived_fee(self):
        move = self._invoice_due()
        fee = self._late_fee(move)
        move._billing_waive_late_fee("first time")
        self.assertLinked(move, fee.reversal_move_ids)
        move._billing_void("duplicate")
        self.assertLinked(move, move.reversal_move_ids)
        self.assertEqual(self._per_invoice(), {})
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_refund_with_credit_note(self):
        move = self._invoice_due()
        move._billing_register_payment(130.0, DUE - timedelta(days=5), "check", "77")
        refund = move._billing_refund(50.0, "overcharged", credit_invoice=True)
        self.assertEqual(refund.billing_move_id, move)
        self.assertLinked(move, refund.move_id)
        self.assertLinked(move, move.reversal_move_ids)
        self.assertLinked(move, move.billing_payment_ids.move_id)
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_staff_payment_on_two_invoices_is_two_payments(self):
        first = self._invoice_due(DUE - timedelta(days=10))
        second = self._invoice_due(DUE)
        journal = self.company._billing_journal("check")
        with self.env["account.move"]._billing_transition():
            wizard = (
                self.env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=(first + second).ids)
                .create(
                    {
                        "amount": 200.0,
                        "journal_id": journal.id,
                        "payment_date": DUE,
                        "group_payment": True,
                        "payment_difference_handling": "open",
                    }
                )
            )
            payments = wizard._create_payments()
        self.assertEqual(len(payments), 2)
        self.assertRecordValues(
            payments.sorted("amount"),
            [{"amount": 70.0, "billing_move_id": second.id}, {"amount": 130.0, "billing_move_id": first.id}],
        )
        for payment in payments:
            self.assertLinked(payment.billing_move_id, payment.move_id)
        self.assertEqual(first.billing_amount_due, 0.0)
        self.assertEqual(second.billing_amount_due, 60.0)
        self.assertEqual(self._per_invoice(), {second: 60.0})
        self.assertAccountMoney(self.parent_rivera, 60.0)

    def test_staff_payment_and_kept_credit(self):
        move = self._invoice_due()
        payment = move._billing_register_payment(150.0, DUE, "check", "501", keep_excess=True)
        self.assertLinked(move, payment.move_id)
        self.assertEqual(self._per_invoice(), {move: -20.0})
        self.assertAccountMoney(self.parent_rivera, -20.0, invoices_due=0.0)

    def test_processor_payment(self):
        provider = self._enable_demo_provider()
        move = self._sent_invoice(count=1)
        tx = self._demo_transaction(provider, move, 65.0)
        self._land(tx)
        self.assertEqual(tx.payment_id.billing_move_id, move)
        self.assertLinked(move, tx.payment_id.move_id)
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_pay_all_is_split_per_invoice(self):
        provider = self._enable_demo_provider()
        first = self._invoice_due(DUE - timedelta(days=10))
        fee = self._late_fee(first)
        second = self._invoice_due(DUE)
        invoices = self.parent_rivera._billing_pay_all_invoices()
        self.assertEqual(invoices, first + second)
        tx = self._demo_transaction(provider, invoices + fee, 200.0)
        self._land(tx)
        payments = first.billing_payment_ids + second.billing_payment_ids
        self.assertEqual(len(payments), 2)
        self.assertEqual(payments.payment_transaction_id, tx)
        for payment in payments:
            self.assertLinked(payment.billing_move_id, payment.move_id)
        self.assertLinked(first, fee)
        self.assertEqual(self._per_invoice(), {second: 85.0})
        self.assertAccountMoney(self.parent_rivera, 85.0)

    def test_credit_applied_stays_with_the_invoice_it_came_from(self):
        first = self._sent_invoice(count=1)  # 65.00
        overpayment = first._billing_register_payment(100.0, fields.Date.today(), "check", "9", keep_excess=True)
        second = self._sent_invoice(count=1)  # 35.00 of credit applied on Send
        self.assertEqual(second.billing_amount_credit_applied, 35.0)
        self.assertLinked(first, overpayment.move_id)
        self.assertLinked(second, second)
        self.assertEqual(self._per_invoice(), {second: 30.0})
        self.assertAccountMoney(self.parent_rivera, 30.0)

    def test_upgrade_fills_the_link_on_existing_items(self):
        first = self._invoice_due(DUE - timedelta(days=40))
        fee = self._late_fee(first)
        first._billing_register_payment(60.0, DUE - timedelta(days=20), "check", "1")
        second = self._invoice_due(DUE)
        second._billing_void("duplicate")
        third = self._invoice_due(DUE, client=self.client_lily)
        third._billing_register_payment(200.0, DUE, "ach", "A-1", keep_excess=True)
        self.env.flush_all()
        links = {line: line.billing_family_move_id for line in self.env["account.move.line"].search([])}
        self.assertEqual(
            {move for move in links.values() if move}, {first, second, third}, "fee, void, payments carry theirs"
        )
        self.assertTrue(self._receivable(fee).billing_family_move_id)
        as_of = DUE - timedelta(days=25)
        figures = {
            partner: (self._billing_ar(partner), self._billing_ar(partner, as_of))
            for partner in self.parent_rivera | self.parent_chen
        }
        self.env.cr.execute("UPDATE account_move_line SET billing_family_move_id = NULL")
        self.env.invalidate_all()
        self.assertEqual(self._billing_ar(self.parent_rivera), 0.0, "nothing without the link")

        spec = importlib.util.spec_from_file_location("parent_billing_post_migrate_18_0_1_1_0", MIGRATION)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.migrate(self.env.cr, "18.0.1.0.0")

        self.env.invalidate_all()
        self.assertEqual({line: line.billing_family_move_id for line in links}, links)
        for partner, (today, then) in figures.items():
            self.assertEqual(self._billing_ar(partner), today, partner.name)
            self.assertEqual(self._billing_ar(partner, as_of), then, partner.name)
            self.assertEqual(today, self._receivable_balance(partner), partner.name)
            self.assertEqual(then, self._receivable_balance(partner, as_of), partner.name)
