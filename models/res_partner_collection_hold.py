from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .res_partner import billing_pause_fields


class ResPartner(models.Model):
    """An account's collections paused by staff, with a reason: no late fee,
    no payment reminder and no full-balance autopay charge on its invoices
    while paused (see ``account.move._billing_collection_held``). The
    reminder pause (``billing_reminders_paused``) stays reminders-only."""

    _inherit = "res.partner"

    billing_collections_paused, billing_collections_pause_reason = billing_pause_fields(
        "Collections Paused",
        "No late fee, no payment reminder and no autopay charge on this account's invoices.",
        "Why Collections Are Paused",
    )
    billing_collections_hold_end_date = fields.Date(
        string="Collections Resumed On",
        readonly=True,
        groups="parent_billing.parent_billing_group_user",
        help="Late-fee days and reminder offsets count from this day.",
    )

    @api.constrains("billing_collections_paused", "billing_collections_pause_reason")
    def _check_billing_collections_pause_reason(self):
        for partner in self:
            if partner.billing_collections_paused and not (partner.billing_collections_pause_reason or "").strip():
                raise ValidationError(
                    self.env._("Pausing the collections of %(parent)s needs a reason.", parent=partner.display_name)
                )

    def _billing_pause_collections(self, reason):
        """Staff: hold collections on these accounts, with a reason (logged on the contact)."""
        self._billing_check_collections_access()
        missing = self.env._(
            "Pausing the collections of %(parent)s needs a reason.", parent=", ".join(self.mapped("display_name"))
        )
        return self.commercial_partner_id._billing_pause(
            "billing_collections_paused", "billing_collections_pause_reason", reason, missing
        )

    def action_billing_resume_collections(self):
        """Staff: collections go on from today (late-fee days and reminder offsets count from it)."""
        self._billing_check_collections_access()
        self.commercial_partner_id.sudo().filtered("billing_collections_paused").write(
            {
                "billing_collections_paused": False,
                "billing_collections_pause_reason": False,
                "billing_collections_hold_end_date": fields.Date.context_today(self),
            }
        )
        return True

    def action_billing_open_pause_collections(self):
        self.ensure_one()
        self._billing_check_collections_access()
        return self.commercial_partner_id._billing_pause_dialog(
            self.env._("Pause Collections"), "res.partner.billing.collections.pause"
        )

    def _billing_check_collections_access(self):
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can pause or resume the collections of an account."))
        self.check_access("read")
