from datetime import timedelta

from odoo import fields
from odoo.exceptions import UserError
from odoo.tests import Form, tagged

from ..models.practice_billing_run import RUN_SYNC_LIMIT
from .common import BillingCommon, RealConnectionsCase


@tagged("post_install", "-at_install")
class TestBillingRun(BillingCommon):
    """Billing Run: "bill everything unbilled up to <date>", one draft per client."""

    def setUp(self):
        super().setUp()
        self.today = fields.Date.today()

    def _dated_charges(self, client, service, dates, unit_price=None):
        charges = self.env["practice.charge"].create(
            [
                {"client_id": client.id, "product_id": service.id, "date": date, "units": 1.0, "unit_price": price}
                for date in dates
                for price in [unit_price if unit_price is not None else service.lst_price]
            ]
        )
        return charges

    def _start(self, **values):
        """The clerk's path: Billing → Billing Run, fill the dialog, Start."""
        with Form(self.env["practice.charge.billing.run"].with_user(self.billing_user)) as wizard:
            for name, value in values.items():
                if name == "client_ids":
                    for client in value:
                        wizard.client_ids.add(client)
                else:
                    setattr(wizard, name, value)
        action = wizard.save().action_start()
        self.assertEqual(action["res_model"], "practice.billing.run")
        return self.env["practice.billing.run"].browse(action["res_id"])

    def _lines(self, run, state):
        return run.line_ids.filtered(lambda l: l.state == state)

    def test_run_bills_everything_unbilled_up_to_the_date_one_draft_per_client(self):
        yesterday, tomorrow = self.today - timedelta(days=1), self.today + timedelta(days=1)
        sofia_old = self._dated_charges(self.client_sofia, self.service_aba, [yesterday, self.today])
        sofia_later = self._dated_charges(self.client_sofia, self.service_aba, [tomorrow])
        lily = self._dated_charges(self.client_lily, self.service_speech, [yesterday])

        run = self._start(date_to=self.today)

        self.assertEqual(run.state, "done")
        self.assertEqual((run.client_total, run.client_done, run.created_count, run.skipped_count), (2, 2, 2, 0))
        self.assertEqual(run.progress, 100.0)
        moves = run.line_ids.move_id
        self.assertEqual(moves.practice_client_id, self.client_sofia | self.client_lily)
        self.assertEqual(set(moves.mapped("billing_state")), {"draft"})
        sofia_move = moves.filtered(lambda m: m.practice_client_id == self.client_sofia)
        self.assertEqual(sofia_move.invoice_line_ids.practice_charge_id, sofia_old)
        self.assertEqual(sofia_move.amount_total, 65.00)
        self.assertEqual(sofia_later.state, "unbilled", "a charge after the run's date waits for the next run")
        self.assertEqual(lily.move_id.partner_id, self.parent_chen)
        self.assertEqual(run.create_uid, self.billing_user)
        self.assertEqual(moves.create_uid, self.billing_user, "the drafts are the clerk's, as with Create Invoice")

    def test_run_selects_by_bill_to_mode_and_by_client(self):
        sofia = self._dated_charges(self.client_sofia, self.service_aba, [self.today])
        mateo = self._dated_charges(self.client_mateo, self.service_ot, [self.today])  # hybrid
        lily = self._dated_charges(self.client_lily, self.service_speech, [self.today])

        hybrid = self._start(date_to=self.today, bill_to_mode="hybrid")
        self.assertEqual(hybrid.line_ids.client_id, self.client_mateo)
        self.assertEqual(mateo.state, "invoiced")
        self.assertEqual((sofia | lily).mapped("state"), ["unbilled", "unbilled"])

        chosen = self._start(date_to=self.today, client_ids=self.client_lily)
        self.assertEqual(chosen.line_ids.client_id, self.client_lily)
        self.assertEqual(lily.state, "invoiced")
        self.assertEqual(sofia.state, "unbilled")

    def test_run_bills_only_its_own_practice(self):
        other = self.setup_other_company(name="Other Practice")["company"]
        other_client = self.env["practice.client"].create(
            {"name": "Other Kid", "partner_id": self.parent_chen.id, "bill_to_mode": "client", "company_id": other.id}
        )
        other_charge = self._dated_charges(other_client, self.service_aba, [self.today])
        sofia = self._dated_charges(self.client_sofia, self.service_aba, [self.today])

        run = self._start(date_to=self.today)

        self.assertEqual(run.company_id, self.company)
        self.assertEqual(run.line_ids.client_id, self.client_sofia)
        self.assertEqual(sofia.state, "invoiced")
        self.assertEqual(other_charge.state, "unbilled")

    def test_wizard_previews_clients_and_charges_of_the_selection(self):
        self._dated_charges(self.client_sofia, self.service_aba, [self.today, self.today])
        self._dated_charges(self.client_lily, self.service_speech, [self.today + timedelta(days=3)])
        with Form(self.env["practice.charge.billing.run"].with_user(self.billing_user)) as wizard:
            wizard.date_to = self.today
            self.assertEqual((wizard.client_count, wizard.charge_count), (1, 2))
            wizard.date_to = self.today + timedelta(days=3)
            self.assertEqual((wizard.client_count, wizard.charge_count), (2, 3))
            wizard.bill_to_mode = "hybrid"
            self.assertEqual((wizard.client_count, wizard.charge_count), (0, 0))

    def test_client_without_parent_and_client_with_nothing_unbilled_are_skipped_with_reason(self):
        orphan = self.env["practice.client"].create({"name": "Orphan Kid", "bill_to_mode": "client"})
        orphan_charge = self._dated_charges(orphan, self.service_aba, [self.today])
        self._dated_charges(self.client_sofia, self.service_aba, [self.today])

        run = self._start(date_to=self.today, client_ids=orphan | self.client_sofia | self.client_lily)

        self.assertEqual((run.created_count, run.skipped_count), (1, 2))
        self.assertEqual(self._lines(run, "created").client_id, self.client_sofia)
        reasons = {line.client_id: line.reason for line in self._lines(run, "skipped")}
        self.assertIn("Orphan Kid has no responsible parent", reasons[orphan])
        self.assertIn("Lily Chen has nothing unbilled up to", reasons[self.client_lily])
        self.assertEqual(orphan_charge.state, "unbilled")

    def test_running_twice_bills_nothing_twice(self):
        charges = self._dated_charges(self.client_sofia, self.service_aba, [self.today]) | self._dated_charges(
            self.client_lily, self.service_speech, [self.today]
        )
        first = self._start(date_to=self.today)
        self.assertEqual(first.created_count, 2)
        moves = charges.move_id

        again = self._start(date_to=self.today)
        self.assertEqual((again.client_total, again.created_count), (0, 0), "nothing is selected a second time")
        named = self._start(date_to=self.today, client_ids=self.client_sofia)
        self.assertEqual(named.created_count, 0)
        self.assertIn("nothing unbilled", named.line_ids.reason)
        self.assertEqual(self.env["account.move"].search([("practice_client_id", "in", charges.client_id.ids)]), moves)

    def test_large_run_goes_on_in_the_background_with_progress(self):
        clients = self.env["practice.client"].create(
            [
                {"name": f"Run Kid {i}", "partner_id": self.parent_chen.id, "bill_to_mode": "client"}
                for i in range(RUN_SYNC_LIMIT + 5)
            ]
        )
        for client in clients:
            self._dated_charges(client, self.service_aba, [self.today])
        cron = self.env.ref("parent_billing.ir_cron_practice_billing_run")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])

        run = self._start(date_to=self.today, client_ids=clients)

        self.assertEqual(run.state, "running", "the clerk gets the run back at once")
        self.assertEqual((run.client_total, run.client_done, run.progress), (len(clients), 0, 0.0))
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)

        self.env["practice.billing.run"]._cron_billing_run(batch_size=10)
        run.invalidate_recordset()
        self.assertEqual(run.state, "done")
        self.assertEqual((run.client_done, run.created_count, run.skipped_count), (len(clients), len(clients), 0))
        self.assertEqual(run.line_ids.move_id.practice_client_id, clients)
        self.assertEqual(run.line_ids.move_id.create_uid, self.billing_user)

    def test_run_refuses_a_due_date_in_the_past(self):
        self._dated_charges(self.client_sofia, self.service_aba, [self.today])
        wizard = (
            self.env["practice.charge.billing.run"]
            .with_user(self.billing_user)
            .create({"date_to": self.today, "due_date": self.today - timedelta(days=1)})
        )
        with self.assertRaisesRegex(UserError, "due date .* is in the past"):
            wizard.action_start()
        self.assertFalse(
            self.env["practice.billing.run"].search([]).filtered(lambda r: r.create_uid == self.billing_user)
        )

    def test_clerk_cannot_write_a_run(self):
        self._dated_charges(self.client_sofia, self.service_aba, [self.today])
        run = self._start(date_to=self.today).with_user(self.billing_user)
        with self.assertRaises(UserError):  # AccessError is a UserError
            run.write({"state": "draft"})
        with self.assertRaises(UserError):
            run.line_ids.write({"state": "pending"})


@tagged("post_install", "-at_install")
class TestConcurrentBillingRun(RealConnectionsCase):
    """Two billing runs over the same families at the same moment, on two
    real connections: every charge is invoiced once."""

    def _start_run(self, env, client_ids):
        run = env["practice.billing.run"].create(
            {"company_id": env.company.id, "date_to": fields.Date.today(), "client_ids": [(6, 0, client_ids)]}
        )
        run.action_start()
        return run

    def _remove_runs(self, run_ids):
        with self._connection() as env:
            env["practice.billing.run"].browse(run_ids).unlink()
            env.cr.commit()  # pylint: disable=invalid-commit

    def test_two_concurrent_runs_invoice_each_family_once(self):
        first = self._commit_family("RunA", sessions=2)
        second = self._commit_family("RunB", sessions=1)
        clients = [first["client"], second["client"]]
        with self._connection() as env1, self._connection() as env2:
            run1 = self._start_run(env1, clients)
            env1.flush_all()
            # The second run arrives while the first has not committed yet.
            run2 = self._start_run(env2, clients)
            env2.flush_all()
            self.addCleanup(self._remove_runs, [run1.id, run2.id])
            self.assertEqual(run1.created_count, 2)
            self.assertEqual((run2.created_count, run2.skipped_count), (0, 2))
            self.assertIn("being invoiced by another user or run", run2.line_ids[0].reason)
            env1.cr.commit()
            env2.cr.commit()
        with self._connection() as env:
            moves = env["account.move"].search([("practice_client_id", "in", clients)])
            self.assertEqual(len(moves), 2)
            self.assertEqual(
                sorted(moves.invoice_line_ids.practice_charge_id.ids), sorted(first["charges"] + second["charges"])
            )
            # A third run, after both committed, finds nothing left.
            run3 = self._start_run(env, clients)
            self.assertEqual(run3.created_count, 0)
            self.assertEqual(set(run3.line_ids.mapped("state")), {"skipped"})
            env.cr.rollback()
