from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .account_move import BILLING_OPEN_STATES


def billing_pause_fields(paused_string, paused_help, reason_string):
    """The flag and the reason of a pause staff put on a contact (reminders,
    collections): staff-only, set by their actions only, tracked."""
    staff = {"readonly": True, "tracking": True, "groups": "parent_billing.parent_billing_group_user"}
    return (
        fields.Boolean(paused_string, help=paused_help, **staff),
        fields.Char(reason_string, help="Staff only, never shown to the parent.", **staff),
    )


class ResPartner(models.Model):
    """A parent's payment reminders can be paused by staff (payment plan,
    dispute). Billing users do it with Pause Reminders / Resume Reminders,
    which need no right to edit the contact itself."""

    _inherit = "res.partner"

    billing_reminders_paused, billing_reminders_pause_reason = billing_pause_fields(
        "Payment Reminders Paused",
        "No payment reminder goes to this parent (e.g. a payment plan or a dispute).",
        "Why Reminders Are Paused",
    )

    @api.constrains("billing_reminders_paused", "billing_reminders_pause_reason")
    def _check_billing_reminders_pause_reason(self):
        for partner in self:
            if partner.billing_reminders_paused and not (partner.billing_reminders_pause_reason or "").strip():
                raise ValidationError(
                    self.env._(
                        "Pausing the payment reminders of %(parent)s needs a reason (e.g. payment plan, dispute).",
                        parent=partner.display_name,
                    )
                )

    def _billing_pause_reminders(self, reason):
        """Staff: no more payment reminders to these parents, with a reason
        (logged on the contact)."""
        self._billing_check_reminder_access()
        missing = self.env._(
            "Pausing the payment reminders of %(parent)s needs a reason (e.g. payment plan, dispute).",
            parent=", ".join(self.mapped("display_name")),
        )
        return self._billing_pause("billing_reminders_paused", "billing_reminders_pause_reason", reason, missing)

    def _billing_pause(self, paused_field, reason_field, reason, missing):
        """Set a pause (its flag and reason fields) on these contacts, staff
        checked by the caller; an empty reason raises ``missing``."""
        reason = (reason or "").strip()
        if not reason:
            raise UserError(missing)
        self.sudo().write({paused_field: True, reason_field: reason})
        return True

    def action_billing_resume_reminders(self):
        """Staff: reminders go to these parents again. The next daily run sends
        the latest step each open invoice has reached, not the ones missed."""
        self._billing_check_reminder_access()
        self.sudo().write({"billing_reminders_paused": False, "billing_reminders_pause_reason": False})
        return True

    def action_billing_open_pause_reminders(self):
        self.ensure_one()
        self._billing_check_reminder_access()
        return self._billing_pause_dialog(self.env._("Pause Payment Reminders"), "res.partner.billing.pause")

    def _billing_pause_dialog(self, name, wizard):
        """The dialog (``wizard``, a pause mixin model) asking the reason of a pause on this contact."""
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": wizard,
            "view_mode": "form",
            "target": "new",
            "context": {"default_partner_id": self.id},
        }

    def _billing_check_reminder_access(self):
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can pause or resume the payment reminders of a parent."))
        self.check_access("read")

    # ------------------------------------------------------------------
    # What the reminder email templates read (rendered on the parent)
    # ------------------------------------------------------------------
    def _billing_reminder_invoices(self):
        """The family invoices a reminder to this parent is about: those the
        daily run puts in the context, or (a template preview) all of the
        parent's open family invoices."""
        self.ensure_one()
        Move = self.env["account.move"]
        if move_ids := self.env.context.get("billing_reminder_move_ids"):
            return Move.browse(move_ids).filtered(lambda m: m.partner_id == self)
        return Move.search(
            [("partner_id", "=", self.id), ("billing_state", "in", BILLING_OPEN_STATES)],
            order="invoice_date_due, id",
        )

    def _billing_reminder_company(self):
        """The practice a reminder to this parent comes from."""
        self.ensure_one()
        return self._billing_reminder_invoices()[:1].company_id or self.env.company
