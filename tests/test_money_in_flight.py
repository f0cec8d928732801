"""Money in flight (issue 20): an invoice has at most one live charge.
Autopay, Pay now, Record Payment and Void meet on one invoice and the parent
is charged once; after every scenario the parent's ledger, the invoice
balances and Billing AR agree to the cent, and the number of successful
charges per invoice is what the parent meant to pay."""

from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2 import errors

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged
from odoo.tests.common import JsonRpcException
from odoo.tools import mute_logger

from . import test_autopay, test_statements
from .common import RealConnectionsCase, pay_now_transaction, skip_unless_installed
from .test_autopay import AutopayCommon
from .test_statements import DATE_TO, MADE_ON, StatementCommon


class InFlightCommon(AutopayCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service_consult = cls._billing_service("Consultation", "90791", 80.0)

    def _invoice(self, price_units=1.0):
        return self._sent_invoice(service=self.service_consult, count=1, units=price_units)

    def _pay_now(self, move, amount=None):
        """What Pay now does: a demo transaction on the invoice."""
        return pay_now_transaction(self.env, self.provider, move, amount)

    def _pending_autopay_charge(self):
        """An 80.00 invoice of Maria's, due 2026-05-01, enrolled in autopay
        with a card whose charges stay pending; the run of 2026-05-01 started
        its charge. Returns the invoice and the charge."""
        token = self._token(self.parent_rivera, state="pending")
        with freeze_time("2026-04-01"):
            self._enroll(token)
            move = self._invoice()
        with freeze_time("2026-05-01"):
            self._run()
        return move, move.billing_autopay_transaction_ids

    def _processor_says(self, tx, state="done"):
        """The processor's notification, without Odoo's post-processing."""
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": state}
        )

    def _done_charges(self, move):
        return self.env["payment.transaction"].sudo().search([("invoice_ids", "in", move.ids), ("state", "=", "done")])

    def _wizard(self, move, action, user):
        action = getattr(move.with_user(user), action)()
        return Form(self.env[action["res_model"]].with_user(user).with_context(**action["context"]))


@tagged("post_install", "-at_install")
class TestMoneyInFlight(InFlightCommon):
    def test_pay_now_done_not_post_processed_blocks_autopay(self):
        token = self._token(self.parent_rivera)
        with freeze_time("2026-04-01"):
            self._enroll(token)
            move = self._invoice()  # 80.00, due 2026-05-01
        with freeze_time("2026-05-01 08:00:00"):
            tx = self._pay_now(move)
            self._processor_says(tx)
            self.assertRecordValues(tx, [{"state": "done", "is_post_processed": False}])
            self.assertEqual(move._billing_live_transactions(), tx)
            self.assertFalse(move.billing_autopay_next_date)
            self._run()
            self.assertFalse(move.billing_autopay_transaction_ids, "no second charge while the first is in flight")
            tx._post_process()
            self._run()
        self.assertFalse(move.billing_autopay_transaction_ids)
        self.assertEqual(self._done_charges(move), tx, "the $80 invoice was charged once")
        self._assert_books(0.0, [(move, 0.0, 80.0, 0.0, "paid")])

    def test_pending_autopay_refuses_record_payment_and_paid_invoice_refuses_pay_now(self):
        move, charge = self._pending_autopay_charge()
        with freeze_time("2026-05-01"):
            self.assertEqual(charge.state, "pending")
            wizard = self._wizard(move, "action_billing_record_payment", self.billing_user)
            wizard.method = "check"
            wizard.reference = "CHK-77"
            with self.assertRaisesRegex(UserError, charge.reference):
                wizard.save().action_record()
            self.assertFalse(move.billing_payment_ids)
            self.assertFalse(move._has_to_be_paid(), "no Pay now while the charge is pending")
            with self.assertRaisesRegex(UserError, "already being processed"):
                self._pay_now(move)
            self._assert_books(80.0, [(move, 0.0, 0.0, 80.0, "sent")])
            # The charge confirms: paid once; Pay now is neither offered nor accepted.
            self._processor_says(charge)
            charge._post_process()
            self.assertFalse(move._has_to_be_paid())
            with self.assertRaisesRegex(UserError, "has nothing to pay"):
                self._pay_now(move, amount=80.0)
        self.assertEqual(self._done_charges(move), charge)
        self._assert_books(0.0, [(move, 0.0, 80.0, 0.0, "paid")])
        self.assertFalse(move.billing_needs_review)

    def test_void_refused_while_autopay_pending_then_release_and_void(self):
        move, charge = self._pending_autopay_charge()
        with freeze_time("2026-05-01"):
            wizard = self._wizard(move, "action_billing_open_void", self.billing_manager)
            wizard.reason = "Billed the wrong family"
            with self.assertRaisesRegex(UserError, f"cannot be voided while its payment {charge.reference}"):
                wizard.save().action_void()
            self.assertEqual(move.billing_state, "sent")
            # Only a manager releases a charge in flight, with a reason.
            self.assertManagerWithReason(move, "_billing_release_transaction", "Processor never answered")
            self.assertEqual(charge.state, "cancel")
            self.assertIn("Processor never answered", self._notes(move))
            self.assertFalse(self._declined_emails(move), "a release is not a declined card")
            self.assertFalse(move._billing_live_transactions())
            wizard = self._wizard(move, "action_billing_open_void", self.billing_manager)
            wizard.reason = "Billed the wrong family"
            wizard.save().action_void()
        self.assertFalse(self._done_charges(move))
        self._assert_books(0.0, [(move, 0.0, 0.0, 0.0, "voided")])

    def test_manager_releases_a_stuck_charge_from_the_invoice_form(self):
        move, charge = self._pending_autopay_charge()
        with freeze_time("2026-05-01"):
            self.assertTrue(move.billing_has_live_transaction)
            form_view = self.env.ref("account.view_move_form")
            for user, shown in ((self.billing_manager, True), (self.billing_user, False)):
                arch = self.env["account.move"].with_user(user).get_view(form_view.id)["arch"]
                self.assertEqual("action_billing_open_release" in arch, shown, user.name)
            with self.assertRaises(AccessError):
                self._wizard(move, "action_billing_open_release", self.billing_user).save()
            wizard = self._wizard(move, "action_billing_open_release", self.billing_manager)
            wizard.reason = "Processor never answered"
            wizard.save().action_release()
            self.assertEqual(charge.state, "cancel")
            self.assertIn("Processor never answered", self._notes(move))
            move.invalidate_recordset(["billing_has_live_transaction"])
            self.assertFalse(move.billing_has_live_transaction)
            # Nothing left to release: the dialog says so.
            wizard = self._wizard(move, "action_billing_open_release", self.billing_manager)
            wizard.reason = "Again"
            with self.assertRaisesRegex(UserError, "has no payment in progress"):
                wizard.save().action_release()
        self.assertFalse(self._done_charges(move))
        self._assert_books(80.0, [(move, 0.0, 0.0, 80.0, "sent")])

    def test_abandoned_draft_stops_blocking_after_thirty_minutes(self):
        move = self._invoice()
        tx = self._pay_now(move)
        self.assertEqual(move._billing_live_transactions(), tx)
        self.assertTrue(move.billing_has_live_transaction)
        with freeze_time(fields.Datetime.now() + timedelta(minutes=31)):
            move.invalidate_recordset(["billing_has_live_transaction"])
            self.assertFalse(move._billing_live_transactions())
            self._pay_now(move)  # the parent tries again

    def test_pay_now_amount_bounds(self):
        move = self._sent_invoice(count=1, units=2.0)  # 65.00
        move._billing_create_late_fee(40.0, "Late fee")  # balance shown: 105.00
        self.assertEqual(move.billing_amount_due, 105.0)
        for amount, error in (
            (1_000_000_000, "more than the balance"),
            (105.01, "more than the balance"),
            (-50, "above zero"),
            (0, "above zero"),
            (float("nan"), "above zero"),
            (float("inf"), "above zero"),
        ):
            with self.subTest(amount=amount), self.assertRaisesRegex(UserError, error):
                self._pay_now(move, amount=amount)
        self.assertFalse(move.transaction_ids)
        tx = self._pay_now(move, amount=105.0)
        self._processor_says(tx)
        tx._post_process()
        self.assertEqual(self._done_charges(move), tx)
        self._assert_books(0.0, [(move, 0.0, 105.0, 0.0, "paid")])

    def test_money_reaching_a_settled_invoice_is_credit_flagged_for_review(self):
        move = self._invoice()
        with freeze_time(fields.Datetime.now() - timedelta(hours=1)):
            stale = self._pay_now(move)  # abandoned an hour ago
        self.env.cr.execute(
            "UPDATE payment_transaction SET create_date = %s WHERE id = %s",
            [fields.Datetime.now() - timedelta(hours=1), stale.id],
        )
        stale.invalidate_recordset()
        self.assertFalse(move._billing_live_transactions())
        move._billing_register_payment(80.0, fields.Date.today(), "check", "CHK-9")
        self.assertEqual(move.billing_state, "paid")
        self._processor_says(stale)  # ... and the processor took it after all
        stale._post_process()
        self.assertTrue(move.billing_needs_review)
        self.assertIn("stays on the parent's account as a credit", self._notes(move))
        self._assert_books(-80.0, [(move, 0.0, 80.0, 0.0, "paid")])


@tagged("post_install", "-at_install")
class TestPayNowHttp(InFlightCommon, HttpCase):
    def _start(self, move, amount):
        return self.make_jsonrpc_request(
            f"/invoice/transaction/{move.id}",
            self._demo_pay_params(
                self.provider,
                amount,
                move.get_portal_url(),
                access_token=move._portal_ensure_token(),
                is_validation=False,
            ),
        )

    def test_pay_now_over_http(self):
        move = self._sent_invoice(count=1, units=2.0)
        move._billing_create_late_fee(40.0, "Late fee")  # 105.00
        self.authenticate("maria", "maria-pass-1234")
        for amount in (1_000_000_000, -50, 0):
            with self.subTest(amount=amount), mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
                self._start(move, amount)
        self.assertFalse(move.transaction_ids)
        page = self.url_open(move.get_portal_url()).text
        self.assertIn("o_billing_pay_now", page)
        values = self._start(move, 50.0)
        tx = self.env["payment.transaction"].sudo().search([("reference", "=", values["reference"])])
        self.assertEqual(tx.amount, 50.0)
        # While it is in flight: no second Pay now, and the page says why.
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._start(move, 55.0)
        page = self.url_open(move.get_portal_url()).text
        self.assertIn("A payment for this invoice is being processed.", page)
        self.assertNotIn("o_billing_pay_now", page)
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {"reference": tx.reference, "payment_details": "4242", "simulated_state": "done"},
        )
        tx._post_process()
        self._assert_books(55.0, [(move, 0.0, 50.0, 55.0, "sent")])
        values = self._start(move, 55.0)
        tx2 = self.env["payment.transaction"].sudo().search([("reference", "=", values["reference"])])
        tx2._set_done()
        tx2._post_process()
        self._assert_books(0.0, [(move, 0.0, 105.0, 0.0, "paid")])
        self.assertEqual(len(self._done_charges(move)), 2, "the two payments the parent made")
        # Settled: no Pay now offered, none accepted.
        page = self.url_open(move.get_portal_url()).text
        self.assertNotIn("o_billing_pay_now", page)
        with mute_logger("odoo.http"), self.assertRaises(JsonRpcException):
            self._start(move, 10.0)
        self.assertEqual(len(self._done_charges(move)), 2)


@tagged("post_install", "-at_install")
class TestMoneyInFlightConcurrency(RealConnectionsCase):
    """Pay now and the autopay run in different workers, on real connections.
    Helpers are borrowed, not inherited: a test class imported or subclassed
    here would run its tests twice."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        skip_unless_installed(cls.env, "payment_demo")

    _committed_autopay_invoice = test_autopay.TestAutopayConcurrency._committed_autopay_invoice
    _remove_autopay = test_autopay.TestAutopayConcurrency._remove_autopay
    _check_one_payment = test_autopay.TestAutopayConcurrency._check_one_payment
    _run_behind_an_older_snapshot = test_autopay.TestAutopayConcurrency._run_behind_an_older_snapshot

    def test_pay_now_done_in_one_worker_blocks_autopay_in_another(self):
        ids = self._committed_autopay_invoice()
        with freeze_time(ids["due"]):
            with self._connection() as env:
                move = env["account.move"].browse(ids["move"])
                tx = pay_now_transaction(env, env.ref("payment.payment_provider_demo"), move)
                env["payment.transaction"]._handle_notification_data(
                    "demo", {"reference": tx.reference, "simulated_state": "done"}
                )
                env.cr.commit()
                tx_id = tx.id
            with self._connection() as env:
                env["account.move"]._cron_billing_autopay()
                env.cr.commit()
                self.assertFalse(env["account.move"].browse(ids["move"]).billing_autopay_transaction_ids)
            with self._connection() as env:
                env["payment.transaction"].browse(tx_id)._post_process()
                env.cr.commit()
        with self._connection() as env:
            move = env["account.move"].browse(ids["move"])
            self.assertEqual(
                env["payment.transaction"].search([("invoice_ids", "in", move.ids), ("state", "=", "done")]).ids,
                [tx_id],
            )
            self.assertRecordValues(move, [{"billing_amount_due": 0.0, "billing_state": "paid"}])
            self.assertEqual(len(env["account.payment"].search([("partner_id", "=", ids["parent"])])), 1)

    def test_overlapping_runs_log_no_error(self):
        ids = self._committed_autopay_invoice()
        with self.assertNoLogs("odoo.sql_db", "ERROR"), freeze_time(ids["due"]):
            self._run_behind_an_older_snapshot(ids)
        self._check_one_payment(ids)


@tagged("post_install", "-at_install")
class TestStatementSuperseded(StatementCommon):
    def test_regenerating_supersedes_the_old_statement(self):
        first = self._generate(self.parent_rivera)
        with freeze_time(MADE_ON):
            self.inv_feb._billing_register_payment(10.0, date(2026, 3, 28), "check", "CHK-328")
        second = self._generate(self.parent_rivera)
        self.assertEqual(second.previous_id, first)
        self.assertRecordValues(first | second, [{"state": "superseded"}, {"state": "draft"}])
        live = self.env["practice.statement"].search(
            [("partner_id", "=", self.parent_rivera.id), ("date_to", "=", DATE_TO), ("state", "!=", "superseded")]
        )
        self.assertEqual(live, second, "one live statement per account and period")

    def test_unique_index_allows_one_live_statement_per_period(self):
        first = self._generate(self.parent_rivera)
        with (
            self.assertRaises(errors.UniqueViolation),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
            self.env["account.move"]._billing_transition(),
        ):
            self.env["practice.statement"].create(
                {
                    "name": "DUP",
                    "partner_id": first.partner_id.id,
                    "company_id": first.company_id.id,
                    "date_from": first.date_from,
                    "date_to": first.date_to,
                }
            ).flush_recordset()


@tagged("post_install", "-at_install")
class TestConcurrentStatementRuns(RealConnectionsCase):
    _remove_statements = test_statements.TestConcurrentStatementSend._remove_statements

    def test_two_statement_runs_for_one_period_make_one_live_statement(self):
        ids = self._commit_family("Statements", price=40.0, invoice=True)
        self.addCleanup(self._remove_statements, ids["parent"])
        with self._connection() as env:
            env["account.move"].browse(ids["move"]).action_billing_send()
            env.cr.commit()
        with self.assertNoLogs("odoo.sql_db", "ERROR"), self._connection() as env1, self._connection() as env2:
            today = fields.Date.context_today(env1["practice.statement"])
            env2.cr.execute("SELECT 1 FROM practice_statement LIMIT 1")  # env2's snapshot: before env1's run
            parent1 = env1["res.partner"].browse(ids["parent"])
            made = env1["practice.statement"]._billing_generate(parent1, today, today)
            env1.cr.commit()
            parent2 = env2["res.partner"].browse(ids["parent"])
            with self.assertRaisesRegex(UserError, "being made by another run"):
                env2["practice.statement"]._billing_generate(parent2, today, today)
            env2.cr.commit()  # the transaction is still usable
            env2.invalidate_all()
            self.assertEqual(env2["practice.statement"]._billing_generate(parent2, today, today), made.with_env(env2))
            env2.cr.commit()
        with self._connection() as env:
            statements = env["practice.statement"].search([("partner_id", "=", ids["parent"])])
            self.assertEqual(len(statements), 1)
            self.assertEqual(statements.state, "draft")
            self.assertEqual(statements.closing_balance, 40.0)
