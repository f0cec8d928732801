from datetime import timedelta

from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestForms(BillingCommon):
    """Every form of the addon opens (New included) and saves as the billing
    clerk would, through the views and onchanges the web client uses."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.clerk_env = cls.env(user=cls.billing_user)
        cls.boss_env = cls.env(user=cls.billing_manager)

    def test_new_client_with_a_session_opens_and_saves(self):
        form = Form(self.clerk_env["practice.client"])
        form.name = "Ava Patel"
        form.partner_id = self.parent_chen
        form.bill_to_mode = "client"
        with form.session_ids.new() as session:
            self.assertEqual(session.amount, 0.0)
            session.product_id = self.service_speech
            session.units = 2
            self.assertEqual(session.amount, 250.0)
        client = form.save()
        self.assertRecordValues(client.session_ids, [{"amount": 250.0, "state": "draft"}])

    def test_new_session_opens_before_a_client_is_chosen_and_saves(self):
        # Billing -> Practice -> Sessions -> New: no client yet, so no company currency.
        form = Form(self.clerk_env["practice.session"])
        self.assertEqual(form.amount, 0.0)
        form.product_id = self.service_aba
        form.units = 3
        self.assertEqual(form.amount, 97.5, "the amount shows before the client is chosen")
        form.client_id = self.client_sofia
        session = form.save()
        self.assertEqual(session.amount, 97.5)
        session.action_finalize()
        with Form(session) as edit:  # a finalized session still opens and saves
            self.assertTrue(edit._get_modifier("units", "readonly"))

    def test_new_charge_opens_before_a_client_is_chosen_and_saves(self):
        # Unbilled Charges -> New, then the charge's own form.
        form = Form(self.clerk_env["practice.charge"])
        form.unit_price = 12.345
        form.units = 2
        self.assertEqual(form.amount, 24.69)
        form.client_id = self.client_lily
        form.name = "Materials fee"
        charge = form.save()
        self.assertRecordValues(charge, [{"state": "unbilled", "amount": 24.69, "partner_id": self.parent_chen.id}])

    def test_new_row_in_unbilled_charges_list_opens_and_saves(self):
        """The editable list's New row: the same onchange and save calls the web client makes."""
        Charge = self.clerk_env["practice.charge"]
        view = self.env.ref("parent_billing.practice_charge_view_list")
        arch = etree.fromstring(Charge.get_views([(view.id, "list")])["views"]["list"]["arch"])
        spec = {name: {} for name in arch.xpath("//field/@name")}
        row = Charge.onchange({}, [], spec)["value"]
        self.assertEqual(row["amount"], 0.0)
        row = Charge.onchange({**row, "unit_price": 40.0, "units": 1.5}, ["units"], spec)["value"]
        self.assertEqual(row["amount"], 60.0)
        saved = Charge.web_save(
            {"client_id": self.client_lily.id, "unit_price": 40.0, "units": 1.5, "name": "Parent training"}, spec
        )
        self.assertEqual(Charge.browse(saved[0]["id"]).amount, 60.0)

    def test_claim_form_new_and_posting_patient_responsibility(self):
        form = Form(self.clerk_env["practice.claim"])
        form.client_id = self.client_noah
        form.payer_id = self.payer
        self.assertEqual(form.amount_billed, 0.0)
        self.assertTrue(form.save())
        claim = self._sessions(self.client_noah, self.service_speech).with_user(self.billing_user).action_finalize()
        with Form(claim) as edit:
            edit.patient_responsibility = 25.0
        claim.action_post()
        self.assertEqual(claim.charge_ids.amount, 25.0)

    # ------------------------------------------------------------------
    # Create Invoice
    # ------------------------------------------------------------------
    def _create_invoice_form(self, **context):
        action = self.clerk_env["ir.actions.act_window"]._for_xml_id("parent_billing.practice_charge_invoice_action")
        action["context"] = context
        return Form.from_action(self.clerk_env, action)

    def test_create_invoice_starts_with_all_of_the_clients_unbilled_charges(self):
        charges = self._charges(self.client_lily, self.service_ot, count=3)
        other = self._charges(self.client_sofia, self.service_aba)
        # Unbilled Charges, client picked in the left pane, no row ticked: all of them.
        form = self._create_invoice_form(
            active_model="practice.charge",
            active_ids=[],
            active_domain=[("state", "=", "unbilled"), ("client_id", "=", self.client_lily.id)],
        )
        self.assertEqual(form.client_id, self.client_lily)
        self.assertEqual([c.id for c in form.charge_ids], charges.ids)
        self.assertEqual(form.amount_total, 123.75)
        # Untick one; "default: all" is only the default.
        form.charge_ids.remove(id=charges[2].id)
        form.notes = "<p>Materials included</p>"
        action = form.save().action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.invoice_line_ids.practice_charge_id, charges[:2])
        self.assertIn("Materials included", move.narration)
        self.assertEqual((charges[2] | other).mapped("state"), ["unbilled", "unbilled"])

    def test_create_invoice_from_a_client_or_by_picking_one(self):
        lily = self._charges(self.client_lily, self.service_ot, count=2)
        sofia = self._charges(self.client_sofia, self.service_aba)
        form = self._create_invoice_form(active_model="practice.client", active_ids=self.client_lily.ids)
        self.assertEqual([c.id for c in form.charge_ids], lily.ids)
        # Picking another client in the dialog selects all of its unbilled charges instead.
        form.client_id = self.client_sofia
        self.assertEqual([c.id for c in form.charge_ids], sofia.ids)
        # Rows ticked in the list are taken as they are.
        form = self._create_invoice_form(active_model="practice.charge", active_ids=lily[:1].ids)
        self.assertEqual(form.client_id, self.client_lily)
        self.assertEqual([c.id for c in form.charge_ids], lily[:1].ids)

    def test_create_invoice_notes_field_has_a_label(self):
        arch = self.clerk_env["practice.charge.invoice"].get_views([(False, "form")])["views"]["form"]["arch"]
        notes = etree.fromstring(arch).xpath("//field[@name='notes']")[0]
        self.assertEqual(notes.getparent().tag, "group", "a field in a group is shown with its label")
        self.assertEqual(notes.get("string"), "Notes")

    # ------------------------------------------------------------------
    # Invoice wizards
    # ------------------------------------------------------------------
    def test_record_payment_form(self):
        move = self._sent_invoice()
        form = Form.from_action(self.clerk_env, move.with_user(self.billing_user).action_billing_record_payment())
        self.assertEqual(form.amount, 130.0)
        form.amount = 30.0
        form.method = "check"
        form.reference = "1042"
        form.save().action_record()
        self.assertEqual(move.billing_amount_due, 100.0)

    def test_void_form_is_for_managers(self):
        move = self._sent_invoice()
        with self.assertRaises(AccessError):
            Form.from_action(self.clerk_env, move.with_user(self.billing_user).action_billing_open_void()).save()
        form = Form.from_action(self.boss_env, move.with_user(self.billing_manager).action_billing_open_void())
        form.reason = "Duplicate"
        form.save().action_void()
        self.assertEqual(move.billing_state, "voided")

    def test_refund_form(self):
        move = self._sent_invoice()
        move._billing_register_payment(130.0, fields.Date.today(), "check", "77")
        form = Form.from_action(self.boss_env, move.with_user(self.billing_manager).action_billing_open_refund())
        self.assertEqual(form.amount, 130.0)
        form.amount = 30.0
        form.reason = "Session cancelled"
        form.save().action_refund()
        self.assertEqual(move.billing_amount_due, 30.0)

    def test_extend_due_and_waive_forms(self):
        self.company.write(
            {"billing_late_fee_type": "flat", "billing_late_fee_amount": 10.0, "billing_late_fee_days": 1}
        )
        move = self._sent_invoice()
        form = Form.from_action(self.boss_env, move.with_user(self.billing_manager).action_billing_open_extend_due())
        form.due_date = move.invoice_date_due + timedelta(days=15)
        form.reason = "Family asked for time"
        form.save().action_extend()
        self.assertEqual(move.invoice_date_due, fields.Date.today() + timedelta(days=45))
        move.with_context(tracking_disable=True)._cron_billing_overdue()  # not due: nothing to waive
        with self.assertRaisesRegex(UserError, "no late fee to waive|cannot be waived"):
            form = Form.from_action(self.boss_env, move.with_user(self.billing_manager).action_billing_open_waive())
            form.reason = "First time"
            form.save().action_waive()

    def test_billing_ar_as_of_form(self):
        form = Form(self.clerk_env["practice.ar.aging.as.of"])
        form.date = fields.Date.today() - timedelta(days=1)
        action = form.save().action_open_report()
        self.assertEqual(action["res_model"], "practice.ar.aging")

    # ------------------------------------------------------------------
    # Discounts and surcharges
    # ------------------------------------------------------------------
    def _add_adjustment(self, move, kind, amount_type, value):
        action = move.with_user(self.billing_user).action_billing_open_adjust()
        form = Form.from_action(self.clerk_env, action)
        form.kind = kind
        form.amount_type = amount_type
        form.value = value
        form.save().action_apply()

    def _line_names(self, move):
        return move.invoice_line_ids.sorted(lambda l: (l.sequence, l.id)).mapped("name")

    def test_percent_discount_follows_the_lines_and_adjustments_come_last(self):
        move = self._draft_invoice(count=3, units=1)  # 3 x 32.50 = 97.50
        self._add_adjustment(move, "discount", "percent", 10)
        self._add_adjustment(move, "surcharge", "fixed", 5.0)
        discount = move.invoice_line_ids.filtered(lambda l: l.billing_adjustment_percent)
        self.assertEqual(discount.price_subtotal, -9.75)

        # The clerk re-rates a line and adds a write-in on the draft's form.
        bottom = max(move.invoice_line_ids.mapped("sequence"))
        with Form(move.with_user(self.billing_user)) as invoice:
            with invoice.invoice_line_ids.edit(0) as line:
                line.price_unit = 22.50  # scholarship rate: lines are now 87.50
            with invoice.invoice_line_ids.new() as line:
                line.sequence = bottom + 1  # what the web client gives a row added at the bottom
                line.name = "Materials fee"
                line.quantity = 1
                line.price_unit = 12.50
                line.tax_ids.clear()
        self.assertEqual(discount.price_subtotal, -10.0, "10% of 87.50 + 12.50")
        self.assertEqual(
            self._line_names(move)[-2:], ["Discount (10%)", "Surcharge"], "adjustments stay after the lines"
        )
        self.assertEqual(move.amount_total, 100.0 - 10.0 + 5.0)

        # Removing a line: the charge goes back to unbilled, the discount follows.
        removed = move.invoice_line_ids.filtered("practice_charge_id")[:1]
        charge = removed.practice_charge_id
        move.write({"invoice_line_ids": [fields.Command.delete(removed.id)]})
        self.assertEqual(charge.state, "unbilled")
        self.assertEqual(discount.price_subtotal, -7.75, "10% of 77.50")
        self.assertEqual(move.amount_total, 77.50 - 7.75 + 5.0)

        # Once sent the lines are sealed: the discount is what it was at Send.
        move.action_billing_send()
        self.assertEqual(move.amount_total, 74.75)
        self.assertEqual(discount.price_subtotal, -7.75)
