from odoo import models


class AccountMove(models.Model):
    """Family invoices' chatter in the clerk's words: "Invoice line changed"
    rather than "Journal Item #80 updated", "Total" rather than "Untaxed
    Amount". Other invoices log what Odoo logs."""

    _inherit = "account.move"

    def _message_log(self, *, body="", tracking_value_ids=False, **kwargs):
        # account.move.line.write() logs line changes as "Journal Item #<id> updated".
        if len(self) == 1 and self._billing_family() and tracking_value_ids:
            field_ids = [vals["field_id"] for _c, _i, vals in tracking_value_ids if isinstance(vals, dict)]
            if field_ids and set(self.env["ir.model.fields"].sudo().browse(field_ids).mapped("model")) == {
                "account.move.line"
            }:
                body = self.env._("Invoice line changed.")
        return super()._message_log(body=body, tracking_value_ids=tracking_value_ids, **kwargs)

    def _mail_track(self, tracked_fields, initial_values):
        # Odoo tracks "Untaxed Amount"; a family invoice carries no tax, so that
        # figure is its total: log the change under "Total", the word the clerk
        # sees on the invoice (the change set keeps Odoo's name for _track_subtype).
        if (
            "amount_untaxed" not in tracked_fields
            or "amount_untaxed" not in initial_values
            or not self._billing_family()
            or not self.currency_id.is_zero(self.amount_tax)
        ):
            return super()._mail_track(tracked_fields, initial_values)
        tracked = {name: info for name, info in tracked_fields.items() if name != "amount_untaxed"}
        tracked.update(self.fields_get(["amount_total"], attributes=("string", "type", "currency_field")))
        initial = {name: value for name, value in initial_values.items() if name != "amount_untaxed"}
        initial["amount_total"] = initial_values["amount_untaxed"]
        changes, tracking_value_ids = super()._mail_track(tracked, initial)
        if "amount_total" in changes:
            changes = (changes - {"amount_total"}) | {"amount_untaxed"}
        return changes, tracking_value_ids
