from odoo import api, fields, models

SEND_BATCH_STATES = [("queued", "Queued"), ("sending", "Sending"), ("done", "Done")]


class PracticeSendBatch(models.Model):
    """Bulk Send: the summary of one "Send" on several drafts.

    Made by ``account.move.action_billing_send_batch()``; its lines are the
    queue ``account.move._cron_billing_send_batch()`` works through. Staff
    read it (what went out, what was skipped and why); only those two
    methods write it.
    """

    _name = "practice.send.batch"
    _inherit = ["parent_billing.background.run.mixin"]
    _description = "Bulk Send"
    _order = "id desc"

    company_id = fields.Many2one(
        "res.company", required=True, readonly=True, index=True, default=lambda self: self.env.company
    )
    line_ids = fields.One2many("practice.send.batch.line", "batch_id", string="Invoices", readonly=True)
    state = fields.Selection(SEND_BATCH_STATES, string="Status", compute="_compute_counts")
    total_count = fields.Integer(string="Total Invoices", compute="_compute_counts")
    queued_count = fields.Integer(string="Waiting", compute="_compute_counts")
    sent_count = fields.Integer(string="Sent", compute="_compute_counts")
    skipped_count = fields.Integer(string="Skipped", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", help="Share of the invoices already processed, in percent.")
    to_print_count = fields.Integer(
        string="To Print",
        compute="_compute_to_print_count",
        help="Sent invoices of parents without an email address (or who asked for paper): print them for mailing.",
    )

    @api.depends("line_ids.state")
    def _compute_counts(self):
        counts = self._billing_run_counts("practice.send.batch.line", "batch_id", "queued", "sent")
        for batch, (queued, sent, skipped, total, progress) in counts.items():
            batch.update(
                {
                    "total_count": total,
                    "queued_count": queued,
                    "sent_count": sent,
                    "skipped_count": skipped,
                    "progress": progress,
                    "state": "done" if not queued else "sending" if sent + skipped else "queued",
                }
            )

    @api.depends("line_ids.state", "line_ids.move_id.billing_to_print")
    def _compute_to_print_count(self):
        for batch in self:
            batch.to_print_count = len(batch.line_ids.filtered(lambda l: l.state == "sent" and l.billing_to_print))

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.account_move_action_family_invoices")
        action["domain"] = [("id", "in", self.line_ids.move_id.ids)]
        return action
