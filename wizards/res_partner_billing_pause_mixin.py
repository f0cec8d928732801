from odoo import fields, models


class ResPartnerBillingPauseMixin(models.AbstractModel):
    """The dialogs that pause something on a parent's account with the reason
    staff give (Pause Reminders, Pause Collections): the contact's method
    checks and logs the reason."""

    _name = "res.partner.billing.pause.mixin"
    _description = "Family Billing Pause Dialog"

    # the contact's method that pauses with the reason: each dialog names its own
    _billing_pause_method = None

    partner_id = fields.Many2one("res.partner", required=True)
    reason = fields.Char(required=True)

    def action_pause(self):
        """Pause with the reason (the contact's method checks and logs it); close the dialog."""
        self.ensure_one()
        getattr(self.partner_id, self._billing_pause_method)(self.reason)
        return {"type": "ir.actions.act_window_close"}
