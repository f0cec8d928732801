from datetime import timedelta

from odoo import Command, fields
from odoo.exceptions import UserError, ValidationError
from odoo.tests import Form, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestSessionRouting(BillingCommon):
    def test_private_pay_session_becomes_one_unbilled_charge(self):
        session = self._sessions(self.client_sofia, self.service_aba, units=4)
        claims = session.action_finalize()
        self.assertFalse(claims)
        charge = session.charge_ids
        self.assertEqual(len(charge), 1)
        self.assertRecordValues(
            charge,
            [
                {
                    "state": "unbilled",
                    "client_id": self.client_sofia.id,
                    "date": session.date,
                    "service_code": "97153",
                    "units": 4.0,
                    "unit_price": 32.50,
                    "amount": 130.00,
                }
            ],
        )

    def test_finalize_twice_creates_no_second_charge(self):
        session = self._sessions(self.client_sofia, self.service_aba)
        session.action_finalize()
        session.action_finalize()
        self.assertEqual(len(session.charge_ids), 1)

    def test_finalized_session_amounts_are_locked(self):
        session = self._sessions(self.client_sofia, self.service_aba)
        session.action_finalize()
        with self.assertRaisesRegex(UserError, "finalized session cannot change"):
            session.units = 10
        with self.assertRaisesRegex(UserError, "finalized session cannot change"):
            session.unit_price = 1
        self.assertEqual(session.charge_ids.amount, 32.50)

    def test_insurance_session_becomes_claim_without_charge(self):
        session = self._sessions(self.client_noah, self.service_speech)
        claim = session.action_finalize()
        self.assertEqual(len(claim), 1)
        self.assertEqual(claim.session_ids, session)
        self.assertFalse(session.charge_ids)
        claim.action_post()  # payer paid everything: nothing for the family
        self.assertFalse(self.env["practice.charge"].search([("client_id", "=", self.client_noah.id)]))

    def test_hybrid_claim_posting_puts_patient_responsibility_in_queue(self):
        session = self._sessions(self.client_mateo, self.service_speech)
        claim = session.action_finalize()
        self.assertFalse(session.charge_ids, "hybrid: the claim goes out first")
        claim.patient_responsibility = 35.17
        claim.action_post()
        charge = claim.charge_ids
        self.assertRecordValues(
            charge,
            [
                {
                    "amount": 35.17,
                    "state": "unbilled",
                    "session_id": session.id,
                    "claim_id": claim.id,
                    "client_id": self.client_mateo.id,
                }
            ],
        )
        claim.action_post()
        self.assertEqual(len(claim.charge_ids), 1, "posting twice must not create a second charge")
        with self.assertRaises(UserError):
            claim.patient_responsibility = 99

    def test_negative_units_or_rate_refused(self):
        with self.assertRaisesRegex(ValidationError, "units must be above zero"):
            self._sessions(self.client_sofia, self.service_aba, units=-1)
        with self.assertRaisesRegex(ValidationError, "rate cannot be negative"):
            self._sessions(self.client_sofia, self.service_aba, unit_price=-5)


@tagged("post_install", "-at_install")
class TestCreateInvoice(BillingCommon):
    def test_create_invoice_from_charges_draft_with_one_line_per_charge(self):
        charges = self._charges(self.client_sofia, self.service_aba, units=3, count=2)
        charges |= self._charges(self.client_sofia, self.service_speech)
        move = charges._create_invoices(notes="<p>Thanks!</p>")
        self.assertEqual(len(move), 1)
        self.assertRecordValues(
            move,
            [
                {
                    "move_type": "out_invoice",
                    "state": "draft",
                    "billing_state": "draft",
                    "partner_id": self.parent_rivera.id,
                    "practice_client_id": self.client_sofia.id,
                }
            ],
        )
        self.assertIn("Thanks!", move.narration)
        self.assertEqual(move.invoice_line_ids.practice_charge_id, charges)
        self.assertEqual(set(charges.mapped("state")), {"invoiced"})
        self.assertEqual(charges.move_line_id.move_id, move)
        # total equals the sum of the charges to the cent
        self.assertEqual(move.amount_total, 3 * 32.50 * 2 + 125.00)
        self.assertEqual(move.amount_total, sum(charges.mapped("amount")))

    def test_default_due_date_is_today_plus_billing_terms(self):
        move = self._draft_invoice()
        self.assertEqual(move.invoice_date, fields.Date.today())
        self.assertEqual(move.invoice_date_due, fields.Date.today() + timedelta(days=30))

    def test_wizard_creates_invoice_for_picked_client_with_due_date_and_notes(self):
        charges = self._charges(self.client_lily, self.service_ot, count=3)
        due = fields.Date.today() + timedelta(days=10)
        wizard_form = Form(
            self.env["practice.charge.invoice"]
            .with_user(self.billing_user)
            .with_context(active_model="practice.charge", active_ids=charges.ids)
        )
        self.assertEqual(wizard_form.due_date, fields.Date.today() + timedelta(days=30))
        wizard_form.due_date = due
        wizard_form.notes = "Materials included"
        action = wizard_form.save().action_create_invoice()
        move = self.env["account.move"].browse(action["res_id"])
        self.assertEqual(move.invoice_date_due, due)
        self.assertEqual(move.invoice_line_ids.practice_charge_id, charges)
        self.assertIn("Materials included", move.narration)

    def test_billing_run_creates_one_invoice_per_client_in_batches(self):
        clients = self.env["practice.client"].create(
            [{"name": f"Kid {i}", "partner_id": self.parent_chen.id, "bill_to_mode": "client"} for i in range(5)]
        )
        sessions = self.env["practice.session"].create(
            [
                {"client_id": c.id, "product_id": self.service_aba.id, "units": i + 1}
                for i, c in enumerate(clients)
                for _n in range(2)
            ]
        )
        sessions.action_finalize()
        moves = sessions.charge_ids._create_invoices()
        self.assertEqual(len(moves), 5)
        self.assertEqual(moves.practice_client_id, clients)
        for move in moves:
            self.assertEqual(move.invoice_line_ids.practice_charge_id.client_id, move.practice_client_id)
            self.assertEqual(move.amount_total, sum(move.invoice_line_ids.practice_charge_id.mapped("amount")))

    def test_wizard_refuses_charges_of_two_clients_in_one_invoice(self):
        charges = self._charges(self.client_sofia, self.service_aba) | self._charges(self.client_lily, self.service_ot)
        wizard = self.env["practice.charge.invoice"].create({"charge_ids": [Command.set(charges.ids)]})
        with self.assertRaisesRegex(UserError, "belong to 2 clients"):
            wizard.action_create_invoice()
        self.assertEqual(set(charges.mapped("state")), {"unbilled"})

    def test_charge_of_another_client_cannot_go_on_invoice(self):
        move = self._draft_invoice()
        other = self._charges(self.client_lily, self.service_ot)
        with self.assertRaisesRegex(UserError, "cannot go on invoice|Create Invoice only"):
            move.write(
                {
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": self.service_ot.id,
                                "quantity": 1,
                                "price_unit": 10,
                                "practice_charge_id": other.id,
                            }
                        )
                    ]
                }
            )

    def test_already_invoiced_charge_refused(self):
        charges = self._charges(self.client_sofia, self.service_aba)
        charges._create_invoices()
        with self.assertRaisesRegex(UserError, "already on invoice"):
            charges._create_invoices()
        self.assertEqual(self.env["account.move"].search_count([("practice_client_id", "=", self.client_sofia.id)]), 1)

    def test_zero_charges_refused(self):
        with self.assertRaisesRegex(UserError, "at least one"):
            self.env["practice.charge"]._create_invoices()

    def test_client_without_parent_refused(self):
        orphan = self.env["practice.client"].create({"name": "No Parent", "bill_to_mode": "client"})
        charges = self._charges(orphan, self.service_aba)
        with self.assertRaisesRegex(UserError, "no responsible parent"):
            charges._create_invoices()
        self.assertEqual(charges.state, "unbilled")

    def test_due_date_before_invoice_date_refused(self):
        charges = self._charges(self.client_sofia, self.service_aba)
        with self.assertRaisesRegex(UserError, "before the invoice date"):
            charges._create_invoices(due_date=fields.Date.today() - timedelta(days=1))
        self.assertEqual(charges.state, "unbilled")
        self.assertFalse(charges.move_line_id)


@tagged("post_install", "-at_install")
class TestDraftEdits(BillingCommon):
    def test_add_manual_write_in_line(self):
        move = self._draft_invoice()
        total = move.amount_total
        move.write(
            {
                "invoice_line_ids": [
                    Command.create(
                        {"name": "Materials fee", "quantity": 1, "price_unit": 12.34, "tax_ids": [Command.clear()]}
                    )
                ]
            }
        )
        self.assertAlmostEqual(move.amount_total, total + 12.34, places=2)

    def test_adjust_rate_of_session_line(self):
        move = self._draft_invoice(count=1, units=2)
        line = move.invoice_line_ids
        line.price_unit = 20.00  # scholarship rate
        self.assertEqual(move.amount_total, 40.00)
        self.assertEqual(line.practice_charge_id.unit_price, 32.50, "the charge keeps its own rate")

    def test_remove_line_returns_charge_to_unbilled(self):
        move = self._draft_invoice(count=3)
        line = move.invoice_line_ids[0]
        charge = line.practice_charge_id
        others = move.invoice_line_ids.practice_charge_id - charge
        move.write({"invoice_line_ids": [Command.delete(line.id)]})
        self.assertEqual(charge.state, "unbilled")
        self.assertFalse(charge.move_line_id)
        self.assertEqual(set(others.mapped("state")), {"invoiced"})
        self.assertEqual(move.amount_total, sum(others.mapped("amount")))
        # it can be invoiced again
        again = charge._create_invoices()
        self.assertEqual(again.invoice_line_ids.practice_charge_id, charge)

    def test_delete_draft_returns_all_its_charges(self):
        move = self._draft_invoice(count=3)
        charges = move.invoice_line_ids.practice_charge_id
        unrelated = self._charges(self.client_sofia, self.service_speech)
        move.unlink()
        self.assertEqual(set(charges.mapped("state")), {"unbilled"})
        self.assertFalse(charges.move_line_id)
        self.assertEqual(unrelated.state, "unbilled")

    def test_discount_and_surcharge_lines_total_to_the_cent(self):
        move = self._draft_invoice(count=3, units=1)  # 3 x 32.50 = 97.50
        move._billing_add_adjustment("discount", "percent", 10)  # -9.75
        move._billing_add_adjustment("surcharge", "fixed", 5.01)
        adjustments = move.invoice_line_ids.filtered("billing_is_adjustment")
        self.assertEqual(sorted(adjustments.mapped("price_subtotal")), [-9.75, 5.01])
        self.assertEqual(move.amount_total, 92.76)

    def test_adjustment_wizard(self):
        move = self._draft_invoice(count=1, units=2)  # 65.00
        wizard = Form(self.env["account.move.billing.adjust"].with_context(default_move_id=move.id))
        wizard.kind = "surcharge"
        wizard.amount_type = "percent"
        wizard.value = 12.5
        wizard.save().action_apply()
        self.assertEqual(move.amount_total, 73.13)  # 65 + 8.125 rounded half-up

    def test_bad_adjustments_refused(self):
        move = self._draft_invoice(count=1, units=2)  # 65.00
        with self.assertRaisesRegex(UserError, "cannot exceed 100"):
            move._billing_add_adjustment("surcharge", "percent", 101)
        with self.assertRaisesRegex(UserError, "larger than invoice"):
            move._billing_add_adjustment("discount", "fixed", 65.01)
        with self.assertRaisesRegex(UserError, "above zero"):
            move._billing_add_adjustment("discount", "fixed", 0)
        self.assertEqual(move.amount_total, 65.00)
        self.assertFalse(move.invoice_line_ids.filtered("billing_is_adjustment"))

    def test_remove_line_from_sent_invoice_refused(self):
        move = self._sent_invoice()
        line = move.invoice_line_ids[0]
        with self.assertRaisesRegex(UserError, "read-only|posted|has been sent"):
            move.write({"invoice_line_ids": [Command.delete(line.id)]})
        self.assertEqual(line.practice_charge_id.state, "invoiced")

    def test_invoices_tab_lists_family_invoices_with_figures(self):
        move = self._draft_invoice()
        action = self.env.ref("parent_billing.account_move_action_family_invoices")
        found = self.env["account.move"].search(
            action._get_eval_domain() if hasattr(action, "_get_eval_domain") else [("practice_client_id", "!=", False)]
        )
        self.assertIn(move, found)
        self.assertRecordValues(
            move, [{"billing_amount_total": 130.0, "billing_amount_paid": 0.0, "billing_amount_due": 130.0}]
        )
        self.assertIn(move, self.env["account.move"].search([("billing_state", "=", "draft")]))

    def test_unbilled_count_on_menu(self):
        self._charges(self.client_sofia, self.service_aba, count=2)
        menus = self.env["ir.ui.menu"].load_menus(False)
        entry = next(m for m in menus.values() if m.get("xmlid") == "parent_billing.practice_charge_menu_unbilled")
        count = self.env["practice.charge"].search_count([("state", "=", "unbilled")])
        self.assertEqual(entry["name"], f"Unbilled Charges ({count})")
