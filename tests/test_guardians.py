from contextlib import contextmanager
from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, HttpCase, tagged

from .common import BillingCommon, JsonRpcMixin, html_text


class GuardiansCommon(BillingCommon):
    """Emma, whose separated parents Laura and Mark each pay a share."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.laura = cls._billing_parent("Laura Brooks", "laura@example.com")
        cls.mark = cls._billing_parent("Mark Brooks", "mark@example.com")
        cls.client_emma = cls._billing_client("Emma Brooks", cls.laura, "client")

    @classmethod
    def _set_guardians(cls, client, *rows):
        """``rows``: (partner, share, sequence[, date_from[, date_to]])."""
        client.guardian_ids = [Command.clear()] + [
            Command.create(
                {
                    "partner_id": partner.id,
                    "share_percent": share,
                    "sequence": sequence,
                    "date_from": rest[0] if rest else False,
                    "date_to": rest[1] if len(rest) > 1 else False,
                }
            )
            for partner, share, sequence, *rest in rows
        ]

    @contextmanager
    def assertRefused(self, exception, match):
        """Odoo's ``assertRaises`` (in a savepoint: the database is as before) and the message."""
        with self.assertRaises(exception) as caught:
            yield
        self.assertRegex(str(caught.exception), match)

    def _shares(self, charges):
        return {charge.partner_id: charge.amount for charge in charges}


@tagged("post_install", "-at_install")
class TestGuardianShares(GuardiansCommon):
    def test_50_50_of_101_01_leftover_cent_to_the_first_guardian(self):
        self._set_guardians(self.client_emma, (self.laura, 50, 1), (self.mark, 50, 2))
        charges = self._charges(self.client_emma, self.service_aba, unit_price=101.01)
        self.assertEqual(len(charges), 2)
        self.assertEqual(self._shares(charges), {self.laura: 50.51, self.mark: 50.50})
        self.assertEqual(set(charges.mapped("share_percent")), {50.0})
        self.assertEqual(set(charges.mapped("units")), {1.0})
        # On ties the lowest sequence gets the cent, whoever was entered first.
        self._set_guardians(self.client_emma, (self.laura, 50, 2), (self.mark, 50, 1))
        charges = self._charges(self.client_emma, self.service_aba, unit_price=101.01)
        self.assertEqual(self._shares(charges), {self.laura: 50.50, self.mark: 50.51})

    def test_leftover_cents_go_to_the_largest_share(self):
        third = self._billing_parent("Grandma Brooks", "grandma@example.com")
        self._set_guardians(self.client_emma, (self.laura, 30, 1), (self.mark, 40, 2), (third, 30, 3))
        charges = self._charges(self.client_emma, self.service_aba, unit_price=0.05)
        # floor: 0.01 / 0.02 / 0.01, the leftover cent to the 40% share
        self.assertEqual(self._shares(charges), {self.laura: 0.01, self.mark: 0.03, third: 0.01})
        charges = self._charges(self.client_emma, self.service_aba, units=3, unit_price=33.33)
        self.assertEqual(sum(charges.mapped("amount")), 99.99)
        self.assertEqual(self._shares(charges), {self.laura: 29.99, self.mark: 40.01, third: 29.99})

    def test_claim_patient_responsibility_is_split(self):
        self.client_mateo.partner_id = self.laura
        self._set_guardians(self.client_mateo, (self.laura, 75, 1), (self.mark, 25, 2))
        claim = self._sessions(self.client_mateo, self.service_speech).action_finalize()
        claim.patient_responsibility = 35.17
        claim.action_post()
        self.assertEqual(self._shares(claim.charge_ids), {self.laura: 26.38, self.mark: 8.79})
        self.assertEqual(set(claim.charge_ids.mapped("name")), {"Patient responsibility"})

    def test_shares_not_adding_up_to_100_are_refused(self):
        with self.assertRefused(ValidationError, "add up to 90"):
            self._set_guardians(self.client_emma, (self.laura, 60, 1), (self.mark, 30, 2))
        with self.assertRefused(ValidationError, "above 0 and at most 100"):
            self._set_guardians(self.client_emma, (self.laura, 0, 1), (self.mark, 100, 2))
        with self.assertRefused(ValidationError, "after the end date"):
            self._set_guardians(self.client_emma, (self.laura, 100, 1, "2026-06-01", "2026-05-01"))
        # A second court order overlapping the first: 150% for its first days.
        with self.assertRefused(ValidationError, "add up to 150"):
            self._set_guardians(
                self.client_emma,
                (self.laura, 50, 1, False, "2026-06-10"),
                (self.mark, 50, 2, False, "2026-06-10"),
                (self.laura, 50, 1, "2026-06-01"),
            )
        self.client_emma.invalidate_recordset()
        self.assertFalse(self.client_emma.guardian_ids)
        # Guardians edited one row at a time through the model: each save checks the whole set.
        self._set_guardians(self.client_emma, (self.laura, 50, 1), (self.mark, 50, 2))
        with self.assertRefused(ValidationError, "add up to 110"):
            self.client_emma.guardian_ids[0].share_percent = 60

    def test_finalizing_where_no_guardian_is_in_effect_is_refused_and_changes_nothing(self):
        today = fields.Date.today()
        self._set_guardians(self.client_emma, (self.laura, 50, 1, today), (self.mark, 50, 2, today))
        session = self._sessions(self.client_emma, self.service_aba, dates=[today - timedelta(days=1)])
        with self.assertRefused(UserError, "No guardian of Emma Brooks is in effect"):
            session.action_finalize()
        self.assertEqual(session.state, "draft")
        self.assertFalse(session.charge_ids)

    def test_guardian_is_an_account_of_its_own(self):
        under = self.env["res.partner"].create({"name": "Tom Brooks", "parent_id": self.mark.id, "type": "contact"})
        with self.assertRefused(ValidationError, "make them a contact of their own"):
            self._set_guardians(self.client_emma, (self.laura, 50, 1), (under, 50, 2))
        self._set_guardians(self.client_emma, (self.laura, 50, 1), (self.mark, 50, 2))
        with self.assertRefused(UserError, "guardian of Emma Brooks"):
            self.mark.parent_id = self.parent_chen

    def test_effective_date_change_splits_sessions_before_and_after_differently(self):
        today = fields.Date.today()
        change = today - timedelta(days=10)
        before = change - timedelta(days=1)
        self._set_guardians(
            self.client_emma,
            (self.laura, 50, 1, False, before),
            (self.mark, 50, 2, False, before),
            (self.laura, 75, 1, change),
            (self.mark, 25, 2, change),
        )
        sessions = self._sessions(
            self.client_emma, self.service_aba, units=4, dates=[before - timedelta(days=3), before, change, today]
        )
        sessions.action_finalize()
        for session in sessions:
            expected = (
                {self.laura: 65.0, self.mark: 65.0} if session.date < change else {self.laura: 97.5, self.mark: 32.5}
            )
            self.assertEqual(self._shares(session.charge_ids), expected, session.date)
        self.assertEqual(sum(sessions.charge_ids.mapped("amount")), 4 * 130.0)

    def test_client_without_guardians_bills_its_responsible_parent(self):
        charges = self._charges(self.client_sofia, self.service_aba, units=2)
        self.assertRecordValues(charges, [{"partner_id": self.parent_rivera.id, "share_percent": 0.0}])
        # Until invoiced, its charges follow the responsible parent.
        other = self._billing_parent("Ana Rivera", "ana@example.com")
        self.client_sofia.partner_id = other
        self.assertEqual(charges.partner_id, other)
        move = charges._create_invoices()
        self.assertEqual(move.partner_id, other)
        self.client_sofia.partner_id = self.parent_rivera
        self.assertEqual(charges.partner_id, other, "an invoiced charge keeps its parent")

    def test_who_is_billed_is_set_by_routing_and_frozen_once_invoiced(self):
        self._set_guardians(self.client_emma, (self.laura, 50, 1), (self.mark, 50, 2))
        charges = self._charges(self.client_emma, self.service_aba, units=2)
        laura_charge = charges.filtered(lambda c: c.partner_id == self.laura)
        with self.assertRefused(UserError, "Who is billed for a charge"):
            laura_charge.with_user(self.billing_user).partner_id = self.mark
        with self.assertRefused(UserError, "cannot be changed on its own"):
            laura_charge.with_user(self.billing_user).units = 3
        charges._create_invoices()
        with self.assertRefused(UserError, "An invoiced charge cannot be changed"):
            laura_charge.with_context(billing_charge_routing=True).partner_id = self.mark

    def test_new_charge_typed_in_unbilled_charges_is_split_too(self):
        self._set_guardians(self.client_emma, (self.laura, 60, 1), (self.mark, 40, 2))
        # The editable list's New row saves as the web client does.
        Charge = self.env["practice.charge"].with_user(self.billing_user)
        Charge.web_save({"client_id": self.client_emma.id, "unit_price": 10.01, "name": "Materials fee"}, {})
        charges = self.env["practice.charge"].search([("client_id", "=", self.client_emma.id)])
        self.assertEqual(self._shares(charges), {self.laura: 6.01, self.mark: 4.0})


@tagged("post_install", "-at_install")
class TestGuardianInvoices(GuardiansCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_guardians(cls.client_emma, (cls.laura, 75, 1), (cls.mark, 25, 2))

    def _create_invoice_wizard(self, client):
        wizard = Form(
            self.env["practice.charge.invoice"]
            .with_user(self.billing_user)
            .with_context(active_model="practice.client", active_ids=client.ids)
        )
        action = wizard.save().action_create_invoice()
        if action.get("res_id"):
            return self.env["account.move"].browse(action["res_id"])
        return self.env["account.move"].search(action["domain"])

    def test_75_25_through_create_invoice_send_and_payments(self):
        self._sessions(self.client_emma, self.service_aba, units=4, dates=[fields.Date.today()] * 2).action_finalize()
        moves = self._create_invoice_wizard(self.client_emma)
        self.assertEqual(len(moves), 2)
        laura_inv = moves.filtered(lambda m: m.partner_id == self.laura)
        mark_inv = moves.filtered(lambda m: m.partner_id == self.mark)
        self.assertEqual((laura_inv.amount_total, mark_inv.amount_total), (195.0, 65.0))
        self.assertEqual(set(moves.mapped("practice_client_id")), {self.client_emma})
        # Each line is the guardian's amount: units times the full rate would tell the other share.
        self.assertEqual(laura_inv.invoice_line_ids.mapped("quantity"), [1.0, 1.0])
        self.assertEqual(laura_inv.invoice_line_ids.mapped("price_unit"), [97.5, 97.5])
        self.assertEqual(len(laura_inv.invoice_line_ids.practice_charge_id), 2)

        moves.with_user(self.billing_user).action_billing_send()
        self.assertEqual(set(moves.mapped("billing_state")), {"sent"})
        for move, other in ((laura_inv, self.mark), (mark_inv, self.laura)):
            mail = self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", move.id)])
            self.assertEqual(len(mail), 1)
            self.assertEqual(mail.recipient_ids, move.partner_id)
            text = f"{mail.subject} {html_text(mail.body_html)}"
            for leak in (other.name, other.email, "75", "25 %", "25%", "share"):
                self.assertNotIn(leak, text, f"the email of {move.partner_id.name} says {leak!r}")
            chatter = " ".join(html_text(m.body) for m in move.message_ids)
            self.assertNotIn(other.name, chatter)
        self.assertAccountMoney(self.laura, 195.0)
        self.assertAccountMoney(self.mark, 65.0)

        laura_inv._billing_register_payment(195.0, fields.Date.today(), "check", "L-1")
        mark_inv._billing_register_payment(20.0, fields.Date.today(), "check", "M-1")
        self.assertEqual((laura_inv.billing_state, mark_inv.billing_state), ("paid", "sent"))
        self.assertAccountMoney(self.laura, 0.0)
        self.assertAccountMoney(self.mark, 45.0)
        self.assertEqual(laura_inv.billing_payment_ids.partner_id, self.laura)
        self.assertEqual(mark_inv.billing_payment_ids.partner_id, self.mark)
        mark_inv._billing_register_payment(45.0, fields.Date.today(), "ach", "M-2")
        self.assertAccountMoney(self.mark, 0.0)

    def test_void_one_guardians_invoice_returns_only_their_share(self):
        charges = self._charges(self.client_emma, self.service_aba, units=2)
        moves = charges._create_invoices()
        moves.action_billing_send()
        laura_inv = moves.filtered(lambda m: m.partner_id == self.laura)
        mark_inv = moves - laura_inv
        mark_inv._billing_void("Sent to the wrong address")
        self.assertEqual((laura_inv.billing_state, mark_inv.billing_state), ("sent", "voided"))
        unbilled = charges.filtered(lambda c: c.state == "unbilled")
        self.assertEqual(unbilled.partner_id, self.mark)
        self.assertEqual(unbilled.amount, 16.25)
        self.assertAccountMoney(self.laura, 48.75)
        self.assertAccountMoney(self.mark, 0.0)
        again = self._create_invoice_wizard(self.client_emma)
        self.assertRecordValues(again, [{"partner_id": self.mark.id, "amount_total": 16.25}])
        # A refund on Laura's leaves Mark's new invoice as it is.
        again.action_billing_send()
        laura_inv._billing_register_payment(48.75, fields.Date.today(), "check", "L-2")
        laura_inv._billing_refund(10.0, "Goodwill", credit_invoice=True)
        self.assertEqual(laura_inv.billing_amount_credited, 10.0)
        self.assertAccountMoney(self.laura, 0.0)
        self.assertEqual(again.billing_state, "sent")
        self.assertAccountMoney(self.mark, 16.25)

    def test_billing_run_makes_one_draft_per_client_and_guardian(self):
        self._charges(self.client_emma, self.service_aba, units=2, count=2)
        self._charges(self.client_sofia, self.service_aba)
        wizard = Form(self.env["practice.charge.billing.run"].with_user(self.billing_user))
        wizard.date_to = fields.Date.today()  # the default is the end of last month
        action = wizard.save().action_start()
        run = self.env["practice.billing.run"].browse(action["res_id"])
        self.assertEqual(run.state, "done")
        lines = run.line_ids.filtered(lambda l: l.client_id == self.client_emma)
        self.assertEqual(lines.partner_id, self.laura | self.mark)
        self.assertEqual(set(lines.mapped("state")), {"created"})
        for line in lines:
            self.assertEqual(line.move_id.partner_id, line.partner_id)
        self.assertEqual(
            {line.partner_id: line.move_id.amount_total for line in lines}, {self.laura: 97.5, self.mark: 32.5}
        )
        sofia = run.line_ids - lines
        self.assertEqual(sofia.move_id.partner_id, self.parent_rivera)

    def test_statements_are_per_guardian(self):
        Statement = self.env["practice.statement"]
        date_from = Statement._billing_statement_period(fields.Date.today())[0]
        self._charges(self.client_emma, self.service_aba, units=2)._create_invoices().action_billing_send()
        self.assertIn(self.laura, Statement._billing_parents())
        self.assertIn(self.mark, Statement._billing_parents())
        statements = Statement._billing_generate(self.laura | self.mark, date_from, fields.Date.today())
        self.assertEqual(statements.partner_id, self.laura | self.mark)
        for statement in statements:
            amount = 48.75 if statement.partner_id == self.laura else 16.25
            self.assertEqual(statement.closing_balance, amount)
            self.assertEqual(statement.line_ids.move_id.partner_id, statement.partner_id)

    def test_unbilled_charges_show_each_guardians_share_under_the_client(self):
        self._charges(self.client_emma, self.service_aba, units=2)
        # Under the client's group, a row per guardian with its parent and share.
        view = self.env.ref("parent_billing.practice_charge_view_list")
        self.assertEqual(view.arch.count('name="partner_id"') + view.arch.count('name="share_percent"'), 2)
        groups = self.env["practice.charge"]._read_group(
            [("state", "=", "unbilled"), ("client_id", "=", self.client_emma.id)],
            ["client_id", "partner_id"],
            ["amount:sum"],
        )
        self.assertEqual(
            {partner: amount for _client, partner, amount in groups}, {self.laura: 48.75, self.mark: 16.25}
        )


@tagged("post_install", "-at_install")
class TestGuardianPrivacy(JsonRpcMixin, GuardiansCommon, HttpCase):
    """Each guardian's portal login sees only their own documents."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_guardians(cls.client_emma, (cls.laura, 75, 1), (cls.mark, 25, 2))
        cls.user_laura = cls._portal_user("laura", cls.laura)
        cls.user_mark = cls._portal_user("mark", cls.mark)
        sessions = cls.env["practice.session"].create(
            [{"client_id": cls.client_emma.id, "product_id": cls.service_aba.id, "units": 2.0}]
        )
        sessions.action_finalize()
        cls.moves = sessions.charge_ids._create_invoices()
        cls.moves.action_billing_send()
        cls.inv_laura = cls.moves.filtered(lambda m: m.partner_id == cls.laura)
        cls.inv_mark = cls.moves - cls.inv_laura
        Statement = cls.env["practice.statement"]
        date_from, _date_to = Statement._billing_statement_period(fields.Date.today())
        cls.statements = Statement._billing_generate(cls.laura | cls.mark, date_from, fields.Date.today())
        cls.statements.action_billing_send()
        cls.st_laura = cls.statements.filtered(lambda s: s.partner_id == cls.laura)
        cls.st_mark = cls.statements - cls.st_laura

    def test_rpc_as_one_guardian_of_the_others_invoice_statement_and_charges(self):
        for login, mine, theirs, st_theirs in (
            ("laura", self.inv_laura, self.inv_mark, self.st_mark),
            ("mark", self.inv_mark, self.inv_laura, self.st_laura),
        ):
            with self.subTest(login=login):
                self.authenticate(login, f"{login}-pass-1234")
                found = self._rpc("account.move", "search_read", [[]], {"fields": ["name", "partner_id"]})
                self.assertEqual([row["id"] for row in found], mine.ids)
                self._refused("account.move", "read", [theirs.ids], {"fields": ["name", "amount_total"]})
                lines = self._rpc(
                    "account.move.line", "search_read", [[("move_id", "=", theirs.id)]], {"fields": ["name"]}
                )
                self.assertEqual(lines, [])
                statements = self._rpc("practice.statement", "search_read", [[]], {"fields": ["name"]})
                self.assertEqual([row["id"] for row in statements], (self.statements - st_theirs).ids)
                self._refused("practice.statement", "read", [st_theirs.ids], {"fields": ["closing_balance"]})
                self._refused("practice.charge", "search_read", [[]], {"fields": ["amount", "share_percent"]})
                self._refused("practice.client.guardian", "search_read", [[]], {"fields": ["share_percent"]})
                self._refused("practice.client", "read", [self.client_emma.ids], {"fields": ["guardian_ids"]})

    def test_portal_pages_of_each_guardian_show_only_their_own(self):
        for login, mine, theirs, st_mine, st_theirs, other in (
            ("laura", self.inv_laura, self.inv_mark, self.st_laura, self.st_mark, self.mark),
            ("mark", self.inv_mark, self.inv_laura, self.st_mark, self.st_laura, self.laura),
        ):
            with self.subTest(login=login):
                self.authenticate(login, f"{login}-pass-1234")
                listing = html_text(self.url_open("/my/billing").content)
                self.assertIn(mine.name, listing)
                self.assertNotIn(theirs.name, listing)
                page = html_text(self.url_open(f"/my/invoices/{mine.id}").content)
                report = html_text(self.url_open(f"/my/invoices/{mine.id}?report_type=html").content)
                statements = html_text(self.url_open("/my/statements").content)
                statement = html_text(self.url_open(f"/my/statements/{st_mine.id}").content)
                # (Under tests, Odoo answers a PDF request with the report's HTML.)
                pdfs = [
                    html_text(self.url_open(url).content)
                    for url in (
                        f"/my/invoices/{mine.id}?report_type=pdf&download=true",
                        f"/my/statements/{st_mine.id}?report_type=pdf&download=true",
                    )
                ]
                self.assertIn(st_mine.name, statements)
                self.assertNotIn(st_theirs.name, statements)
                self.assertIn(mine.name, pdfs[0])
                for text in (listing, page, report, statements, statement, *pdfs):
                    self.assertNotIn(other.name, text)
                    for share in ("75%", "25%", "75 %", "25 %", "75.0", "25.0"):
                        self.assertNotIn(share, text)
                self.assertIn(self.currency.format(mine.amount_total).replace("\xa0", " "), report)
                for url in (
                    f"/my/invoices/{theirs.id}",
                    f"/my/invoices/{theirs.id}?report_type=html",
                    f"/my/invoices/{theirs.id}?report_type=pdf&download=true",
                    f"/my/statements/{st_theirs.id}",
                ):
                    response = self.url_open(url, allow_redirects=False)
                    self.assertIn(response.status_code, (303, 403, 404), url)
                    self.assertNotIn(theirs.name, response.text)
                    self.assertNotIn(st_theirs.name, response.text)

    def test_tour_each_guardian_sees_only_their_own_invoice_and_statement(self):
        for login in ("laura", "mark"):
            with self.subTest(login=login):
                self.start_tour("/my/billing", "parent_billing_guardian_portal", login=login)

    def test_orm_as_guardian(self):
        with self.assertRaises(AccessError):
            self.inv_mark.with_user(self.user_laura).read(["name"])
        self.assertEqual(self.inv_laura.with_user(self.user_laura).read(["name"])[0]["name"], self.inv_laura.name)
