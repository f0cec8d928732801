"""Good Faith Estimates (issue 21): the practice's NPI and TIN and the
client's birthdate and diagnosis codes are checked; issuing is refused for
each missing required item; an issued estimate has its PDF, a link-only
email and a portal page behind login; a revision supersedes; Send is refused
at estimate + guard and the manager sends with a logged reason; bulk send
reports it as the invoice's send error."""

import os
import re
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import HttpCase, tagged

from .common import BillingCommon, JsonRpcMixin, html_text


class EstimateCommon(BillingCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write({"billing_npi": "1234567893", "billing_tin": "12-3456789"})
        cls.company.partner_id.write({"street": "500 Harbor Lane", "city": "Springfield", "zip": "62701"})
        cls.client_sofia.write({"birthdate": "2019-06-14", "diagnosis_codes": "F84.0, f80.2"})

    def _estimate(self, sessions=4, units=2.0, service=None, **vals):
        """An estimate for Sofia: ``sessions`` x ``units`` of ABA (32.50), over this year from today."""
        today = fields.Date.today()
        return self.env["practice.estimate"].create(
            {
                "client_id": self.client_sofia.id,
                "date_from": today - timedelta(days=30),
                "date_to": today + timedelta(days=300),
                "frequency": "2 sessions a week",
                "separately_scheduled": "None",
                "date_scheduled": today,
                "line_ids": [
                    Command.create(
                        {"product_id": (service or self.service_aba).id, "units": units, "quantity": sessions}
                    )
                ],
                **vals,
            }
        )


@tagged("post_install", "-at_install")
class TestEstimateData(EstimateCommon):
    def test_npi_tin_and_guard_are_checked(self):
        with self.assertRaisesRegex(ValidationError, "check digit"):
            self.company.billing_npi = "1234567890"
        with self.assertRaisesRegex(ValidationError, "check digit"):
            self.company.billing_npi = "12345"
        self.company.billing_npi = "1245319599"
        with self.assertRaisesRegex(ValidationError, "9 digits"):
            self.company.billing_tin = "12-34567"
        self.company.billing_tin = "987654321"
        self.assertEqual(self.company.billing_gfe_dispute_threshold, 400.0)
        with self.assertRaisesRegex(ValidationError, "at most 400.00"):
            self.company.billing_gfe_dispute_threshold = 400.01
        self.company.billing_gfe_dispute_threshold = 250.0

    def test_diagnosis_codes_and_birthdate_are_checked(self):
        for bad in ("F8", "84.0", "F84.00000", "F84.0; F80.2", "autism"):
            with self.assertRaises(ValidationError, msg=bad):
                self.client_lily.diagnosis_codes = bad
        self.client_lily.diagnosis_codes = "F84.0,Z13.41, R62.50"
        with self.assertRaisesRegex(ValidationError, "future"):
            self.client_lily.birthdate = fields.Date.today() + timedelta(days=1)

    def test_line_rate_is_the_service_rate_and_total(self):
        estimate = self._estimate(sessions=10, units=2.0)
        self.assertRecordValues(estimate.line_ids, [{"unit_price": 32.5, "amount": 650.0, "service_code": "97153"}])
        self.assertEqual(estimate.amount_total, 650.0)
        self.assertTrue(estimate.name.startswith("GFE/"))
        self.assertEqual(estimate.partner_id, self.parent_rivera)


@tagged("post_install", "-at_install")
class TestIssueRefusals(EstimateCommon):
    """One test per required item of 45 CFR 149.610(c)."""

    def assertIssueRefused(self, estimate, item):
        with self.assertRaisesRegex(UserError, re.escape(item)):
            estimate.action_issue()
        self.assertEqual(estimate.state, "draft")

    def assertRefusedWithout(self, record, field, item):
        """Emptying ``field`` of ``record`` makes a new estimate's Issue refuse, naming ``item``."""
        record[field] = False
        self.assertIssueRefused(self._estimate(), item)

    def test_client_name(self):
        estimate = self._estimate()
        self.client_sofia.name = " "
        self.assertIssueRefused(estimate, "the client's name")

    def test_birthdate(self):
        self.assertRefusedWithout(self.client_sofia, "birthdate", "the client's date of birth")

    def test_diagnosis_codes(self):
        self.assertRefusedWithout(self.client_sofia, "diagnosis_codes", "the client's diagnosis codes")

    def test_service_line(self):
        estimate = self._estimate()
        estimate.line_ids.unlink()
        self.assertIssueRefused(estimate, "a service line")

    def test_service_code(self):
        self.assertRefusedWithout(self.service_aba, "default_code", "the service code of ABA treatment")

    def test_expected_charge(self):
        estimate = self._estimate()
        estimate.line_ids.unit_price = 0.0
        self.assertIssueRefused(estimate, "the expected charge of ABA treatment")

    def test_frequency(self):
        self.assertIssueRefused(self._estimate(frequency=" "), "the frequency of the services")

    def test_separately_scheduled(self):
        self.assertIssueRefused(self._estimate(separately_scheduled=False), "the services scheduled separately")

    def test_npi(self):
        self.assertRefusedWithout(self.company, "billing_npi", "the practice's NPI")

    def test_tin(self):
        self.assertRefusedWithout(self.company, "billing_tin", "the practice's TIN")

    def test_address(self):
        self.assertRefusedWithout(self.company.partner_id, "street", "the practice's address")

    def test_period_of_at_most_12_months(self):
        today = fields.Date.today()
        estimate = self._estimate(date_from=today, date_to=today + timedelta(days=366))
        self.assertIssueRefused(estimate, "a period of at most 12 months")


@tagged("post_install", "-at_install")
class TestIssue(EstimateCommon):
    def test_issue_attaches_the_pdf_and_emails_a_link_only(self):
        estimate = self._estimate()
        with self.assertRaises(AccessError):
            estimate.with_user(self._portal_user("maria", self.parent_rivera)).action_issue()
        estimate.with_user(self.billing_user).action_issue()
        self.assertEqual(estimate.state, "issued")
        attachment = self.env["ir.attachment"].search(
            [("res_model", "=", "practice.estimate"), ("res_id", "=", estimate.id)]
        )
        self.assertEqual(attachment.name, f"Good Faith Estimate {estimate.name.replace('/', '-')}.pdf")
        mail = self.env["mail.mail"].search([("model", "=", "practice.estimate"), ("res_id", "=", estimate.id)])
        self.assertEqual(len(mail), 1)
        self.assertEqual(mail.recipient_ids, self.parent_rivera)
        body = html_text(mail.body_html)
        self.assertIn(f"/my/estimates/{estimate.id}", mail.body_html)
        self.assertNotIn("access_token", mail.body_html)
        for private in ("Sofia", "F84.0", "2019", "06/14", "ABA", "97153"):
            self.assertNotIn(private, body + mail.subject)
        # Idempotent: issuing again does nothing more.
        estimate.action_issue()
        self.assertEqual(len(self.env["mail.mail"].search([("model", "=", "practice.estimate")])), 1)
        # Issued: read-only, never deleted.
        with self.assertRaises(UserError):
            estimate.frequency = "weekly"
        with self.assertRaises(ValidationError):
            estimate.line_ids.units = 3.0
        with self.assertRaises(UserError):
            estimate.unlink()

    def test_revision_supersedes_the_overlapping_estimate(self):
        first = self._estimate()
        first.action_issue()
        action = first.action_revise()
        revision = self.env["practice.estimate"].browse(action["res_id"])
        self.assertEqual((revision.state, revision.previous_id), ("draft", first))
        revision.line_ids.quantity = 8
        revision.action_issue()
        self.assertEqual(first.state, "superseded")
        self.assertEqual(revision.state, "issued")
        self.assertEqual(self.client_sofia._billing_estimate_on(fields.Date.today()), revision)
        # a new estimate (not a revision) of an overlapping period also supersedes
        third = self._estimate(sessions=2)
        third.action_issue()
        self.assertEqual((revision.state, third.previous_id), ("superseded", revision))
        self.assertTrue(first.exists() and revision.exists())


@tagged("post_install", "-at_install")
class TestVarianceGuard(EstimateCommon):
    def setUp(self):
        super().setUp()
        self.estimate = self._estimate(sessions=4, units=2.0)  # 260.00
        self.estimate.action_issue()

    def test_send_refused_at_estimate_plus_guard_and_manager_sends(self):
        first = self._draft_invoice()  # 130.00
        first.with_user(self.billing_user).action_billing_send()
        self.assertEqual(self.estimate.amount_billed, 130.0)
        # 130 + 5 x 125.00 = 755.00 >= 260 + 400
        second = self._draft_invoice(service=self.service_speech, units=1.0, count=5)
        self.assertEqual(second.amount_total, 625.0)
        self.assertEqual(second.billing_estimate_id, self.estimate)
        self.assertEqual(second.billing_estimate_billed, 755.0)
        with self.assertRaisesRegex(UserError, "above the Good Faith Estimate"):
            second.with_user(self.billing_user).action_billing_send()
        self.assertEqual(second.billing_state, "draft")
        self.assertManagerWithReason(second, "_billing_send_over_estimate", "Parent asked for extra sessions")
        self.assertEqual(second.billing_state, "sent")
        self.assertIn("Parent asked for extra sessions", " ".join(second.message_ids.mapped("body")))
        self.assertEqual(self.estimate.amount_billed, 755.0)

    def test_just_below_the_guard_is_sent(self):
        # 260 + 400 = 660.00: 659.99 goes out
        move = self._draft_invoice(count=1, units=1.0)
        charges = self._charges(self.client_sofia, self.service_speech, 1.0, 1, unit_price=659.99)
        draft = charges._create_invoices()
        draft.action_billing_send()
        self.assertEqual(self.estimate.amount_billed, 659.99)
        with self.assertRaisesRegex(UserError, "above the Good Faith Estimate"):
            move.action_billing_send()  # + 32.50

    def test_voids_credit_notes_and_other_clients_do_not_count(self):
        big = self._draft_invoice(service=self.service_speech, units=1.0, count=4)  # 500.00
        big.action_billing_send()
        big._billing_open_dispute("over")
        big._billing_resolve_dispute(200.0)
        self.assertEqual(self.estimate.amount_billed, 200.0, "net of the credit note")
        voided = self._draft_invoice(service=self.service_speech, units=1.0, count=3)
        voided.action_billing_send()
        voided._billing_void("duplicate")
        self._sent_invoice(client=self.client_lily, service=self.service_speech, units=1.0, count=4)
        self.assertEqual(self.estimate.amount_billed, 200.0)

    def test_bulk_send_records_the_refusal_as_send_error(self):
        ok = self._draft_invoice()
        over = self._draft_invoice(service=self.service_speech, units=6.0, count=1)  # 750.00
        (ok | over).with_user(self.billing_user)._billing_queue_send()
        self.env["account.move"]._cron_billing_send_batch()
        self.env.invalidate_all()
        self.assertEqual(ok.billing_state, "sent")
        self.assertEqual(over.billing_state, "draft")
        self.assertIn("above the Good Faith Estimate", over.billing_send_error)

    def test_self_pay_client_without_estimate_is_flagged_and_billed(self):
        move = self._draft_invoice(client=self.client_lily)
        self.assertTrue(move.billing_estimate_missing)
        self.assertTrue(self.client_lily.billing_estimate_missing)
        self.assertFalse(self.client_sofia.billing_estimate_missing)
        self.assertFalse(self.client_noah.billing_estimate_missing, "insurance")
        move.action_billing_send()
        self.assertEqual(move.billing_state, "sent")
        self.assertFalse(self._draft_invoice().billing_estimate_missing)


@tagged("post_install", "-at_install")
class TestEstimatePdfAndPortal(JsonRpcMixin, EstimateCommon, HttpCase):
    def test_pdf_has_every_required_item(self):
        self.company.write({"name": "Bright Steps Therapy", "logo": False})
        estimate = self._estimate(sessions=10)
        estimate.action_issue()
        pdf, _fmt = (
            self.env["ir.actions.report"]
            .with_context(force_report_rendering=True)
            ._render_qweb_pdf("parent_billing.action_report_practice_estimate", estimate.ids)
        )
        text = self._pdf_text(pdf)
        if screenshots := os.environ.get("PB_SCREENSHOTS"):
            # README picture: PB_SCREENSHOTS=$PWD/docs bin/test -k test_pdf_has_every_required_item
            with tempfile.TemporaryDirectory() as tmp:
                Path(tmp, "estimate.pdf").write_bytes(pdf)
                out = str(Path(screenshots, "estimate-pdf"))
                subprocess.check_call(
                    ["pdftoppm", "-png", "-r", "80", "-singlefile", str(Path(tmp, "estimate.pdf")), out]
                )
        for item in (
            "GOOD FAITH ESTIMATE",
            estimate.name,
            "Sofia Rivera",
            "06/14/2019",
            "F84.0, F80.2",
            "ABA treatment",
            "97153",
            "650.00",
            "2 sessions a week",
            "Services expected to be scheduled separately: None",
            "1234567893",
            "12-3456789",
            "Location: 500 Harbor Lane, Springfield 62701",
            "Bright Steps Therapy",
            "$400 or more",
            "not a contract",
            "will not affect the care",
            "only an estimate",
            "may be recommended",
            "120 calendar days",
        ):
            self.assertIn(item, text)

    def test_portal_page_is_the_parents_own_behind_login(self):
        estimate = self._estimate()
        estimate.action_issue()
        self._portal_user("maria", self.parent_rivera)
        self._portal_user("david", self.parent_chen)
        url = f"/my/estimates/{estimate.id}"
        response = self.url_open(url)
        self.assertIn("/web/login", response.url, "behind login")
        counters = {"counters": ["estimate_count"]}
        self.authenticate("david", "david-pass-1234")
        self.assertNotIn(estimate.name, html_text(self.url_open(url).text))
        self.assertNotIn(estimate.name, html_text(self.url_open("/my/estimates").text))
        self.assertEqual(self._jsonrpc("/my/counters", counters)["result"], {"estimate_count": 0})
        self.authenticate("maria", "maria-pass-1234")
        self.assertIn(estimate.name, html_text(self.url_open("/my/estimates").text))
        self.assertEqual(self._jsonrpc("/my/counters", counters)["result"], {"estimate_count": 1})
        page = html_text(self.url_open(url).text)
        for item in (estimate.name, "06/14/2019", "F84.0", "$400 or more"):
            self.assertIn(item, page)
        pdf = self.url_open(f"{url}?report_type=pdf&download=1")
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")


@tagged("post_install", "-at_install")
class TestEstimateDue(EstimateCommon):
    """Scheduling a self-pay session 3+ business days ahead makes the estimate
    due in 1 business day (3 when 10+ ahead), from the company's working
    calendar and its public holidays. 2026-04-10 is a Friday."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.calendar = cls.company.resource_calendar_id
        cls.calendar.tz = "UTC"
        cls.due_type = cls.env.ref("parent_billing.mail_activity_type_estimate_due")

    def _schedule(self, today, day, client=None):
        with freeze_time(today):
            return self._sessions(client or self.client_sofia, self.service_aba, dates=[fields.Date.to_date(day)])

    def _due(self, client=None):
        client = client or self.client_sofia
        return client.activity_ids.filtered(lambda a: a.activity_type_id == self.due_type)

    def _holiday(self, day):
        self.env["resource.calendar.leaves"].create(
            {
                "name": "Holiday",
                "calendar_id": self.calendar.id,
                "date_from": f"{day} 00:00:00",
                "date_to": f"{day} 23:59:59",
            }
        )

    def test_weekend_before_and_after(self):
        self.assertTrue(self.calendar)
        self._schedule("2026-04-09", "2026-04-13")  # Thu -> Mon: 2 business days ahead
        self.assertFalse(self._due())
        self._schedule("2026-04-09", "2026-04-14")  # Thu -> Tue: 3 ahead, due Friday
        self.assertEqual(self._due().date_deadline, date(2026, 4, 10))
        self._due().unlink()
        self._schedule("2026-04-10", "2026-04-15")  # Fri -> Wed: due Monday, over the weekend
        self.assertRecordValues(
            self._due(), [{"date_deadline": date(2026, 4, 13), "summary": "Good Faith Estimate due"}]
        )

    def test_public_holiday_before_and_after(self):
        self._holiday("2026-04-13")  # Monday
        self._schedule("2026-04-10", "2026-04-15")  # Tue, Wed: 2 business days ahead
        self.assertFalse(self._due())
        self._schedule("2026-04-10", "2026-04-16")  # Tue, Wed, Thu: due Tuesday after the holiday
        self.assertEqual(self._due().date_deadline, date(2026, 4, 14))
        self._due().unlink()
        self._schedule("2026-04-08", "2026-04-14")  # Wed -> Tue: Thu, Fri, Tue; due Thursday
        self.assertEqual(self._due().date_deadline, date(2026, 4, 9))

    def test_ten_business_days_ahead_gives_three_one_activity_earliest_deadline(self):
        self._schedule("2026-04-10", "2026-04-27")  # 11 business days: due in 3, Wednesday
        self.assertEqual(self._due().date_deadline, date(2026, 4, 15))
        self._schedule("2026-04-10", "2026-04-16")  # 4 ahead: due in 1, Monday (earlier)
        self.assertEqual(len(self._due()), 1)
        self.assertEqual(self._due().date_deadline, date(2026, 4, 13))
        self._schedule("2026-04-10", "2026-05-20")
        self.assertEqual(self._due().date_deadline, date(2026, 4, 13), "the earliest deadline stays")
        self.assertIn(
            self.client_sofia, self.env["practice.client"].search([("billing_estimate_attention", "=", True)])
        )

    def test_no_activity_when_covered_insured_or_calendar_less(self):
        with freeze_time("2026-04-01"):
            self._estimate().action_issue()
        self._schedule("2026-04-10", "2026-04-20")
        self.assertFalse(self._due(), "covered by the issued estimate")
        self._schedule("2026-04-10", "2026-04-20", client=self.client_noah)
        self.assertFalse(self._due(self.client_noah), "insurance")
        self.company.resource_calendar_id = False
        self._schedule("2026-04-10", "2026-04-15", client=self.client_lily)  # Mon-Fri: due Monday
        self.assertEqual(self._due(self.client_lily).date_deadline, date(2026, 4, 13))

    def test_parent_request_and_finalizing_ahead(self):
        with freeze_time("2026-04-10"):
            self.client_lily.action_billing_estimate_requested()
        self.assertEqual(self._due(self.client_lily).date_deadline, date(2026, 4, 15))
        session = self._schedule("2026-04-10", "2026-04-20")
        with freeze_time("2026-04-10"), self.assertRaisesRegex(UserError, "is in the future"):
            session.action_finalize()
        with freeze_time("2026-04-20"):
            session.action_finalize()
        self.assertEqual(session.state, "finalized")


@tagged("post_install", "-at_install")
class TestEstimateSpanish(EstimateCommon):
    def test_email_and_estimate_in_the_parents_language(self):
        self.env["res.lang"]._activate_lang("es_419")
        self.env["ir.module.module"]._load_module_terms(
            ["mail", "portal", "parent_billing"], ["es_419"], overwrite=True
        )
        self.env.invalidate_all()  # the loaded terms, not the cached English
        self.parent_rivera.lang = "es_419"
        estimate = self._estimate()
        estimate.action_issue()
        mail = self.env["mail.mail"].search([("model", "=", "practice.estimate"), ("res_id", "=", estimate.id)])
        self.assertIn("su estimación de buena fe", mail.subject)
        self.assertIn("Ver su estimación", html_text(mail.body_html))
        html, _fmt = self.env["ir.actions.report"]._render_qweb_html(
            "parent_billing.action_report_practice_estimate", estimate.ids
        )
        text = html_text(html)
        for phrase in ("ESTIMACIÓN DE BUENA FE", "Fecha de nacimiento", "$400 o más", "no es un contrato"):
            self.assertIn(phrase, text)
