"""The clerk's screens, smaller points of issue 24: list footers add up what
an accountant expects (no drafts or voided invoices in the invoice totals, no
statement balances added across parents), and a waived late fee is not
shown to the parent as a charge; the chatter of a family invoice says
"Invoice line changed", not "Journal Item #80 updated"."""

from datetime import timedelta

from lxml import etree, html

from odoo import Command, fields
from odoo.tests import Form, HttpCase, tagged

from .common import BillingCommon, html_text


@tagged("post_install", "-at_install")
class TestClerkScreens(BillingCommon):
    def _list_sums(self, model, view_xmlid):
        """The fields the list view adds up in its footer."""
        arch = self.env[model].get_views([(self.env.ref(view_xmlid).id, "list")])["views"]["list"]["arch"]
        return [node.get("name") for node in etree.fromstring(arch).iter("field") if node.get("sum")]

    def test_invoice_list_totals_leave_out_drafts_and_voided_invoices(self):
        self._draft_invoice(count=1)  # 65.00, not billed yet
        sent = self._sent_invoice(count=1)  # 65.00
        sent._billing_register_payment(15.00, fields.Date.today(), "check", "101")
        paid = self._sent_invoice(count=1)
        paid._billing_register_payment(65.00, fields.Date.today(), "check", "102")
        voided = self._sent_invoice(count=1)
        voided._billing_void("Entered twice")
        self.assertEqual(voided.billing_state, "voided")

        sums = self._list_sums("account.move", "parent_billing.account_move_view_list_family")
        self.assertEqual(sums, ["billing_amount_billed", "billing_amount_paid", "billing_amount_open"])
        domain = [("partner_id", "=", self.parent_rivera.id), *self.env["account.move"]._billing_family_domain()]
        [(billed, paid_total, open_total)] = self.env["account.move"]._read_group(
            domain, aggregates=["billing_amount_billed:sum", "billing_amount_paid:sum", "billing_amount_open:sum"]
        )
        self.assertEqual(billed, 130.00, "the sent and the paid invoice")
        self.assertEqual(paid_total, 80.00)
        self.assertEqual(open_total, 50.00, "what the family owes, as in Billing AR")
        self.assertAccountMoney(self.parent_rivera, open_total)

    def test_billing_run_preview_lists_the_families_and_amounts(self):
        self._charges(self.client_sofia, self.service_aba, 2, 2)  # 2 x 2 x 32.50 = 130.00
        self._charges(self.client_lily, self.service_speech, 1, 1)  # 125.00
        Wizard = self.env["practice.charge.billing.run"].with_user(self.billing_user)
        with Form(Wizard) as wizard:
            wizard.date_to = fields.Date.today()
            self.assertEqual(len(wizard.preview_line_ids), 2)
        preview = Wizard.new({"date_to": fields.Date.today()})
        self.assertEqual(
            preview.preview_line_ids.mapped(lambda l: (l.partner_id, l.client_id, l.charge_count, l.amount)),
            [(self.parent_chen, self.client_lily, 1, 125.00), (self.parent_rivera, self.client_sofia, 2, 130.00)],
        )
        self.assertEqual((preview.client_count, preview.charge_count, preview.amount_total), (2, 3, 255.00))

    def test_bulk_send_page_follows_the_background_send(self):
        """As the billing run's page (tests/test_clerk_tours.py): the same widget while not done."""
        arch = self.env["practice.send.batch"].get_views([(False, "form")])["views"]["form"]["arch"]
        [widget] = etree.fromstring(arch).xpath("//widget[@name='parent_billing_auto_refresh']")
        self.assertEqual(widget.get("invisible"), "state == 'done'")

    def test_family_invoice_chatter_says_invoice_line_not_journal_item(self):
        move = self._sent_invoice(count=1)
        move = move.with_context(tracking_disable=False)
        move._billing_extend_due_date(move.invoice_date_due + timedelta(days=10), "asked for time")
        self.env.flush_all()
        bodies = " ".join(html_text(m.body) for m in move.message_ids)
        self.assertNotIn("Journal Item", bodies)
        self.assertIn("Invoice line changed.", bodies)
        tracked = move.message_ids.tracking_value_ids.filtered(lambda t: t.field_id.name == "date_maturity")
        self.assertTrue(tracked, "the change itself is still logged")

    def _tracked_amount(self, move, before):
        """What Odoo's tracking logs when ``move``'s untaxed amount went from
        ``before`` to what it is now: the changed names, and the fields of the
        tracking values it creates."""
        tracked = move.fields_get(["amount_untaxed"], attributes=("string", "type", "currency_field"))
        changes, commands = move._mail_track(tracked, {"amount_untaxed": before})
        fields_ = self.env["ir.model.fields"].browse([vals["field_id"] for _c, _i, vals in commands])
        return changes, fields_, commands

    def test_family_invoice_chatter_says_total_not_untaxed_amount(self):
        """The clerk changes a draft's units: its tracked amount is logged as
        "Total", not Odoo's "Untaxed Amount"; a plain invoice keeps Odoo's."""
        move = self._draft_invoice(count=1)
        before = move.amount_total
        line = move.invoice_line_ids[0]
        move.write({"invoice_line_ids": [Command.update(line.id, {"quantity": line.quantity + 1})]})
        changes, fields_, commands = self._tracked_amount(move, before)
        self.assertEqual(changes, {"amount_untaxed"}, "Odoo's subtype logic still sees its own field")
        self.assertEqual(fields_.mapped("name"), ["amount_total"])
        self.assertEqual(fields_.field_description, "Total")
        self.assertEqual(
            (commands[0][2]["old_value_float"], commands[0][2]["new_value_float"]), (before, before + line.price_unit)
        )
        plain = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.parent_chen.id,
                "invoice_line_ids": [Command.create({"name": "Book", "quantity": 1, "price_unit": 10.0})],
            }
        )
        plain.write({"invoice_line_ids": [Command.create({"name": "Pen", "quantity": 1, "price_unit": 5.0})]})
        _changes, fields_, _commands = self._tracked_amount(plain, 10.0)
        self.assertEqual(fields_.mapped("name"), ["amount_untaxed"])

    def test_statement_list_does_not_add_up_balances_across_parents(self):
        sums = self._list_sums("practice.statement", "parent_billing.practice_statement_view_list")
        self.assertNotIn("opening_balance", sums)
        self.assertNotIn("closing_balance", sums)


@tagged("post_install", "-at_install")
class TestWaivedFeeOnPortal(BillingCommon, HttpCase):
    def test_waived_late_fee_is_struck_through_not_charged(self):
        self.user_maria = self._portal_user("maria", self.parent_rivera)
        move = self._sent_invoice(count=1)  # 65.00
        kept = move._billing_create_late_fee(15.0, "Late fee")
        waived_move = self._sent_invoice(count=1)
        waived = waived_move._billing_create_late_fee(10.0, "Late fee")
        waived_move._billing_waive_late_fee("first time")
        self.assertEqual(waived.payment_state, "reversed")
        self.authenticate("maria", "maria-pass-1234")
        for invoice, fee, charged in ((move, kept, True), (waived_move, waived, False)):
            page = html.fromstring(self.url_open(invoice.get_portal_url()).text)
            [row] = page.xpath("//tr[hasclass('o_billing_fee')]")
            amount = row.xpath("td")[-1]
            struck = " ".join(node.text_content() for node in amount.xpath(".//del"))
            outside = amount.text_content().replace(struck, "") if struck else amount.text_content()
            self.assertEqual(any(ch.isdigit() for ch in outside), charged, row.text_content())
            self.assertIn(f"{fee.amount_total:.2f}", amount.text_content())
