import copy

from odoo import api, models

UNBILLED_MENU = "parent_billing.practice_charge_menu_unbilled"


class IrUiMenu(models.Model):
    _inherit = "ir.ui.menu"

    @api.model
    def get_user_roots(self):
        """The Invoicing app is for accountants: billing clerks work in Billing,
        where family invoices speak the seed's words."""
        roots = super().get_user_roots()
        if self.env.user._billing_is_clerk():
            roots -= self.env.ref("account.menu_finance")
        return roots

    @api.model
    def load_menus(self, debug):
        """Show the unbilled-charge count on the Unbilled Charges tab. The
        cached menu tree is copied, never changed in place."""
        menus = super().load_menus(debug)
        entry = next((m for m in menus.values() if m.get("xmlid") == UNBILLED_MENU), None)
        if not entry:
            return menus
        count = self.env["practice.charge"].search_count([("state", "=", "unbilled")])
        menus = dict(menus)
        entry = copy.copy(entry)
        entry["name"] = f"{entry['name']} ({count})"
        menus[entry["id"]] = entry
        return menus
