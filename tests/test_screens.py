"""What a billing clerk sees: the Billing app, not Odoo's accounting."""

import ast
from types import SimpleNamespace

from lxml import etree

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import Form, tagged
from odoo.tools.safe_eval import safe_eval

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestClerkScreens(BillingCommon):
    def _app_xmlids(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu["xmlid"] for menu in menus.values() if isinstance(menu, dict) and menu.get("xmlid")}

    def test_clerk_lands_in_billing_without_the_invoicing_app(self):
        self.assertEqual(
            self.billing_user.action_id.id, self.env.ref("parent_billing.account_move_action_family_invoices").id
        )
        apps = self._app_xmlids(self.billing_user)
        self.assertIn("parent_billing.parent_billing_menu_root", apps)
        self.assertNotIn("account.menu_finance", apps)

    def test_accountant_keeps_the_invoicing_app_and_own_home(self):
        accountant = self._billing_staff("accountant", "account.group_account_manager")
        accountant.groups_id |= self.env.ref("parent_billing.parent_billing_group_manager")
        self.assertFalse(accountant.action_id)
        self.assertIn("account.menu_finance", self._app_xmlids(accountant))

    def test_user_made_clerk_later_lands_in_billing(self):
        user = self._billing_staff("newcomer", "base.group_user")
        self.assertFalse(user.action_id)
        user.write({"groups_id": [Command.link(self.env.ref("parent_billing.parent_billing_group_user").id)]})
        self.assertEqual(user.action_id.id, self.env.ref("parent_billing.account_move_action_family_invoices").id)

    def test_invoice_form_speaks_billing(self):
        arch = self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="billing_state" widget="statusbar"', arch)
        self.assertIn("o_billing_totals", arch)
        self.assertIn('name="billing_late_fee_ids"', arch)
        self.assertIn("Family Invoice", arch)
        self.assertIn('string="Parent"', arch)


@tagged("post_install", "-at_install")
class TestInvoiceEmailStatus(BillingCommon):
    def test_clerk_sees_a_failed_email_and_resends_it(self):
        move = self._sent_invoice().with_user(self.billing_user)
        self.assertEqual(move.billing_email_state, "queued")
        mail = self.env["mail.mail"].sudo().search([("model", "=", "account.move"), ("res_id", "=", move.id)])
        self.assertEqual(len(mail), 1)
        # What Odoo records when the mail server refuses the email.
        mail.mail_message_id.notification_ids.sudo().filtered(lambda n: n.res_partner_id == move.partner_id).write(
            {"notification_status": "exception", "failure_type": "mail_smtp", "failure_reason": "Connection refused"}
        )
        move.invalidate_recordset()
        self.assertEqual(move.billing_email_state, "failed")
        self.assertEqual(move.billing_email_failure, "Connection refused")
        move.action_billing_resend_email()
        move.invalidate_recordset()
        self.assertEqual(move.billing_email_state, "queued")
        self.assertEqual(
            len(self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", move.id)])), 2
        )
        self.assertIn("sent again", move.message_ids.filtered(lambda m: m.subtype_id.internal)[0].body)

    def test_resend_needs_an_address_and_a_sent_invoice(self):
        draft = self._draft_invoice()
        with self.assertRaisesRegex(UserError, "cannot be sent again: it is Draft"):
            draft.action_billing_resend_email()
        move = self._sent_invoice(client=self.client_lily)
        self.parent_chen.email = False
        with self.assertRaisesRegex(UserError, "has no email address"):
            move.action_billing_resend_email()

    def test_send_adds_no_odoobot_attachment_note(self):
        move = self._sent_invoice()
        self.assertFalse(move.message_ids.filtered(lambda m: "not updated from the attachment" in (m.body or "")))

    def test_delete_draft_returns_charges(self):
        move = self._draft_invoice().with_user(self.billing_user)
        charges = move.invoice_line_ids.practice_charge_id
        action = move.action_billing_delete_draft()
        self.assertFalse(move.exists())
        self.assertEqual(set(charges.mapped("state")), {"unbilled"})
        self.assertEqual(action["res_model"], "account.move")
        with self.assertRaisesRegex(UserError, "cannot be edited: it is Sent"):
            self._sent_invoice().action_billing_delete_draft()


@tagged("post_install", "-at_install")
class TestWriteIn(BillingCommon):
    def test_clerk_adds_a_write_in_with_description_units_and_rate(self):
        move = self._draft_invoice().with_user(self.billing_user)  # 2 x 2 x 32.50 = 130.00
        wizard = Form(
            self.env["account.move.billing.write.in"].with_user(self.billing_user).with_context(default_move_id=move.id)
        )
        wizard.name = "Materials fee"
        wizard.units = 2
        wizard.rate = 7.5
        wizard.save().action_add()
        line = move.invoice_line_ids.filtered(lambda l: l.name == "Materials fee")
        self.assertEqual((line.quantity, line.price_unit, line.price_subtotal), (2.0, 7.5, 15.0))
        self.assertFalse(line.practice_charge_id)
        self.assertEqual(move.amount_total, 145.0)

    def test_write_in_refuses_bad_input_and_sent_invoices(self):
        move = self._draft_invoice()
        for name, units, rate, match in (
            (" ", 1, 5, "needs a description"),
            ("Fee", 0, 5, "units"),
            ("Fee", float("nan"), 5, "units"),
            ("Fee", 1, float("inf"), "rate"),
            ("Fee", 1, -5, "rate"),
        ):
            with self.assertRaisesRegex(UserError, match):
                move._billing_add_write_in(name, units, rate)
        self.assertEqual(len(move.invoice_line_ids), 2)
        move.action_billing_send()
        with self.assertRaisesRegex(UserError, "cannot be edited: it is Sent"):
            move._billing_add_write_in("Fee", 1, 5)


@tagged("post_install", "-at_install")
class TestReportsAndNotifications(BillingCommon):
    def test_billing_ar_grouped_by_bucket_is_in_aging_order(self):
        move = self._sent_invoice()
        groups = (
            self.env["practice.ar.aging"]
            .with_user(self.billing_user)
            .web_read_group([("partner_id", "=", self.parent_rivera.id)], ["amount_residual:sum"], ["aging_bucket"])[
                "groups"
            ]
        )
        self.assertEqual(
            [g["aging_bucket"] for g in groups],
            ["not_due", "0_30", "31_60", "61_90", "90_plus"],
            "every bucket, in order",
        )
        self.assertEqual(groups[0]["amount_residual"], move.billing_amount_due)
        arch = self.env["practice.ar.aging"].get_views([(False, "graph")])["views"]["graph"]["arch"]
        self.assertIn('name="aging_bucket" type="row"', arch)
        action = self.env.ref("parent_billing.practice_ar_aging_action")
        self.assertNotIn("search_default_group", action.context or "", "the graph is not split per family")

    def test_practice_notifications_menu_opens_the_invoice_email_template(self):
        menu = self.env.ref("parent_billing.mail_template_menu_billing_notifications")
        self.assertEqual(menu.parent_id, self.env.ref("parent_billing.parent_billing_menu_practice"))
        action = self.env.ref("parent_billing.mail_template_action_billing_notifications")
        templates = self.env["mail.template"].with_user(self.billing_manager).search(ast.literal_eval(action.domain))
        invoice_email = self.env.ref("parent_billing.mail_template_parent_invoice")
        self.assertIn(invoice_email, templates)  # beside the payment reminders (test_reminders)
        self.assertIn(self.env.ref("parent_billing.mail_template_parent_statement"), templates)
        self.assertIn(self.env.ref("parent_billing.mail_template_autopay_declined"), templates)
        self.assertIn(menu.id, self.env["ir.ui.menu"].with_user(self.billing_manager)._visible_menu_ids())
        self.assertNotIn(menu.id, self.env["ir.ui.menu"].with_user(self.billing_user)._visible_menu_ids())
        self.assertEqual(
            self.company.billing_mail_template_id, invoice_email, "Invoice Settings shows the template in use"
        )


@tagged("post_install", "-at_install")
class TestLineProducts(BillingCommon):
    def test_family_invoice_lines_offer_services_not_goods(self):
        desk = self.env["product.product"].create({"name": "Corner Desk Right Sit", "type": "consu", "sale_ok": True})
        arch = etree.fromstring(self.env["account.move"].get_views([(False, "form")])["views"]["form"]["arch"])
        (field,) = arch.xpath("//field[@name='invoice_line_ids']/list/field[@name='product_id']")
        context = {"default_move_type": "out_invoice"}
        family = safe_eval(field.get("domain"), {"parent": SimpleNamespace(practice_client_id=1), "context": context})
        other = safe_eval(
            field.get("domain"), {"parent": SimpleNamespace(practice_client_id=False), "context": context}
        )
        offered = self.env["product.product"].search(family)
        self.assertIn(self.service_speech, offered)
        self.assertNotIn(desk, offered, "no furniture on a family invoice")
        self.assertIn(desk, self.env["product.product"].search(other), "other invoices offer what Odoo offers")


@tagged("post_install", "-at_install")
class TestFamilyInvoiceGear(BillingCommon):
    def test_billing_invoices_offer_no_odoo_gear_actions(self):
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.account_move_action_family_invoices")
        context = safe_eval(action["context"]) if isinstance(action["context"], str) else action["context"]
        self.assertFalse(context["delete"])
        Move = self.env["account.move"].with_user(self.billing_user)
        family = Move.with_context(**context).get_views([(False, "form"), (False, "list")], {"toolbar": True})
        for view in family["views"].values():
            self.assertEqual(view["toolbar"], {})
        odoo = Move.get_views([(False, "form")], {"toolbar": True})["views"]["form"]["toolbar"]
        names = {a["name"] for a in odoo.get("action", [])}
        self.assertIn("Debit Note", names, "Odoo's own invoice screens keep their gear actions")


@tagged("post_install", "-at_install")
class TestOdooFormsUnchanged(BillingCommon):
    def test_journal_entry_form_keeps_its_lines_editable(self):
        """Odoo's own journal entry form (as core's tests drive it) still edits its lines."""
        self.env.user.groups_id |= self.env.ref("account.group_account_readonly")
        with Form(self.env["account.move"].with_context(default_move_type="entry")) as move_form:
            with move_form.line_ids.new() as line:
                line.account_id = self.company_data["default_account_revenue"]
                line.credit = 10.0
            with move_form.line_ids.new() as line:
                line.account_id = self.company_data["default_account_receivable"]
                line.debit = 10.0
        self.assertEqual(len(move_form.record.line_ids), 2)
