from odoo import fields, models


class ResPartnerBillingPauseMixin(models.AbstractModel):
    """The dialogs that pause something on a parent's account with the reason
    staff give (Pause Reminders, Pause Collections): the contact's method
    checks and logs the reason."""

    _name = "res.partner.billing.pause.mixin"
    _description = "Family Billing Pause Dialog"

    partner_id = fields.Many2one("res.partner", required=True)
    reason = fields.Char(required=True)

    def _billing_apply_pause(self, action):
        """Run ``action`` (a method of the contact) with the reason; close the dialog."""
        self.ensure_one()
        action(self.reason)
        return {"type": "ir.actions.act_window_close"}
