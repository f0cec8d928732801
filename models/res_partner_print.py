from odoo import fields, models
from odoo.exceptions import AccessError


class ResPartner(models.Model):
    _inherit = "res.partner"

    billing_paper = fields.Boolean(
        string="Paper Invoices",
        groups="parent_billing.parent_billing_group_user",
        tracking=True,
        help="The parent asked for paper: Send marks her family invoices To Print (printed and mailed with the "
        "practice's payment instructions). Set by billing staff.",
    )

    def write(self, vals):
        if set(vals) == {"billing_paper"} and not self.env.su:
            # Billing staff (the field's group) tick it without the right to edit the contact itself.
            if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
                raise AccessError(self.env._("Only billing staff can set a parent to paper invoices."))
            self.check_access("read")
            self = self.sudo()  # noqa: PLW0642
        return super().write(vals)
