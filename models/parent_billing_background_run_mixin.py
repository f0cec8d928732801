from odoo import api, fields, models


class ParentBillingBackgroundRunMixin(models.AbstractModel):
    """A job staff start and the background finishes (a billing run, a bulk
    send): named from the sequence of its model's name, with
    lines that wait, are done or are skipped (with why)."""

    _name = "parent_billing.background.run.mixin"
    _description = "Billing: Background Run"

    name = fields.Char(required=True, readonly=True, copy=False, default="/")

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("name", "/") == "/":
                vals["name"] = self.env["ir.sequence"].sudo().next_by_code(self._name) or "/"
        return super().create(vals_list)

    def _billing_run_counts(self, line_model, parent_field, waiting_state, done_state):
        """{record: (waiting, done, skipped, total, progress in percent)} of
        these records' lines in ``line_model``."""
        counts = self._billing_line_counts(line_model, parent_field)
        result = {}
        for record in self:
            waiting = counts.get((record.id, waiting_state), 0)
            done = counts.get((record.id, done_state), 0)
            skipped = counts.get((record.id, "skipped"), 0)
            total = waiting + done + skipped
            result[record] = (waiting, done, skipped, total, 100.0 * (done + skipped) / total if total else 100.0)
        return result
