from odoo.exceptions import AccessError
from odoo.tests import Form, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestInvoiceSettings(BillingCommon):
    """Billing -> Invoice Settings: a billing manager's screen, not an Odoo admin's."""

    def _open_settings(self, user):
        """What the menu does: run its action as ``user`` and open the form it returns."""
        action = self.env.ref("parent_billing.res_company_action_billing_settings").with_user(user).run()
        return Form.from_action(self.env(user=user), action)

    def _menu_visible(self, user):
        menu = self.env.ref("parent_billing.res_company_menu_billing_settings")
        return menu.id in self.env["ir.ui.menu"].with_user(user)._visible_menu_ids()

    def test_billing_manager_without_settings_group_saves_invoice_settings(self):
        manager = self.billing_manager
        self.assertFalse(manager.has_group("base.group_system"))
        self.assertFalse(manager.has_group("base.group_erp_manager"))
        self.assertTrue(self._menu_visible(manager))
        form = self._open_settings(manager)
        self.assertEqual(form.record, self.company, "the settings of the manager's current practice")
        form.billing_late_fee_type = "percent"
        form.billing_late_fee_amount = 1.5
        form.billing_late_fee_days = 15
        form.billing_invoice_footer = "Bright Steps - see you next week"
        form.billing_payment_instructions = "ACH info: 000123"
        form.billing_payment_term_id = self.env.ref("account.account_payment_term_15days")
        form.save()
        self.assertRecordValues(
            self.company,
            [
                {
                    "billing_late_fee_type": "percent",
                    "billing_late_fee_amount": 1.5,
                    "billing_late_fee_days": 15,
                    "billing_invoice_footer": "Bright Steps - see you next week",
                    "billing_payment_instructions": "ACH info: 000123",
                    "billing_payment_term_id": self.env.ref("account.account_payment_term_15days").id,
                }
            ],
        )

    def test_billing_manager_changes_only_the_billing_fields_of_the_company(self):
        with self.assertRaisesRegex(AccessError, "Invoice Settings only, not Company Name"):
            self.company.with_user(self.billing_manager).write({"name": "Not a billing setting"})
        self.assertNotEqual(self.company.name, "Not a billing setting")

    def test_billing_user_cannot_open_or_change_invoice_settings(self):
        clerk = self.billing_user
        self.assertFalse(self._menu_visible(clerk))
        with self.assertRaises(AccessError):
            self._open_settings(clerk)
        # Even with the form at hand (e.g. a URL), saving is refused and nothing changes.
        form = Form(self.company.with_user(clerk), "parent_billing.res_company_view_form_billing_settings")
        form.billing_late_fee_type = "flat"
        form.billing_late_fee_amount = 99.0
        with self.assertRaises(AccessError):
            form.save()
        self.assertEqual(self.company.billing_late_fee_type, "none")
