"""Autopay (issue 12): the balance of a family invoice is charged to the
parent's saved card at the moment the practice chose (at Send or on the due
date) through Odoo's demo provider (its token's simulated state says whether
the card is accepted); declines are tried again on the practice's schedule,
then stop; a revoked consent stops charging; reruns, a second worker and the
provider's notifications never make a second charge. After each scenario the
parent's ledger, the invoice's balance and Billing AR agree to the cent."""

import re
from datetime import date

from freezegun import freeze_time
from psycopg2 import errors

from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, HttpCase, tagged
from odoo.tools import mute_logger

from .common import (
    JsonRpcMixin,
    RealConnectionsCase,
    billing_ar,
    demo_card,
    html_text,
    ledger_balance,
    skip_unless_installed,
)
from .test_credits import CreditsCommon


class AutopayCommon(CreditsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_maria = cls._portal_user("maria", cls.parent_rivera)
        cls.cron = cls.env.ref("parent_billing.ir_cron_billing_autopay")

    def setUp(self):
        super().setUp()
        self.provider = self._enable_demo_provider()

    def _token(self, partner, state="done", digits="4242"):
        return self._demo_card(self.provider, partner, state, digits)

    def _enroll(self, token, user=None):
        """What the parent does on /my/autopay: agree to the wording shown."""
        user = user or self.user_maria
        parent = user.partner_id.with_user(user)
        wording = parent.sudo()._billing_autopay_wording(token, self.company)
        return parent._billing_autopay_enroll(token, wording, self.company)

    def _run(self):
        self.env["account.move"]._cron_billing_autopay()

    def _autopay_invoice(self, token, run_on=None):
        """A 65.00 invoice sent on 2026-04-01 to Maria, enrolled with ``token``;
        the autopay run has charged it on ``run_on`` when given."""
        with freeze_time("2026-04-01"):
            self._enroll(token)
            move = self._sent_invoice(count=1, units=2.0)
        if run_on:
            with freeze_time(run_on):
                self._run()
        return move

    def _declined_emails(self, move):
        return self.env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", move.id), ("subject", "ilike", "declined")]
        )


@tagged("post_install", "-at_install")
class TestAutopay(AutopayCommon):
    def test_autopay_at_send_charges_the_balance_once(self):
        self.company.billing_autopay_when = "send"
        token = self._token(self.parent_rivera)
        with freeze_time("2026-04-01 09:00:00"):
            self._enroll(token)
        with freeze_time("2026-04-01 10:00:00"):
            self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]).unlink()
            move = self._draft_invoice(count=1, units=2.0)  # 65.00, due 2026-05-01
            move.with_user(self.billing_user).action_billing_send()  # the clerk's Send
            self.assertTrue(
                self.env["ir.cron.trigger"].search([("cron_id", "=", self.cron.id)]), "Send starts the run at once"
            )
            self.assertEqual(move.billing_autopay_next_date, date(2026, 4, 1))
            self._run()
            tx = move.billing_autopay_transaction_ids
            self.assertRecordValues(
                tx,
                [
                    {
                        "state": "done",
                        "operation": "offline",
                        "amount": 65.0,
                        "token_id": token.id,
                        "reference": f"{move.name}-autopay-1",
                        "billing_autopay_try": 1,
                    }
                ],
            )
            self.assertRecordValues(
                move.billing_payment_ids, [{"amount": 65.0, "billing_method": "card", "payment_transaction_id": tx.id}]
            )
            self._assert_books(0.0, [(move, 0.0, 65.0, 0.0, "paid")])
            # Reruns, a late notification and post-processing again: still one payment.
            self._run()
            self.env["payment.transaction"].sudo()._handle_notification_data(
                "demo", {"reference": tx.reference, "simulated_state": "done"}
            )
            tx._post_process()
            self._run()
        self.assertEqual(move.billing_autopay_transaction_ids, tx)
        self.assertEqual(len(move.billing_payment_ids), 1)
        self.assertFalse(move.billing_autopay_next_date)
        self._assert_books(0.0, [(move, 0.0, 65.0, 0.0, "paid")])

    def test_autopay_on_due_date_charges_once(self):
        self.assertEqual(self.company.billing_autopay_when, "due", "the default")
        with freeze_time("2026-04-01"):
            self._enroll(self._token(self.parent_rivera))
            move = self._sent_invoice(count=1, units=2.0)
            self._run()
            self.assertFalse(move.billing_autopay_transaction_ids, "not at Send")
            self.assertEqual(move.billing_autopay_next_date, date(2026, 5, 1))
        with freeze_time("2026-04-30"):
            self._run()
            self.assertFalse(move.billing_autopay_transaction_ids, "not before the due date")
            self._assert_books(65.0, [(move, 0.0, 0.0, 65.0, "sent")])
        with freeze_time("2026-05-01"):
            self._run()
            self._run()
        with freeze_time("2026-05-02"):
            self._run()
        self.assertRecordValues(
            move.billing_autopay_transaction_ids,
            [{"state": "done", "amount": 65.0, "billing_autopay_date": date(2026, 5, 1)}],
        )
        self._assert_books(0.0, [(move, 0.0, 65.0, 0.0, "paid")])

    def test_autopay_charges_what_the_credit_left(self):
        self.company.billing_autopay_when = "send"
        with freeze_time("2026-04-01"):
            self._overpaid(100.0)  # 35.00 credit
            self._enroll(self._token(self.parent_rivera))
            move = self._sent_invoice(count=1, units=2.0)
            self._run()
        self.assertRecordValues(move.billing_autopay_transaction_ids, [{"state": "done", "amount": 30.0}])
        self._assert_books(0.0, [(move, 35.0, 65.0, 0.0, "paid")])
        self.assertEqual(move.billing_amount_paid_direct, 30.0)

    def test_decline_reported_later_by_the_provider_is_handled_once(self):
        token = self._token(self.parent_rivera, state="pending")
        move = self._autopay_invoice(token, run_on="2026-05-01")
        with freeze_time("2026-05-01"):
            tx = move.billing_autopay_transaction_ids
            # The provider's webhook: the card was declined after all.
            self.env["payment.transaction"].sudo()._handle_notification_data(
                "demo", {"reference": tx.reference, "simulated_state": "error"}
            )
            # Post-processed by the status poll and again by Odoo's post-processing cron.
            tx._post_process()
            tx._post_process()
        self.assertEqual(tx.state, "error")
        self.assertEqual(len(self._declined_emails(move)), 1)
        self.assertEqual(move.billing_autopay_next_date, date(2026, 5, 2))
        self._assert_books(65.0, [(move, 0.0, 0.0, 65.0, "sent")])

    def test_invoice_sent_before_consent_is_not_charged_at_send(self):
        self.company.billing_autopay_when = "send"
        with freeze_time("2026-04-01 09:00:00"):
            move = self._sent_invoice(count=1, units=2.0)
        with freeze_time("2026-04-01 10:00:00"):
            self._enroll(self._token(self.parent_rivera))
            self._run()
        self.assertFalse(move.billing_autopay_transaction_ids)
        self._assert_books(65.0, [(move, 0.0, 0.0, 65.0, "sent")])

    def test_declines_retry_on_schedule_then_stop(self):
        self.company.billing_autopay_retry_days = "1,3"
        move = self._autopay_invoice(self._token(self.parent_rivera, state="error"))
        expected = {
            "2026-05-01": 1,  # the due date: first try, declined
            "2026-05-02": 2,  # one day after the first try
            "2026-05-03": 2,
            "2026-05-04": 3,  # three days after the first try: the last
            "2026-05-05": 3,
            "2026-05-20": 3,
        }
        for day, tries in expected.items():
            with freeze_time(day):
                self._run()
                self._run()
                self.assertEqual(len(move.billing_autopay_transaction_ids), tries, day)
        txs = move.billing_autopay_transaction_ids.sorted("billing_autopay_try")
        self.assertEqual(txs.mapped("state"), ["error"] * 3)
        self.assertEqual(txs.mapped("billing_autopay_date"), [date(2026, 5, 1), date(2026, 5, 2), date(2026, 5, 4)])
        self.assertFalse(move.billing_autopay_next_date)
        # The invoice simply stays open.
        self.assertFalse(move.billing_payment_ids)
        self._assert_books(65.0, [(move, 0.0, 0.0, 65.0, "sent")])
        # Each decline told the parent (update the card / pay now) and staff.
        emails = self._declined_emails(move)
        self.assertEqual(len(emails), 3)
        self.assertEqual(emails.mapped("recipient_ids"), self.parent_rivera)
        first = emails.sorted("id")[0].body_html
        for expected_text in ("/my/autopay", move.get_portal_url(), move.name, "try again on"):
            self.assertIn(expected_text, first)
        for private in ("Sofia", "4242", "ABA", "97153"):
            self.assertNotIn(private, first + emails[0].subject)
        self.assertIn("will not try this card again", emails.sorted("id")[-1].body_html)
        activities = move.activity_ids.filtered(lambda a: a.summary == "Autopay declined")
        self.assertEqual(len(activities), 3)
        self.assertIn("it is not tried again and the invoice stays open", self._notes(move))

    def test_revoked_consent_stops_charging(self):
        self.company.billing_autopay_retry_days = "1,3"
        token = self._token(self.parent_rivera, state="error")
        with freeze_time("2026-04-01"):
            consent = self._enroll(token)
            move = self._sent_invoice(count=1, units=2.0)
        with freeze_time("2026-05-01"):
            self._run()
            self.assertEqual(len(move.billing_autopay_transaction_ids), 1)
            # The parent turns autopay off in the portal.
            self.parent_rivera.with_user(self.user_maria).sudo()._billing_autopay_revoke("Turned off by the parent.")
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)
        self.assertRecordValues(consent, [{"revoked_by_id": self.user_maria.id, "active_consent": False}])
        self.assertEqual(str(consent.revoked_date.date()), "2026-05-01")
        for day in ("2026-05-02", "2026-05-04", "2026-05-31"):
            with freeze_time(day):
                self._run()
        self.assertEqual(len(move.billing_autopay_transaction_ids), 1)
        self._assert_books(65.0, [(move, 0.0, 0.0, 65.0, "sent")])

    def test_staff_turn_autopay_off_and_removed_card_stops_it(self):
        token = self._token(self.parent_rivera)
        consent = self._enroll(token)
        self.assertEqual(self.parent_rivera.with_user(self.billing_user).billing_autopay_card, token.display_name)
        self.parent_rivera.with_user(self.billing_user).action_billing_autopay_disable()
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)
        self.assertRecordValues(
            consent, [{"revoked_by_id": self.billing_user.id, "revoked_reason": "Turned off by billing staff."}]
        )
        # The parent turns it on again, then removes the card in /my/payment_method.
        self._enroll(token)
        token.with_user(self.user_maria).sudo().active = False
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)
        with freeze_time("2026-04-01"):
            move = self._sent_invoice(count=1, units=2.0)
        with freeze_time("2026-05-01"):
            self._run()
        self.assertFalse(move.billing_autopay_transaction_ids)

    def test_charge_includes_late_fee_after_decline_and_new_card(self):
        self.company.write(
            {"billing_late_fee_type": "flat", "billing_late_fee_amount": 10.0, "billing_late_fee_days": 1}
        )
        self.company.billing_autopay_retry_days = "1,3"
        move = self._autopay_invoice(self._token(self.parent_rivera, state="error", digits="0002"), run_on="2026-05-01")
        with freeze_time("2026-05-02"):
            self.env["account.move"]._cron_billing_overdue()
            self.assertEqual(move.billing_amount_due, 75.0, "the late fee is in the balance")
            # The parent saved a new card and chose it for autopay.
            self._enroll(self._token(self.parent_rivera, digits="4242"))
            self._run()
        second = move.billing_autopay_transaction_ids.filtered(lambda t: t.state == "done")
        self.assertRecordValues(second, [{"amount": 75.0, "billing_autopay_try": 2}])
        self.assertEqual(second.invoice_ids, move | move.billing_late_fee_ids)
        self._assert_books(0.0, [(move, 0.0, 75.0, 0.0, "paid")])

    def test_pending_charge_blocks_another_until_the_webhook(self):
        token = self._token(self.parent_rivera, state="pending")
        move = self._autopay_invoice(token, run_on="2026-05-01")
        with freeze_time("2026-05-01"):
            tx = move.billing_autopay_transaction_ids
            self.assertEqual(tx.state, "pending")
        with freeze_time("2026-05-02"):
            self._run()
            self.assertEqual(move.billing_autopay_transaction_ids, tx, "a pending charge is never doubled")
            self.env["payment.transaction"].sudo()._handle_notification_data(
                "demo", {"reference": tx.reference, "simulated_state": "done"}
            )
            tx._post_process()
            self._run()
        self.assertEqual(move.billing_autopay_transaction_ids, tx)
        self._assert_books(0.0, [(move, 0.0, 65.0, 0.0, "paid")])

    def test_one_live_charge_per_invoice_is_enforced_by_the_database(self):
        token = self._token(self.parent_rivera, state="pending")
        move = self._autopay_invoice(token, run_on="2026-05-01")
        vals = {
            "provider_id": self.provider.id,
            "payment_method_id": token.payment_method_id.id,
            "token_id": token.id,
            "reference": "forced-second-charge",
            "amount": 65.0,
            "currency_id": self.currency.id,
            "partner_id": self.parent_rivera.id,
            "operation": "offline",
            "billing_autopay_move_id": move.id,
        }
        with (
            self.assertRaisesRegex(errors.UniqueViolation, "payment_transaction_billing_autopay_uniq"),
            mute_logger("odoo.sql_db"),
            self.env.cr.savepoint(),
        ):
            self.env["payment.transaction"].sudo().create(vals).flush_recordset()

    def test_retry_schedule_is_validated(self):
        for bad in ("1,x", "0", "3,1", "1,,2", "99"):
            with self.assertRaisesRegex(Exception, "Autopay retr"):
                self.company.billing_autopay_retry_days = bad
                self.company.flush_recordset()
        self.company.billing_autopay_retry_days = " 2, 5 "
        self.assertEqual(self.company._billing_autopay_retries(), [2, 5])

    def test_enroll_only_with_own_card_and_the_exact_wording(self):
        jose = self.env["res.partner"].create({"name": "Jose Rivera", "parent_id": self.parent_rivera.id})
        user_jose = self._portal_user("jose", jose)
        maria_card = self._token(self.parent_rivera)
        with self.assertRaisesRegex(AccessError, "choose one of your saved cards"):
            self._enroll(maria_card, user=user_jose)
        with self.assertRaisesRegex(AccessError, "Only the parent"):
            wording = self.parent_rivera._billing_autopay_wording(maria_card, self.company)
            self.parent_rivera.with_user(self.billing_user)._billing_autopay_enroll(maria_card, wording, self.company)
        with self.assertRaisesRegex(UserError, "terms have changed"):
            self.parent_rivera.with_user(self.user_maria)._billing_autopay_enroll(
                maria_card, "I agree to nothing.", self.company
            )
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)
        self.assertFalse(jose.billing_autopay_token_id)
        self.assertFalse(self.env["practice.autopay.consent"].search([]))


@tagged("post_install", "-at_install")
class TestAutopayScreens(AutopayCommon):
    def test_manager_sets_when_and_retries_in_invoice_settings(self):
        action = (
            self.env.ref("parent_billing.res_company_action_billing_settings").with_user(self.billing_manager).run()
        )
        form = Form.from_action(self.env(user=self.billing_manager), action)
        form.billing_autopay_when = "send"
        form.billing_autopay_retry_days = "2,5"
        form.save()
        self.assertRecordValues(self.company, [{"billing_autopay_when": "send", "billing_autopay_retry_days": "2,5"}])

    def test_staff_see_the_card_and_consent_on_the_parents_contact(self):
        token = self._token(self.parent_rivera)
        with freeze_time("2026-04-01 09:30:00"):
            consent = self._enroll(token)
        form = Form(self.parent_rivera.with_user(self.billing_user))
        self.assertEqual(form.billing_autopay_card, token.display_name)
        self.assertEqual(len(form.billing_autopay_consent_ids), 1)
        self.assertRecordValues(
            self.parent_rivera.with_user(self.billing_user).billing_autopay_consent_ids,
            [{"user_id": self.user_maria.id, "wording": consent.wording, "card": token.display_name}],
        )
        self.assertIn("I authorize", consent.wording)
        self.assertIn(token.display_name, consent.wording)
        self.assertEqual(str(consent.date), "2026-04-01 09:30:00")


@tagged("post_install", "-at_install")
class TestAutopayPortalAndRpc(JsonRpcMixin, AutopayCommon, HttpCase):
    """The portal as the parent and as a second contact of the family, and
    JSON-RPC as the billing clerk."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._portal_second_contact()

    def _page(self, login, url="/my/autopay"):
        self.authenticate(login, f"{login}-pass-1234")
        response = self.url_open(url)
        self.assertEqual(response.status_code, 200)
        return response.text

    def _post(self, url, html, **data):
        csrf = re.search(r'name="csrf_token" value="([^"]+)"|csrf_token: "([^"]+)"', html)
        csrf = csrf.group(1) or csrf.group(2)
        response = self.url_open(url, data={"csrf_token": csrf, **data})
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_parent_turns_autopay_on_and_off_in_the_portal(self):
        card = self._token(self.parent_rivera, digits="1111")
        html = self._page("maria")
        wording = self.parent_rivera._billing_autopay_wording(card, self.company)
        self.assertIn("Autopay is off", html_text(html))
        self.assertIn(wording, html_text(html).replace("&#39;", "'"))
        html = self._post("/my/autopay/enable", html, token_id=card.id, consent="1", **{f"wording_{card.id}": wording})
        self.assertIn("Autopay is on", html_text(html))
        consent = self.parent_rivera.billing_autopay_consent_id
        self.assertRecordValues(
            consent,
            [
                {
                    "user_id": self.user_maria.id,
                    "token_id": card.id,
                    "wording": wording,
                    "partner_id": self.parent_rivera.id,
                }
            ],
        )
        self.assertEqual(self.parent_rivera.billing_autopay_token_id, card)
        self.assertIn(f"Autopay turned on by {self.user_maria.name}", self._notes(self.parent_rivera))
        html = self._post("/my/autopay/revoke", html)
        self.assertIn("Autopay is off", html_text(html))
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)
        self.assertEqual(consent.revoked_by_id, self.user_maria)

    def test_consent_box_is_required(self):
        card = self._token(self.parent_rivera)
        html = self._page("maria")
        wording = self.parent_rivera._billing_autopay_wording(card, self.company)
        html = self._post("/my/autopay/enable", html, token_id=card.id, **{f"wording_{card.id}": wording})
        self.assertIn("Tick the box", html_text(html))
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)

    def test_second_contact_cannot_see_or_use_the_parents_autopay(self):
        card = self._token(self.parent_rivera, digits="1111")
        self._enroll(card)
        html = self._page("jose")
        text = html_text(html)
        self.assertIn("Autopay is off", text)
        self.assertNotIn("1111", text, "Maria's card")
        self.assertNotIn("I authorize", text, "Maria's consent")
        wording = self.parent_rivera._billing_autopay_wording(card, self.company)
        html = self._post("/my/autopay/enable", html, token_id=card.id, consent="1", **{f"wording_{card.id}": wording})
        self.assertIn("choose one of your saved cards", html_text(html))
        self.assertFalse(self.jose.billing_autopay_token_id)
        # Revoking as Jose turns off Jose's autopay only, never Maria's.
        self._post("/my/autopay/revoke", html)
        self.assertEqual(self.parent_rivera.billing_autopay_token_id, card)
        self.assertFalse(self.parent_rivera.billing_autopay_consent_id.revoked_date)

    # --- JSON-RPC as the billing clerk -------------------------------------------
    def test_clerk_cannot_set_a_card_or_forge_consent_over_rpc(self):
        chen_card = self._token(self.parent_chen)
        maria_card = self._token(self.parent_rivera)
        self.authenticate("clerk", "clerk")
        self._refused(
            "res.partner",
            "write",
            [self.parent_rivera.ids, {"billing_autopay_token_id": chen_card.id}],
            match="Autopay",
        )
        self._refused(
            "res.partner",
            "write",
            [self.parent_rivera.ids, {"billing_autopay_token_id": maria_card.id}],
            match="Autopay",
        )
        self._refused(
            "res.partner", "create", [{"name": "Forged", "billing_autopay_token_id": maria_card.id}], match="Autopay"
        )
        self._refused(
            "practice.autopay.consent",
            "create",
            [
                {
                    "partner_id": self.parent_rivera.id,
                    "company_id": self.company.id,
                    "user_id": self.user_maria.id,
                    "date": "2026-01-01 00:00:00",
                    "wording": "I agree.",
                }
            ],
        )
        self._refused(
            "res.partner",
            "_billing_autopay_enroll",
            [self.parent_rivera.ids, maria_card.id, "I agree.", self.company.id],
            match="cannot be called remotely",
        )
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)
        self.assertFalse(self.env["practice.autopay.consent"].search([]))
        # Staff can turn it off over RPC, and read what the parent agreed to.
        self._enroll(maria_card)
        consents = self._call(
            "practice.autopay.consent", "search_read", [[("partner_id", "=", self.parent_rivera.id)], ["wording"]]
        )["result"]
        self.assertIn("I authorize", consents[0]["wording"])
        self.assertNotIn("error", self._call("res.partner", "action_billing_autopay_disable", [self.parent_rivera.ids]))
        self.assertFalse(self.parent_rivera.billing_autopay_token_id)


@tagged("post_install", "-at_install")
class TestAutopayConcurrency(RealConnectionsCase):
    """Two workers and the provider's notification at the same time, on real
    database connections: one charge, one payment."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        skip_unless_installed(cls.env, "payment_demo")

    def _committed_autopay_invoice(self, state="done"):
        ids = self._commit_family("Autopay", price=65.0, invoice=True)
        with self._connection() as env:
            move = env["account.move"].browse(ids["move"])
            move.action_billing_send()
            parent = env["res.partner"].browse(ids["parent"])
            token = demo_card(env, env.ref("payment.payment_provider_demo"), parent, state)
            # Test setup: the consent a portal parent would give (no portal user on committed data).
            with env["account.move"]._billing_transition():
                consent = env["practice.autopay.consent"].create(
                    {
                        "partner_id": parent.id,
                        "company_id": move.company_id.id,
                        "token_id": token.id,
                        "card": token.display_name,
                        "user_id": env.uid,
                        "date": "2000-01-01 00:00:00",
                        "wording": "I authorize the practice to charge my card.",
                    }
                )
                parent.write({"billing_autopay_token_id": token.id, "billing_autopay_consent_id": consent.id})
            ids.update(token=token.id, consent=consent.id, due=str(move.invoice_date_due))
            env.cr.commit()  # pylint: disable=invalid-commit
        self._cleanup_committed(self._remove_autopay, ids)
        return ids

    def _remove_autopay(self, env, ids):
        parent = env["res.partner"].browse(ids["parent"])
        parent.write({"billing_autopay_token_id": False, "billing_autopay_consent_id": False})
        env["practice.autopay.consent"].browse(ids["consent"]).unlink()
        self._remove_payments(env, parent)
        env["payment.token"].browse(ids["token"]).unlink()
        env["mail.activity"].search([("res_model", "=", "account.move"), ("res_id", "=", ids["move"])]).unlink()

    def _run_beside_uncommitted(self, env1, env2):
        """The second worker runs autopay while the first has not committed
        its work; then both commit, and the second sees the first's work."""
        env1.flush_all()
        env2["account.move"]._cron_billing_autopay()
        env2.flush_all()
        env1.cr.commit()
        env2.cr.commit()
        env2.invalidate_all()

    def _run_behind_an_older_snapshot(self, ids):
        """Two workers run autopay: the second took its snapshot before the
        first committed its charge."""
        with self._connection() as env1, self._connection() as env2:
            env2.cr.execute("SELECT id FROM account_move WHERE id = %s", [ids["move"]])  # env2's snapshot: before
            env1["account.move"]._cron_billing_autopay()
            env1.cr.commit()
            env2["account.move"]._cron_billing_autopay()
            env2.cr.commit()

    def _check_one_payment(self, ids):
        with self._connection() as env:
            move = env["account.move"].browse(ids["move"])
            self.assertEqual(len(move.billing_autopay_transaction_ids), 1)
            self.assertEqual(move.billing_autopay_transaction_ids.state, "done")
            payments = env["account.payment"].search([("partner_id", "=", ids["parent"])])
            self.assertEqual(len(payments), 1)
            self.assertEqual(move.billing_payment_ids, payments)
            self.assertRecordValues(
                move, [{"billing_amount_paid": 65.0, "billing_amount_due": 0.0, "billing_state": "paid"}]
            )
            self.assertEqual(ledger_balance(env, move.partner_id), 0.0, "ledger")
            self.assertEqual(billing_ar(env, move.partner_id, ids["due"]), 0.0, "Billing AR")

    def test_two_concurrent_runs_charge_once(self):
        ids = self._committed_autopay_invoice()
        with freeze_time(ids["due"]), self._connection() as env1, self._connection() as env2:
            env1["account.move"]._cron_billing_autopay()
            # The second worker runs while the first has not committed: the invoice is busy.
            self._run_beside_uncommitted(env1, env2)
            # And after the first committed, a rerun finds the charge done.
            env2["account.move"]._cron_billing_autopay()
            env2.cr.commit()
        self._check_one_payment(ids)

    def test_run_with_an_older_snapshot_charges_once(self):
        ids = self._committed_autopay_invoice()
        with freeze_time(ids["due"]):
            self._run_behind_an_older_snapshot(ids)
        self._check_one_payment(ids)

    def test_webhook_and_run_at_the_same_time_give_one_payment(self):
        ids = self._committed_autopay_invoice(state="pending")
        with freeze_time(ids["due"]):
            with self._connection() as env:
                env["account.move"]._cron_billing_autopay()
                env.cr.commit()
            with self._connection() as env1, self._connection() as env2:
                tx = env1["account.move"].browse(ids["move"]).billing_autopay_transaction_ids
                self.assertEqual(tx.state, "pending")
                # The provider's notification arrives on one worker...
                env1["payment.transaction"]._handle_notification_data(
                    "demo", {"reference": tx.reference, "simulated_state": "done"}
                )
                tx._post_process()
                # ... while the autopay run and the post-processing cron run on another.
                self._run_beside_uncommitted(env1, env2)
                # The same notification delivered again, processed by the other worker.
                tx2 = env2["payment.transaction"].browse(tx.id)
                env2["payment.transaction"]._handle_notification_data(
                    "demo", {"reference": tx2.reference, "simulated_state": "done"}
                )
                tx2._post_process()
                env2["payment.transaction"]._cron_post_process()
                env2["account.move"]._cron_billing_autopay()
                env2.cr.commit()
        self._check_one_payment(ids)
