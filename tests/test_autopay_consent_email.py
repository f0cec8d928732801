"""Autopay as the family sees it (issue 24): turning autopay on (in the
portal, as the parent) queues an email of what she agreed to (the card by
brand and last 4 digits, when it charges, which invoices, how to turn it off,
the date and time of her consent); turning it off (by her, by staff) queues a
short confirmation. The autopay page and that email name the open invoices
autopay does not charge and why: the autopay run's own rule, written once
(``account.move._billing_autopay_skipped``)."""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo import fields, http
from odoo.tests import HttpCase, tagged
from odoo.tools.misc import format_datetime

from .common import JsonRpcMixin, html_text
from .test_autopay import AutopayCommon

DISPUTED = "It is under dispute: nothing is charged while the dispute is open."
DUE_BEFORE = "It was due before you turned autopay on."


class AutopayEmailCommon(AutopayCommon):
    def _autopay_mails(self, word):
        """The emails queued to Maria saying autopay is ``word`` (on, off)."""
        self.env.invalidate_all()
        return self.env["mail.mail"].search(
            [("recipient_ids", "in", self.parent_rivera.ids), ("subject", "=like", f"%: autopay is {word}")]
        )


@tagged("post_install", "-at_install")
class TestAutopayConsentEmail(JsonRpcMixin, AutopayEmailCommon, HttpCase):
    def _portal(self, url, **data):
        """Maria's /my/autopay page, or a form of it posted with ``data``."""
        if data:
            data["csrf_token"] = http.Request.csrf_token(self)
        response = self.url_open(url, data=data or None)
        self.assertEqual(response.status_code, 200)
        return html_text(response.text).replace("&#39;", "'").replace("\xa0", " ")

    def test_parent_turning_autopay_on_gets_what_she_agreed_to(self):
        self.client_sofia.write({"birthdate": date(2018, 5, 17), "diagnosis_codes": "F84.0"})
        today = fields.Date.today()
        charged = self._sent_invoice(count=1)  # due in 30 days: autopay charges it then
        late = self._invoice_due(due=today - timedelta(days=3))  # due before she turned autopay on
        disputed = self._sent_invoice(count=1, units=1.0)
        disputed._billing_open_dispute("The parent disputes the bill")
        card = self._token(self.parent_rivera, digits="1111")
        wording = self.parent_rivera._billing_autopay_wording(card, self.company)

        self.authenticate("maria", "maria-pass-1234")
        text = self._portal("/my/autopay/enable", token_id=card.id, consent="1", **{f"wording_{card.id}": wording})
        self.assertIn("Autopay is on", text)
        # The page says which open invoices autopay leaves alone, and why.
        self.assertIn("Autopay does not charge these open invoices:", text)
        self.assertIn(f"{late.name} ($ 130.00): {DUE_BEFORE}", text)
        self.assertIn(f"{disputed.name} ($ 32.50): {DISPUTED}", text)
        self.assertNotIn(charged.name, text)

        mail = self._autopay_mails("on")
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.state, "outgoing", "queued, not sent during the request")
        self.assertEqual(mail.recipient_ids, self.parent_rivera, "the parent alone")
        consent = self.parent_rivera.billing_autopay_consent_id
        body = html_text(mail.body_html).replace("&#39;", "'").replace("\xa0", " ")
        for expected in (
            "Demo ending in 1111",
            "When it charges On each invoice's due date",
            "The balance of each invoice billed to you and due from today on, late fees included",
            f"Agreed on {format_datetime(self.env, consent.date, tz='UTC', dt_format=False)} (UTC)",
            wording,
            f"{late.name} ($ 130.00): {DUE_BEFORE}",
            f"{disputed.name} ($ 32.50): {DISPUTED}",
        ):
            self.assertIn(expected, body)
        self.assertIn("/my/autopay", mail.body_html, "how to turn it off")
        for private in ("F84.0", "Sofia", "2018", charged.name):
            self.assertNotIn(private, body)

        text = self._portal("/my/autopay/revoke", go="1")
        self.assertIn("Autopay is off", text)
        mail = self._autopay_mails("off")
        self.assertEqual(len(mail), 1)
        body = html_text(mail.body_html)
        self.assertIn("your card Demo ending in 1111 is no longer charged", body)
        self.assertIn(format_datetime(self.env, consent.revoked_date, tz="UTC", dt_format=False), body)

    def test_staff_turning_autopay_off_confirms_it_to_the_parent(self):
        self._enroll(self._token(self.parent_rivera, digits="1111"))
        self._enroll(self._token(self.parent_rivera, digits="2222"))  # a new card replaces the consent
        self.assertEqual(len(self._autopay_mails("on")), 2)
        self.assertFalse(self._autopay_mails("off"), "a replaced consent is not 'autopay off'")
        self.authenticate("clerk", "clerk")
        self._rpc("res.partner", "action_billing_autopay_disable", [[self.parent_rivera.id]])
        mail = self._autopay_mails("off")
        self.assertEqual(len(mail), 1)
        self.assertIn("your card Demo ending in 2222 is no longer charged", html_text(mail.body_html))

    def test_parent_without_email_gets_a_note_instead(self):
        self.parent_rivera.email = False
        self._enroll(self._token(self.parent_rivera))
        self.assertFalse(self._autopay_mails("on"))
        self.assertIn(
            "No autopay confirmation was emailed: Maria Rivera has no email address.", self._notes(self.parent_rivera)
        )


@tagged("post_install", "-at_install")
class TestAutopaySkipReasons(AutopayEmailCommon):
    """The invoices the page lists are exactly those the run leaves alone."""

    def test_each_reason_the_run_uses(self):
        self.assertEqual(self.company.billing_autopay_when, "due")
        with freeze_time("2026-03-01"):
            old = self._sent_invoice(count=1)  # due 2026-03-31, before the consent
        with freeze_time("2026-04-01 09:00:00"):
            self._enroll(self._token(self.parent_rivera))
            disputed = self._sent_invoice(count=1)
            disputed._billing_open_dispute("The parent disputes the bill")
            in_flight = self._sent_invoice(count=1)
            tx = self._demo_transaction(self.provider, in_flight, 65.0)  # Pay now, not finished
            charged = self._sent_invoice(count=1)
            not_charged = self.parent_rivera._billing_autopay_not_charged()
            self.assertEqual(
                not_charged,
                [(old, DUE_BEFORE), (disputed, DISPUTED), (in_flight, "A payment for it is being processed.")],
            )
            for move, _reason in not_charged:
                self.assertFalse(move._billing_autopay_next_date(), move.name)
            self.assertEqual(charged._billing_autopay_next_date(), date(2026, 5, 1))
            self.company.billing_autopay_when = "send"
            self.assertEqual(
                old._billing_autopay_skipped(), {old: "It was sent before you turned autopay on."}, "at Send"
            )
            self.company.billing_autopay_when = "due"
        self._abandon(tx)
        with freeze_time("2026-05-01"):
            self._run()
        self.assertFalse(old.billing_autopay_transaction_ids | disputed.billing_autopay_transaction_ids)
        self.assertEqual(charged.billing_state, "paid")
        self.assertAccountMoney(self.parent_rivera, 130.0)
        self.parent_rivera._billing_pause_collections("Family emergency")
        reasons = dict(self.parent_rivera._billing_autopay_not_charged())
        self.assertEqual(reasons[old], "The practice has paused collections on your account.")
        self.assertEqual(reasons[disputed], DISPUTED, "a dispute is named first")
