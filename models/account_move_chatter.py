from odoo import models


class AccountMove(models.Model):
    """Family invoices' chatter in the clerk's words: "Invoice line changed"
    rather than "Journal Item #80 updated". Other invoices log what Odoo logs."""

    _inherit = "account.move"

    def _message_log(self, *, body="", tracking_value_ids=False, **kwargs):
        # account.move.line.write() logs line changes as "Journal Item #<id> updated".
        if len(self) == 1 and self._billing_family() and tracking_value_ids:
            field_ids = [vals["field_id"] for _c, _i, vals in tracking_value_ids if isinstance(vals, dict)]
            if field_ids and set(self.env["ir.model.fields"].browse(field_ids).mapped("model")) == {
                "account.move.line"
            }:
                body = self.env._("Invoice line changed.")
        return super()._message_log(body=body, tracking_value_ids=tracking_value_ids, **kwargs)
