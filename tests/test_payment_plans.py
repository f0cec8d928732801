"""Payment plans (issue 23): staff cover a family's sent or overdue invoices
with installments that sum to their balance to the cent; while the plan is
current the real overdue and reminder runs leave its invoices alone; the
daily plan run charges each installment once through the card the parent
accepted (a decline is tried again as autopay does), or reminds her; an
installment unpaid after the grace days defaults the plan, the hold lifts
and the next overdue run adds the fee. Dates are frozen over the whole plan;
after every step the ledger, the invoices and Billing AR agree."""

import re
from datetime import date, timedelta

from freezegun import freeze_time
from psycopg2 import errors

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from .common import (
    DUE,
    CollectionRunsMixin,
    JsonRpcMixin,
    RealConnectionsCase,
    billing_ar,
    html_text,
    ledger_balance,
    skip_unless_installed,
)
from .test_autopay import AutopayCommon

START = DUE + timedelta(days=2)  # 2026-03-04: the plan starts, the invoices are two days overdue


class PlanCommon(CollectionRunsMixin, AutopayCommon):
    def _daily_runs(self):
        """Overdue (late fees), reminders, autopay, then payment plans."""
        return [*super()._daily_runs(), self.env["practice.payment.plan"]._cron_billing_payment_plans]

    def _plan(self, moves, schedule, activate=True):
        """A plan on ``moves`` with installments [(date, amount)], made (and activated) on START."""
        with freeze_time(START):
            plan = self.env["practice.payment.plan"].create(
                {
                    "partner_id": self.parent_rivera.id,
                    "move_ids": [Command.set(moves.ids)],
                    "installment_ids": [Command.create({"date": d, "amount": a}) for d, a in schedule],
                }
            )
            if activate:
                plan.action_activate()
        return plan

    def _two_overdue(self):
        """Two 130.00 invoices due on DUE, flagged overdue by the real run (no fee yet)."""
        moves = self._invoice_due() | self._invoice_due()
        self._daily(DUE + timedelta(days=1))
        self.assertEqual(moves.mapped("billing_state"), ["overdue", "overdue"])
        return moves

    def _plan_mails(self, plan, word):
        return self.env["mail.mail"].search(
            [("model", "=", "practice.payment.plan"), ("res_id", "=", plan.id), ("subject", "ilike", word)]
        )

    def _dunning(self):
        return self.env["mail.mail"].search([("model", "=", "res.partner"), ("res_id", "=", self.parent_rivera.id)])

    def _states(self, plan):
        plan.invalidate_recordset()
        plan.installment_ids.invalidate_recordset()
        return plan.installment_ids.mapped("state")


@tagged("post_install", "-at_install")
class TestPaymentPlans(PlanCommon):
    def test_activation_needs_the_covered_balance_to_the_cent(self):
        moves = self._two_overdue()
        schedule = [(START, 60.0), *((START + timedelta(days=30 * i), 50.0) for i in range(1, 4))]
        plan = self._plan(moves, [*schedule, (START + timedelta(days=120), 49.99)], activate=False)
        with freeze_time(START), self.assertRaisesRegex(UserError, "add up to .*259.99, but its invoices owe .*260.00"):
            plan.action_activate()
        self.assertEqual(plan.state, "draft")
        self.assertEqual(moves.mapped("billing_collection_held"), [False, False], "a draft plan holds nothing")
        plan.installment_ids[-1].amount = 50.0
        with freeze_time(START):
            plan.action_activate()
        self.assertEqual(plan.state, "active")
        self.assertEqual(moves.mapped("billing_collection_held"), [True, True])
        self.assertFalse(plan.billing_warning, "4 installments after the down payment: no warning")
        # Nothing posted: the ledger still says what the invoices owe.
        self.assertAccountMoney(self.parent_rivera, 260.0)

    def test_more_than_four_installments_warn_but_do_not_refuse(self):
        move = self._invoice_due()
        with freeze_time(START):
            plan = self.env["practice.payment.plan"].create(
                {
                    "partner_id": self.parent_rivera.id,
                    "move_ids": [Command.set(move.ids)],
                    "helper_down_payment": 30.0,
                    "helper_count": 5,
                    "helper_first_date": START,
                }
            )
            plan.action_billing_plan_equal_monthly()
            self.assertEqual(plan.installment_ids.mapped("amount"), [30.0, 20.0, 20.0, 20.0, 20.0, 20.0])
            self.assertEqual(plan.installment_ids[1].date, date(2026, 4, 4))
            self.assertIn("Truth in Lending Act", plan.billing_warning)
            plan.action_activate()
        self.assertEqual(plan.state, "active")
        self.assertIn("Truth in Lending Act", " ".join(plan.message_ids.mapped("body")))

    def test_disputed_invoice_cannot_be_covered_and_a_dispute_suspends_charges(self):
        moves = self._two_overdue()
        with freeze_time(START):
            moves[0]._billing_open_dispute("Billed above the estimate.")
        plan = self._plan(moves, [(START, 260.0)], activate=False)
        with freeze_time(START), self.assertRaisesRegex(UserError, "under dispute"):
            plan.action_activate()
        with freeze_time(START):
            moves[0]._billing_resolve_dispute(130.0)
            plan.action_activate()
            plan.with_user(self.user_maria)._billing_plan_accept(self._token(self.parent_rivera))
            moves[1]._billing_open_dispute("Second thoughts.")
        self.assertTrue(plan.billing_charges_suspended)
        self._daily(START)
        self._daily(START + timedelta(days=20))
        self.assertFalse(plan.installment_ids.transaction_ids, "no charge while a covered invoice is disputed")
        self.assertEqual(plan.state, "active", "not defaulted while suspended")
        self.assertAccountMoney(self.parent_rivera, 260.0)

    def test_whole_plan_charged_by_card_with_a_decline_then_a_retry(self):
        moves = self._two_overdue()
        self.assertAccountMoney(self.parent_rivera, 260.0)
        token = self._token(self.parent_rivera)
        months = [START, date(2026, 4, 4), date(2026, 5, 4), date(2026, 6, 4), date(2026, 7, 4)]
        plan = self._plan(moves, [(months[0], 60.0), *((day, 50.0) for day in months[1:])])
        dunning = self._dunning()
        with freeze_time(START), self.assertRaises(AccessError):
            plan.with_user(self.user_maria)._billing_plan_accept(self._token(self.parent_chen, digits="9999"))
        with freeze_time(START):
            plan.with_user(self.user_maria)._billing_plan_accept(token)
        self.assertEqual(plan.token_id, token)
        self.assertIn("60.00", plan.accepted_terms)

        self._daily(START)
        self._daily(START)  # a rerun: still one charge
        self.assertRecordValues(
            plan.installment_ids[0].transaction_ids, [{"state": "done", "amount": 60.0, "token_id": token.id}]
        )
        self.assertEqual(self._states(plan), ["paid", "due", "due", "due", "due"])
        self.assertAccountMoney(self.parent_rivera, 200.0)
        # While the plan is current: no late fee, no dunning reminder, no full-balance autopay.
        for day in (START + timedelta(days=3), START + timedelta(days=10), date(2026, 3, 31)):
            self._daily(day)
        self.assertFalse(moves.billing_late_fee_ids, "no late fee while the plan is current")
        self.assertEqual(self._dunning(), dunning, "no dunning reminder while the plan is current")
        self.assertEqual(moves.mapped("billing_state"), ["overdue", "overdue"], "overdue still follows the due date")
        self.assertAccountMoney(self.parent_rivera, 200.0)

        self._daily(months[1])
        self.assertEqual(self._states(plan), ["paid", "paid", "due", "due", "due"])
        self.assertAccountMoney(self.parent_rivera, 150.0)

        # The card is declined on the third date: the parent is told, tried again a day later.
        token.demo_simulated_state = "error"
        self._daily(months[2])
        self._daily(months[2])
        third = plan.installment_ids[2]
        self.assertEqual(third.transaction_ids.mapped("state"), ["error"])
        self.assertEqual(third.state, "due")
        self.assertEqual(len(self._plan_mails(plan, "declined")), 1)
        self.assertEqual(plan.billing_next_charge_date, months[2] + timedelta(days=1))
        self.assertTrue(plan.activity_ids, "staff get an activity")
        self.assertAccountMoney(self.parent_rivera, 150.0)
        token.demo_simulated_state = "done"
        self._daily(months[2] + timedelta(days=1))
        self.assertEqual(sorted(third.transaction_ids.mapped("state")), ["done", "error"])
        self.assertEqual(self._states(plan), ["paid", "paid", "paid", "due", "due"])
        self.assertAccountMoney(self.parent_rivera, 100.0)

        self._daily(months[3])
        self.assertAccountMoney(self.parent_rivera, 50.0)
        self._daily(months[4])
        self.assertEqual(plan.state, "completed")
        self.assertEqual(self._states(plan), ["paid"] * 5)
        self.assertEqual(moves.mapped("billing_state"), ["paid", "paid"])
        self.assertFalse(moves.billing_late_fee_ids)
        self.assertEqual(len(plan.installment_ids.transaction_ids.filtered(lambda tx: tx.state == "done")), 5)
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_default_after_grace_lifts_the_hold_and_the_next_overdue_run_adds_the_fee(self):
        move = self._invoice_due()
        self._daily(DUE + timedelta(days=1))
        self.assertFalse(move.billing_late_fee_ids)
        second = date(2026, 4, 4)
        plan = self._plan(move, [(START, 30.0), (second, 100.0)])
        self.company.billing_late_fee_days = 1
        dunning = self._dunning()
        # No card accepted: the installment reminder (not dunning) with Pay now for its amount.
        self._daily(START)
        reminder = self._plan_mails(plan, "installment")
        self.assertEqual(len(reminder), 1)
        self.assertIn("$ 30.00", html_text(reminder.body_html))
        self.assertIn(f"/my/payment_plans/{plan.id}", reminder.body_html)
        self.assertEqual(self._dunning(), dunning, "no dunning reminder while the plan is current")
        # The parent pays by check: the installment is paid.
        with freeze_time(START + timedelta(days=2)):
            move._billing_register_payment(30.0, START + timedelta(days=2), "check", "CHK-30")
        self.assertEqual(self._states(plan), ["paid", "due"])
        self.assertAccountMoney(self.parent_rivera, 100.0)
        self._daily(second)
        self.assertEqual(len(self._plan_mails(plan, "installment")), 2)
        self._daily(second + timedelta(days=9))
        self.assertEqual(plan.state, "active", "within the grace days")
        self.assertFalse(move.billing_late_fee_ids)
        self.assertAccountMoney(self.parent_rivera, 100.0)
        # Ten days after its date: missed, the plan defaulted, the hold lifts.
        end = second + timedelta(days=10)
        self._daily(end)
        self.assertEqual(plan.state, "defaulted")
        self.assertEqual(self._states(plan), ["paid", "missed"])
        self.assertFalse(move.billing_collection_held)
        self.assertEqual(move.billing_hold_end_date, end)
        self.assertIn("Payment plan defaulted", plan.activity_ids.mapped("summary"))
        self.assertFalse(move.billing_late_fee_ids, "the overdue run of that day ran while the plan was current")
        self.assertAccountMoney(self.parent_rivera, 100.0)
        self._daily(end + timedelta(days=1))
        self.assertEqual(move.billing_late_fee_ids.mapped("amount_total"), [10.0], "the next overdue run adds the fee")
        self._daily(end + timedelta(days=15))
        self.assertGreater(len(self._dunning()), len(dunning), "dunning resumes: the next step counts from the end")
        self.assertAccountMoney(self.parent_rivera, 110.0)
        self.assertEqual(plan.state, "defaulted")

    def test_void_respreads_over_future_installments_and_edits_keep_history(self):
        moves = self._two_overdue()
        plan = self._plan(moves, [(START, 60.0), (date(2026, 4, 4), 100.0), (date(2026, 5, 4), 100.0)])
        with freeze_time(START + timedelta(days=1)):
            moves[0]._billing_register_payment(60.0, START, "check", "CHK-60")
        self.assertEqual(self._states(plan), ["paid", "due", "due"])
        # A void of the second invoice takes its 130.00 off the future installments.
        with freeze_time(START + timedelta(days=3)):
            moves[1]._billing_void("Billed twice")
        self._daily(START + timedelta(days=3))
        self.assertEqual(plan.installment_ids.mapped("amount"), [60.0, 35.0, 35.0])
        self.assertIn("spread over the future installments", " ".join(plan.message_ids.mapped("body")))
        self.assertAccountMoney(self.parent_rivera, 70.0)
        # Staff move an amount between future installments: logged; a total that no longer adds up is refused.
        with freeze_time(START + timedelta(days=4)):
            plan.write(
                {
                    "installment_ids": [
                        Command.update(plan.installment_ids[1].id, {"amount": 20.0, "date": date(2026, 4, 10)}),
                        Command.update(plan.installment_ids[2].id, {"amount": 50.0}),
                    ]
                }
            )
            self.assertIn("35.00 → 04/10/2026", html_text(" ".join(plan.message_ids.mapped("body"))))
            with self.assertRaisesRegex(UserError, "future installments"):
                plan.installment_ids[0].amount = 10.0
            with self.assertRaisesRegex(ValidationError, "add up to"):
                plan.installment_ids[2].amount = 49.0
            self.env.invalidate_all()
            plan.action_cancel()
        self.assertEqual(plan.state, "cancelled")
        self.assertFalse(moves[0].billing_collection_held)
        self.assertAccountMoney(self.parent_rivera, 70.0)

    def test_clerk_builds_a_plan_in_the_form_from_the_menu(self):
        move = self._invoice_due()
        menu = self.env.ref("parent_billing.practice_payment_plan_menu")
        self.assertEqual(menu.parent_id, self.env.ref("parent_billing.parent_billing_menu_invoicing"))
        with freeze_time(START):
            form = Form(self.env["practice.payment.plan"].with_user(self.billing_user))
            form.partner_id = self.parent_rivera
            form.move_ids.add(move)
            with form.installment_ids.new() as line:
                line.date = START
                line.amount = 65.0
            with form.installment_ids.new() as line:
                line.date = START + timedelta(days=30)
                line.amount = 65.0
            plan = form.save()
            plan.with_user(self.billing_user).action_activate()
        self.assertEqual(plan.state, "active")
        self.assertEqual(plan.amount_remaining, 130.0)
        with self.assertRaisesRegex(UserError, "cancel it instead"):
            plan.with_user(self.billing_manager).unlink()
        with self.assertRaisesRegex(UserError, "daily plan run"):
            plan.installment_ids[1].with_user(self.billing_user).missed_date = START
        with self.assertRaisesRegex(UserError, "change through its actions"):
            plan.with_user(self.billing_user).state = "completed"
        self.assertAccountMoney(self.parent_rivera, 130.0)

    def test_installment_charge_waits_for_a_payment_in_flight(self):
        move = self._invoice_due()
        plan = self._plan(move, [(START, 130.0)])
        with freeze_time(START):
            plan.with_user(self.user_maria)._billing_plan_accept(self._token(self.parent_rivera))
            tx = self._demo_transaction(self.provider, move, 20.0)  # the parent is on the Pay now page
        self._daily(START)
        self.assertFalse(plan.installment_ids.transaction_ids, "no charge while another payment is in flight")
        self._abandon(tx)
        self._daily(START)
        self.assertEqual(plan.installment_ids.transaction_ids.mapped("amount"), [130.0])
        self.assertEqual(plan.state, "completed")
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_card_accepted_late_charges_each_due_installment_once(self):
        move = self._invoice_due()
        plan = self._plan(move, [(START, 60.0), (START + timedelta(days=5), 70.0)])
        self._daily(START)
        self.assertEqual(len(self._plan_mails(plan, "installment")), 1, "no card yet: a reminder")
        with freeze_time(START + timedelta(days=6)):
            plan.with_user(self.user_maria)._billing_plan_accept(self._token(self.parent_rivera))
        self._daily(START + timedelta(days=6))
        self.assertEqual(plan.installment_ids.mapped(lambda i: i.transaction_ids.amount), [60.0, 70.0])
        self.assertEqual(plan.state, "completed")
        self.assertEqual(len(self._plan_mails(plan, "installment")), 1, "no reminder once charged")
        self.assertAccountMoney(self.parent_rivera, 0.0)

    def test_new_invoice_is_billed_apart_unless_staff_add_it(self):
        move = self._invoice_due()
        plan = self._plan(move, [(START, 30.0), (date(2026, 4, 4), 100.0)])
        with freeze_time(START + timedelta(days=1)):
            new = self._sent_invoice(count=1, units=2.0)  # 65.00
            new._billing_register_payment(5.0, START + timedelta(days=1), "check", "CHK-5")
            self.assertFalse(new.billing_collection_held, "a new invoice is billed apart")
            with Form(plan.with_user(self.billing_user)) as form:
                form.move_ids.add(new)
            with self.assertRaisesRegex(UserError, "cannot be taken out"):
                plan.with_user(self.billing_user).write({"move_ids": [Command.unlink(move.id)]})
        self.assertTrue(new.billing_collection_held)
        self.assertEqual(plan.installment_ids.mapped("amount"), [30.0, 160.0], "its 60.00 balance is spread")
        self.assertEqual(plan.amount_remaining, 190.0)
        self.assertEqual(plan.amount_paid, 0.0)
        self.assertIn("spread over the future installments", " ".join(plan.message_ids.mapped("body")))
        self.assertAccountMoney(self.parent_rivera, 190.0)


@tagged("post_install", "-at_install")
class TestPaymentPlanPortal(JsonRpcMixin, PlanCommon, HttpCase):
    def _pay_on_plan_page(self, plan, amount):
        """Pay ahead on the plan's portal page with a new demo card: the
        JSON-RPC answer of its transaction route."""
        return self._jsonrpc(
            f"/my/payment_plans/{plan.id}/transaction",
            self._demo_pay_params(self.provider, amount, f"/my/payment_plans/{plan.id}"),
        )

    def test_parent_sees_the_schedule_accepts_and_pays_ahead(self):
        moves = self._two_overdue()
        plan = self._plan(moves, [(START, 60.0), (date(2026, 4, 4), 100.0), (date(2026, 5, 4), 100.0)])
        card = self._token(self.parent_rivera, digits="1111")
        self._token(self.parent_chen, digits="9999")
        self.authenticate("maria", "maria-pass-1234")
        html = self.url_open(f"/my/payment_plans/{plan.id}").text
        text = html_text(html)
        for expected in ("$ 60.00", "$ 100.00", "04/04/2026", "05/04/2026", "Pay now $ 60.00", "1111"):
            self.assertIn(expected, text)
        self.assertNotIn("9999", text, "only her own cards")
        terms = plan._billing_plan_terms(card)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        html = self.url_open(
            f"/my/payment_plans/{plan.id}/accept",
            data={"csrf_token": csrf, "token_id": card.id, "consent": "1", f"terms_{card.id}": terms},
        ).text
        self.assertIn("the plan is accepted", html_text(html))
        self.assertEqual(plan.token_id, card)
        # Pay ahead: Odoo's payment page for the next installment, paid on the plan's invoices.
        pay = re.search(r'href="(/payment/pay\?[^"]+)"', html).group(1).replace("&amp;", "&")
        self.assertEqual(self.url_open(pay).status_code, 200)
        response = self._pay_on_plan_page(plan, 60.0)
        self.assertNotIn("error", response, response.get("error"))
        tx = self.env["payment.transaction"].sudo().search([("reference", "=", response["result"]["reference"])])
        self.assertEqual(tx.invoice_ids, moves)
        self.env["payment.transaction"].sudo()._handle_notification_data(
            "demo", {"reference": tx.reference, "simulated_state": "done"}
        )
        tx._post_process()
        self.assertEqual(self._states(plan), ["paid", "due", "due"])
        self.assertAccountMoney(self.parent_rivera, 200.0)
        # More than the covered balance is refused.
        refused = self._pay_on_plan_page(plan, 250.0)
        self.assertIn("more than the balance", refused["error"]["data"]["message"])
        # Another family sees nothing.
        self.authenticate(None, None)
        self.env["res.users"].create(
            {
                "login": "david",
                "password": "david-pass-1234",
                "partner_id": self.parent_chen.id,
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        self.authenticate("david", "david-pass-1234")
        with mute_logger("odoo.http"):
            self.assertEqual(self.url_open(f"/my/payment_plans/{plan.id}").status_code, 404)


@tagged("post_install", "-at_install")
class TestPaymentPlanConcurrency(RealConnectionsCase):
    """Two plan runs at the same time, on real connections: one charge per installment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        skip_unless_installed(cls.env, "payment_demo")

    def _committed_plan(self):
        ids = self._commit_family("Plan", price=100.0, invoice=True)
        with self._connection() as env:
            move = env["account.move"].browse(ids["move"])
            move.action_billing_send()
            parent = env["res.partner"].browse(ids["parent"])
            token = env["payment.token"].create(
                {
                    "provider_id": env.ref("payment.payment_provider_demo").id,
                    "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                    "partner_id": parent.id,
                    "payment_details": "4242",
                    "provider_ref": "demo-4242",
                    "demo_simulated_state": "done",
                }
            )
            day = move.invoice_date_due
            plan = env["practice.payment.plan"].create(
                {
                    "partner_id": parent.id,
                    "company_id": move.company_id.id,
                    "move_ids": [Command.set(move.ids)],
                    "installment_ids": [
                        Command.create({"date": day, "amount": 40.0}),
                        Command.create({"date": day + timedelta(days=30), "amount": 60.0}),
                    ],
                }
            )
            plan.action_activate()
            # Test setup: the acceptance a portal parent would give (no portal user on committed data).
            with env["account.move"]._billing_transition():
                plan.write({"token_id": token.id, "accepted_date": "2000-01-01 00:00:00"})
            ids.update(token=token.id, plan=plan.id, day=str(day))
            env.cr.commit()  # pylint: disable=invalid-commit
        self._cleanup_committed(self._remove_plan, ids)
        return ids

    def _remove_plan(self, env, ids):
        parent = env["res.partner"].browse(ids["parent"])
        self._remove_payments(env, parent)
        plan = env["practice.payment.plan"].browse(ids["plan"])
        env["mail.activity"].search([("res_model", "=", plan._name), ("res_id", "=", plan.id)]).unlink()
        env["mail.mail"].search([("model", "=", plan._name), ("res_id", "=", plan.id)]).unlink()
        plan.write({"state": "cancelled"})
        plan.installment_ids.with_context(billing_plan_batch=True).unlink()
        plan.unlink()
        env["payment.token"].browse(ids["token"]).unlink()

    def test_two_concurrent_runs_charge_each_installment_once(self):
        ids = self._committed_plan()
        with freeze_time(ids["day"]), self._connection() as env1, self._connection() as env2:
            env1["practice.payment.plan"]._cron_billing_payment_plans()
            env1.flush_all()
            # The second worker runs while the first has not committed: the plan is busy.
            env2["practice.payment.plan"]._cron_billing_payment_plans()
            env2.flush_all()
            env1.cr.commit()
            env2.cr.commit()
            env2.invalidate_all()
            env2["practice.payment.plan"]._cron_billing_payment_plans()
            env2.cr.commit()
        with self._connection() as env:
            plan = env["practice.payment.plan"].browse(ids["plan"])
            first = plan.installment_ids[0]
            self.assertRecordValues(first.transaction_ids, [{"state": "done", "amount": 40.0}])
            self.assertFalse(plan.installment_ids[1].transaction_ids)
            self.assertEqual(plan.installment_ids.mapped("state"), ["paid", "due"])
            payments = env["account.payment"].search([("partner_id", "=", ids["parent"])])
            self.assertEqual(len(payments), 1)
            move = env["account.move"].browse(ids["move"])
            self.assertEqual(move.billing_amount_due, 60.0)
            self.assertEqual(ledger_balance(env, move.partner_id), 60.0, "ledger")
            self.assertEqual(billing_ar(env, move.partner_id, ids["day"]), 60.0, "Billing AR")
        # A second charge of the same installment is refused by the database.
        with self._connection() as env, self.assertRaises(errors.UniqueViolation), mute_logger("odoo.sql_db"):
            first = env["practice.payment.plan.installment"].browse(
                env["practice.payment.plan"].browse(ids["plan"]).installment_ids[0].id
            )
            tx = first.transaction_ids
            env.cr.execute(
                "INSERT INTO payment_transaction (provider_id, payment_method_id, reference, amount, currency_id, "
                "partner_id, operation, state, billing_plan_installment_id, company_id) "
                "SELECT provider_id, payment_method_id, reference || '-x', amount, currency_id, partner_id, operation, "
                "'pending', billing_plan_installment_id, company_id FROM payment_transaction WHERE id = %s",
                [tx.id],
            )
