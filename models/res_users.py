from odoo import api, models


class ResUsers(models.Model):
    _inherit = "res.users"

    @api.model_create_multi
    def create(self, vals_list):
        users = super().create(vals_list)
        users._billing_set_home_action()
        return users

    def write(self, vals):
        res = super().write(vals)
        if "groups_id" in vals or any(key.startswith(("in_group_", "sel_groups_")) for key in vals):
            self._billing_set_home_action()
        return res

    def _billing_is_clerk(self):
        """Billing staff who are not accountants: Billing is their app."""
        self.ensure_one()
        return self.has_group("parent_billing.parent_billing_group_user") and not (
            self.has_group("account.group_account_manager") or self.has_group("account.group_account_readonly")
        )

    def _billing_set_home_action(self):
        """A clerk without a home action of their own lands in Billing → Invoices after login."""
        action = self.env.ref("parent_billing.account_move_action_family_invoices", raise_if_not_found=False)
        clerks = self.filtered(lambda user: not user.action_id and not user.share and user._billing_is_clerk())
        if action and clerks:
            clerks.sudo().write({"action_id": action.id})
