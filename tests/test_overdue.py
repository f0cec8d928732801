from contextlib import closing
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time
from psycopg2 import errors

from odoo import SUPERUSER_ID, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import db_connect
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import DUE, BillingCommon, RealConnectionsCase


class KilledRun(Exception):
    """Stands for the worker being killed right after a batch was committed."""


@tagged("post_install", "-at_install")
class OverdueCommon(BillingCommon):
    def _run_cron(self, day, **kwargs):
        with freeze_time(day):
            self.env["account.move"]._cron_billing_overdue(**kwargs)
        self.env.invalidate_all()

    def _policy(self, fee_type, amount=0.0, days=0):
        self.company.write(
            {"billing_late_fee_type": fee_type, "billing_late_fee_amount": amount, "billing_late_fee_days": days}
        )

    def _fees(self, move):
        return self.env["account.move"].search([("debit_origin_id", "=", move.id), ("billing_is_late_fee", "=", True)])


@tagged("post_install", "-at_install")
class TestOverdue(OverdueCommon):
    def test_flips_to_overdue_on_first_day_past_due_not_before(self):
        move = self._invoice_due()
        self._run_cron(DUE - timedelta(days=1))
        self.assertEqual(move.billing_state, "sent")
        self._run_cron(DUE)
        self.assertEqual(move.billing_state, "sent", "the due date itself is still on time")
        self.assertFalse(move.billing_overdue)
        self._run_cron(DUE + timedelta(days=1))
        self.assertEqual(move.billing_state, "overdue")
        self.assertTrue(move.billing_overdue)
        with freeze_time(DUE + timedelta(days=2)):
            move._billing_register_payment(130.0, DUE + timedelta(days=2), "check", "1001")
        self.assertEqual(move.billing_state, "paid", "paying an overdue invoice in full makes it paid")
        self._run_cron(DUE + timedelta(days=3))
        self.assertEqual(move.billing_state, "paid")

    def test_draft_paid_and_voided_invoices_never_become_overdue(self):
        draft, paid, voided = self._draft_paid_voided("cash", "")
        self._run_cron(DUE + timedelta(days=40))
        self.assertEqual([draft.billing_state, paid.billing_state, voided.billing_state], ["draft", "paid", "voided"])
        self.assertFalse((draft | paid | voided).filtered("billing_overdue"))

    def test_batches_report_progress_and_a_killed_run_is_finished_without_duplicates(self):
        self._policy("flat", 10.0, days=1)
        moves = self._invoice_due() | self._invoice_due() | self._invoice_due()
        progress = []  # what the cron is told, batch after batch
        original_commit = type(self.env["account.move"])._billing_commit_batch

        def commit_then_maybe_die(model, done, remaining, kill_at=None):
            original_commit(model, done, remaining)
            if len(progress) == kill_at:
                raise KilledRun

        def notify(cron, *, done, remaining, deactivate=False):
            progress.append((done, remaining))

        Move = type(self.env["account.move"])
        Cron = type(self.env["ir.cron"])
        with patch.object(Cron, "_notify_progress", notify):
            # 1st run: 3 invoices flagged one by one, then killed right after the first fee's commit.
            # (no assertRaises: Odoo's rolls back to a savepoint, undoing the committed batches)
            killed = False
            with patch.object(Move, "_billing_commit_batch", lambda m, d, r: commit_then_maybe_die(m, d, r, 4)):
                try:
                    self._run_cron(DUE + timedelta(days=1), batch_size=1)
                except KilledRun:
                    killed = True
            self.assertTrue(killed)
            self.env.invalidate_all()
            self.assertEqual(progress, [(1, 5), (2, 4), (3, 3), (4, 2)])
            self.assertEqual(moves.mapped("billing_state"), ["overdue"] * 3)
            self.assertEqual(sum(len(self._fees(m)) for m in moves), 1)
            # 2nd run finishes the job: only the two missing fees, then reports nothing left.
            progress.clear()
            with patch.object(Move, "_billing_commit_batch", lambda m, d, r: commit_then_maybe_die(m, d, r)):
                self._run_cron(DUE + timedelta(days=1), batch_size=1)
            self.assertEqual(progress, [(1, 1), (2, 0)])
        self.assertEqual([len(self._fees(m)) for m in moves], [1, 1, 1])
        self.assertEqual(moves.mapped("billing_amount_due"), [140.0, 140.0, 140.0])

    def test_scheduled_action_runs_daily_and_reports_progress(self):
        self._policy("flat", 10.0, days=1)
        moves = self._invoice_due() | self._invoice_due()
        cron = self.env.ref("parent_billing.ir_cron_billing_overdue")
        self.assertRecordValues(
            cron, [{"active": True, "interval_number": 1, "interval_type": "days", "model_name": "account.move"}]
        )
        with freeze_time(DUE + timedelta(days=1)):
            cron.method_direct_trigger()
        self.env.invalidate_all()
        self.assertEqual(moves.mapped("billing_state"), ["overdue", "overdue"])
        self.assertEqual([len(m.billing_late_fee_ids) for m in moves], [1, 1])
        progress = self.env["ir.cron.progress"].search([("cron_id", "=", cron.id)], order="id desc", limit=1)
        self.assertRecordValues(progress, [{"done": 4, "remaining": 0}])  # 2 flagged + 2 fees, nothing left


@tagged("post_install", "-at_install")
class TestLateFees(OverdueCommon):
    def test_flat_fee_is_a_posted_debit_note_after_the_policy_days(self):
        self._policy("flat", 25.0, days=10)
        move = self._invoice_due()
        self._run_cron(DUE + timedelta(days=9))
        self.assertEqual(move.billing_state, "overdue")
        self.assertFalse(self._fees(move), "no fee before 10 days past due")
        self._run_cron(DUE + timedelta(days=10))
        fee = self._fees(move)
        self.assertRecordValues(
            fee,
            [
                {
                    "state": "posted",
                    "move_type": "out_invoice",
                    "debit_origin_id": move.id,
                    "partner_id": self.parent_rivera.id,
                    "billing_late_fee_step": 1,
                    "amount_total": 25.0,
                    "invoice_date": DUE + timedelta(days=10),
                    "billing_state": False,
                }
            ],
        )
        self.assertRecordValues(
            move,
            [
                {
                    "amount_total": 130.0,  # the sent invoice itself is never edited
                    "billing_late_fee_ids": fee.ids,
                    "billing_amount_fees": 25.0,
                    "billing_amount_total": 155.0,
                    "billing_amount_due": 155.0,
                    "billing_state": "overdue",
                }
            ],
        )
        self.assertEqual(self._receivable_balance(self.parent_rivera), 155.0)
        # reruns, later days: still exactly one fee
        self._run_cron(DUE + timedelta(days=10))
        self._run_cron(DUE + timedelta(days=45))
        self.assertEqual(self._fees(move), fee)
        self.assertEqual(move._billing_apply_late_fee(DUE + timedelta(days=45)), self.env["account.move"])
        # paying invoice and fee in full makes it paid
        move._billing_register_payment(155.0, DUE + timedelta(days=46), "ach", "ACH-1")
        self.assertEqual(move.billing_state, "paid")
        self.assertEqual(fee.payment_state, "paid")
        self.assertEqual(self._receivable_balance(self.parent_rivera), 0.0)

    def test_zero_days_policy_charges_on_the_first_day_overdue(self):
        self._policy("flat", 5.0, days=0)
        move = self._invoice_due()
        self._run_cron(DUE)
        self.assertFalse(self._fees(move))
        self._run_cron(DUE + timedelta(days=1))
        self.assertEqual(self._fees(move).amount_total, 5.0)

    def test_percent_fee_is_currency_rounded_half_up(self):
        """fee = currency rounding, half-up, of open balance x percent / 100"""
        self._policy("percent", 5.0, days=1)
        small = self._invoice_due(units=1.0, count=1)  # 32.50 -> 1.625 -> 1.63
        partly_paid = self._invoice_due()  # 130.00 - 29.50 = 100.50 -> 5.025 -> 5.03
        partly_paid._billing_register_payment(29.50, DUE - timedelta(days=1), "check", "77")
        self._run_cron(DUE + timedelta(days=1))
        self.assertEqual(self._fees(small).amount_total, 1.63)
        self.assertEqual(self._fees(partly_paid).amount_total, 5.03)
        self.assertIn("5% of", self._fees(small).invoice_line_ids.name)
        self.assertEqual(partly_paid.billing_amount_due, 105.53)
        self.assertEqual(small.billing_amount_due, 34.13)

    def test_policy_change_affects_only_fees_not_yet_applied(self):
        self._policy("flat", 25.0, days=1)
        first = self._invoice_due()
        second = self._invoice_due(due=DUE + timedelta(days=3))
        self._run_cron(DUE + timedelta(days=1))
        fee = self._fees(first)
        self.assertEqual(fee.amount_total, 25.0)
        self.assertFalse(self._fees(second))

        self._policy("percent", 10.0, days=5)
        self._run_cron(DUE + timedelta(days=5))
        self.assertFalse(self._fees(second), "second is 2 days past due: the new policy waits 5")
        self._run_cron(DUE + timedelta(days=8))
        self.assertEqual(self._fees(first), fee, "the applied fee is neither changed nor applied again")
        self.assertEqual(fee.amount_total, 25.0)
        self.assertEqual(self._fees(second).amount_total, 13.0)

        self._policy("none")
        self._run_cron(DUE + timedelta(days=60))
        self.assertEqual(len(self._fees(first) | self._fees(second)), 2, "switching the policy off removes nothing")

    def test_payment_between_search_and_write_gets_no_fee(self):
        move = self._invoice_due()
        self._run_cron(DUE + timedelta(days=1))  # overdue, no policy yet
        self._policy("flat", 25.0, days=1)
        today = DUE + timedelta(days=2)
        candidates = self.env["account.move"]._billing_late_fee_candidates(self.company, today)
        self.assertIn(move, candidates)
        move._billing_register_payment(130.0, today, "card", "tx-1")  # lands between search and write
        self.assertEqual(candidates._billing_apply_late_fee(today), self.env["account.move"])
        self.assertFalse(self._fees(move))
        self.assertEqual(move.billing_state, "paid")

    def test_the_database_refuses_a_second_fee_for_the_same_step(self):
        """Even a worker that skipped every check cannot add a duplicate."""
        self._policy("flat", 25.0, days=1)
        move = self._invoice_due()
        self._run_cron(DUE + timedelta(days=1))
        with (
            freeze_time(DUE + timedelta(days=1)),
            mute_logger("odoo.sql_db"),
            self.assertRaises(errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            move._billing_create_late_fee(25.0, "duplicate", step=1)
        self.env.invalidate_all()
        self.assertEqual(len(self._fees(move)), 1)

    def test_waive_reverses_the_fee_with_a_reason_manager_only(self):
        self._policy("flat", 25.0, days=1)
        move = self._invoice_due()
        self._run_cron(DUE + timedelta(days=1))
        fee = self._fees(move)
        with self.assertRaises(AccessError):
            move.with_user(self.billing_user)._billing_waive_late_fee("nice family")
        with self.assertRaisesRegex(UserError, "requires a reason"):
            move._billing_waive_late_fee("  ")
        wizard = (
            self.env["account.move.billing.waive"]
            .with_user(self.billing_manager)
            .create({"move_id": move.id, "reason": "first time late"})
        )
        self.assertEqual(wizard.late_fee_ids, fee)
        with freeze_time(DUE + timedelta(days=2)):
            wizard.action_waive()
        self.env.invalidate_all()
        self.assertEqual(fee.payment_state, "reversed")
        # The waiver names the fee; the reason is for staff only (internal note).
        self.assertEqual(fee.reversal_move_ids.ref, f"Late fee {fee.name} waived")
        self.assertEqual(move.billing_amount_due, 130.0)
        self.assertEqual(move.billing_state, "overdue")
        self.assertEqual(self._receivable_balance(self.parent_rivera), 130.0)
        self.assertIn("first time late", move.message_ids[0].body)
        with self.assertRaisesRegex(UserError, "no late fee to waive"):
            move._billing_waive_late_fee("again")
        self._run_cron(DUE + timedelta(days=30))
        self.assertEqual(self._fees(move), fee, "a waived fee is not charged again")

    def test_waive_refuses_a_paid_fee(self):
        self._policy("flat", 25.0, days=1)
        move = self._invoice_due()
        self._run_cron(DUE + timedelta(days=1))
        move._billing_register_payment(140.0, DUE + timedelta(days=3), "check", "12")  # pays invoice then fee
        with self.assertRaisesRegex(UserError, "has payments: refund it"):
            move._billing_waive_late_fee("too late")


def remove_two_worker_data(env):
    """Remove what the two-worker test committed (also after a crashed run)."""
    with env["account.move"]._billing_transition():  # test cleanup only
        _remove_two_worker_data(env)


def _remove_two_worker_data(env):
    parents = env["res.partner"].search([("name", "=", "Two-worker Parent")])
    family = env["account.move"].search([("partner_id", "in", parents.ids)])
    payments = env["account.payment"].search([("partner_id", "in", parents.ids)])
    family.line_ids.remove_move_reconcile()
    payments.action_draft()
    payments.unlink()
    family = family.exists()
    family.filtered(lambda m: m.state == "posted").button_draft()
    family.with_context(force_delete=True).unlink()
    clients = env["practice.client"].search([("partner_id", "in", parents.ids)])
    env["practice.charge"].search([("client_id", "in", clients.ids)]).unlink()
    if clients:
        env.cr.execute("DELETE FROM practice_session WHERE client_id IN %s", [tuple(clients.ids)])
        env.cr.execute("DELETE FROM practice_client WHERE id IN %s", [tuple(clients.ids)])
    if parents:
        env.cr.execute("DELETE FROM account_payment_register WHERE partner_id IN %s", [tuple(parents.ids)])
    parents.unlink()
    env["product.product"].search([("name", "=", "Two-worker service")]).unlink()


@tagged("post_install", "-at_install")
class TestLateFeeTwoWorkers(OverdueCommon):
    """Two workers (or a worker and a cashier) on two real database
    connections at once; the test's own transaction is one connection and
    cannot show this, so the data is committed and removed afterwards."""

    def _committed_overdue_invoices(self, count):
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            policy = company.read(["billing_late_fee_type", "billing_late_fee_amount", "billing_late_fee_days"])[0]
            del policy["id"]
            company.write(
                {"billing_late_fee_type": "flat", "billing_late_fee_amount": 10.0, "billing_late_fee_days": 1}
            )
            product = env["product.product"].create(
                {"name": "Two-worker service", "type": "service", "list_price": 50.0}
            )
            parent = env["res.partner"].create({"name": "Two-worker Parent"})
            client = env["practice.client"].create(
                {"name": "Two-worker Kid", "partner_id": parent.id, "bill_to_mode": "client"}
            )
            sessions = env["practice.session"].create(
                [{"client_id": client.id, "product_id": product.id, "units": 1.0} for _i in range(count)]
            )
            sessions.action_finalize()
            moves = env["account.move"]
            for charge in sessions.charge_ids:
                moves |= charge._create_invoices()
            today = fields.Date.context_today(env["account.move"])
            moves.write({"invoice_date": today - timedelta(days=40), "invoice_date_due": today - timedelta(days=10)})
            with moves._billing_transition():  # posted and flagged as Send and the run would
                moves.action_post()
                moves.write({"billing_overdue": True})
            ids = {
                "moves": moves.ids,
                "sessions": sessions.ids,
                "charges": sessions.charge_ids.ids,
                "client": client.id,
                "parent": parent.id,
                "product": product.id,
                "company": company.id,
                "policy": policy,
            }
            self.assertEqual(moves.mapped("billing_state"), ["overdue"] * count)
            cr.commit()  # pylint: disable=invalid-commit
        return ids

    def _cleanup(self, ids):
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            remove_two_worker_data(api.Environment(cr, SUPERUSER_ID, {}))
            api.Environment(cr, SUPERUSER_ID, {})["res.company"].browse(ids["company"]).write(ids["policy"])
            cr.commit()  # pylint: disable=invalid-commit

    @mute_logger("odoo.addons.parent_billing.models.account_move_late_fee")
    def test_two_workers_and_a_payment_at_once_never_duplicate_a_fee(self):
        ids = self._committed_overdue_invoices(2)
        self.addCleanup(self._cleanup, ids)
        db = db_connect(self.env.cr.dbname)
        with closing(db.cursor()) as cr1, closing(db.cursor()) as cr2:
            worker1 = api.Environment(cr1, SUPERUSER_ID, {})["account.move"]
            worker2 = api.Environment(cr2, SUPERUSER_ID, {})["account.move"]
            first_id, second_id = ids["moves"]
            today = fields.Date.context_today(worker1)

            # Worker 1 charges the first invoice; a cashier (same connection
            # here) records a payment of the second: both uncommitted yet.
            fees1 = worker1.browse(first_id)._billing_apply_late_fee(today)
            self.assertEqual(len(fees1), 1)
            worker1.browse(second_id)._billing_register_payment(50.0, today, "cash", "at the desk")
            worker1.env.flush_all()

            # Worker 2 runs over both at the same moment: both rows are busy.
            self.assertFalse(worker2.browse([first_id, second_id])._billing_apply_late_fee(today))
            cr1.commit()
            # Still in its old snapshot, worker 2 sees rows changed since: skipped, no error.
            self.assertFalse(worker2.browse([first_id, second_id])._billing_apply_late_fee(today))
            cr2.rollback()
            # A later rerun sees the fee and the payment: nothing to do.
            worker2.env.invalidate_all()
            self.assertFalse(worker2.browse([first_id, second_id])._billing_apply_late_fee(today))
            worker2.env.invalidate_all()
            fees = worker2.search([("debit_origin_id", "in", ids["moves"])])
            self.assertEqual(fees, fees1.with_env(worker2.env))
            self.assertEqual(worker2.browse(first_id).billing_amount_due, 60.0)
            self.assertEqual(worker2.browse(second_id).billing_state, "paid")
            cr2.rollback()


@tagged("post_install", "-at_install")
class TestOverdueBusyRows(RealConnectionsCase):
    """The overdue run next to a user working on an invoice, on real connections."""

    def _sent_committed_invoice(self, overdue=False):
        ids = self._commit_family("Busy row", invoice=True)
        self.addCleanup(self._reopen_committed_invoice, ids["move"])  # runs before the family's removal
        with self._connection() as env:
            move = env["account.move"].browse(ids["move"])
            move.write({"invoice_date": DUE - timedelta(days=30), "invoice_date_due": DUE})
            move.action_billing_send()
            if overdue:  # flagged by an earlier run
                with move._billing_transition():
                    move.write({"billing_overdue": True})
                self.assertEqual(move.billing_state, "overdue")
            env.cr.commit()  # pylint: disable=invalid-commit
        return ids["move"]

    def _commit_late_fee_policy(self):
        with self._connection() as env:
            company = env.company
            policy = {
                name: company[name]
                for name in ("billing_late_fee_type", "billing_late_fee_amount", "billing_late_fee_days")
            }
            company.write(
                {"billing_late_fee_type": "flat", "billing_late_fee_amount": 10.0, "billing_late_fee_days": 1}
            )
            env.cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._restore_late_fee_policy, company.id, policy)

    def _restore_late_fee_policy(self, company_id, policy):
        with self._connection() as env:
            env["res.company"].browse(company_id).write(policy)
            env.cr.commit()  # pylint: disable=invalid-commit

    def _reopen_committed_invoice(self, move_id):
        """Test cleanup: a sent family invoice is sealed; only a billing transition reopens it."""
        with self._connection() as env:
            move = env["account.move"].browse(move_id)
            family = move | move.debit_note_ids | move.reversal_move_ids
            with move._billing_transition():
                family.filtered(lambda m: m.state == "posted").button_draft()
                move.write({"billing_overdue": False})
            env.cr.commit()  # pylint: disable=invalid-commit

    def test_row_held_by_another_transaction_is_skipped_without_error_and_flagged_next_run(self):
        move_id = self._sent_committed_invoice()
        with self._connection() as user, self._connection() as worker:
            # A user's transaction holds the invoice row while the daily run starts.
            user.cr.execute("SELECT id FROM account_move WHERE id = %s FOR UPDATE", [move_id])
            with freeze_time(DUE + timedelta(days=1)), self.assertNoLogs("odoo.sql_db", "ERROR"):
                worker["account.move"]._cron_billing_overdue()
            worker.invalidate_all()
            self.assertEqual(worker["account.move"].browse(move_id).billing_state, "sent", "skipped, not waited for")
            worker.cr.rollback()
            user.cr.rollback()  # the user is done

            with freeze_time(DUE + timedelta(days=1)), self.assertNoLogs("odoo.sql_db", "ERROR"):
                worker["account.move"]._cron_billing_overdue()
            worker.invalidate_all()
            self.assertEqual(worker["account.move"].browse(move_id).billing_state, "overdue", "the next run flags it")
            worker.cr.rollback()

    def test_row_changed_since_the_run_began_is_skipped_without_error(self):
        move_id = self._sent_committed_invoice()
        with self._connection() as user, self._connection() as worker:
            worker.cr.execute("SELECT 1")  # the run's snapshot is taken
            user.cr.execute("UPDATE account_move SET write_date = now() WHERE id = %s", [move_id])
            user.cr.commit()  # pylint: disable=invalid-commit
            with freeze_time(DUE + timedelta(days=1)), self.assertNoLogs("odoo.sql_db", "ERROR"):
                worker["account.move"]._cron_billing_overdue()
            worker.invalidate_all()
            self.assertEqual(worker["account.move"].browse(move_id).billing_state, "sent")
            worker.cr.rollback()
            with freeze_time(DUE + timedelta(days=1)):
                worker["account.move"]._cron_billing_overdue()
            worker.invalidate_all()
            self.assertEqual(worker["account.move"].browse(move_id).billing_state, "overdue")
            worker.cr.rollback()

    def test_late_fee_of_a_row_held_elsewhere_waits_for_the_next_run_without_error(self):
        self._commit_late_fee_policy()
        move_id = self._sent_committed_invoice(overdue=True)
        with self._connection() as user, self._connection() as worker:
            user.cr.execute("SELECT id FROM account_move WHERE id = %s FOR UPDATE", [move_id])
            with freeze_time(DUE + timedelta(days=2)), self.assertNoLogs("odoo.sql_db", "ERROR"):
                worker["account.move"]._cron_billing_overdue()
            worker.invalidate_all()
            self.assertFalse(worker["account.move"].browse(move_id).billing_late_fee_ids)
            worker.cr.rollback()
            user.cr.rollback()
            with freeze_time(DUE + timedelta(days=2)):
                worker["account.move"]._cron_billing_overdue()
            worker.invalidate_all()
            self.assertEqual(worker["account.move"].browse(move_id).billing_amount_fees, 10.0)
            worker.cr.rollback()
