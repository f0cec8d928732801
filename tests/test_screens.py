"""What a billing clerk sees: the Billing app, not Odoo's accounting."""

from odoo import Command
from odoo.tests import tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestClerkScreens(BillingCommon):
    def _app_xmlids(self, user):
        menus = self.env["ir.ui.menu"].with_user(user).load_menus(debug=False)
        return {menu["xmlid"] for menu in menus.values() if isinstance(menu, dict) and menu.get("xmlid")}

    def test_clerk_lands_in_billing_without_the_invoicing_app(self):
        self.assertEqual(self.billing_user.action_id.id, self.env.ref("parent_billing.account_move_action_family_invoices").id)
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
