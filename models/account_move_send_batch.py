import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import column_exists, create_column

from .account_move_seal import billing_transition

_logger = logging.getLogger(__name__)

SEND_BATCH_SIZE = 50


class AccountMove(models.Model):
    """Bulk Send: many drafts queued at once, sent in the background.

    ``action_billing_send_batch()`` queues drafts (one ``practice.send.batch``
    summary, one line per invoice) and returns at once;
    ``_cron_billing_send_batch()`` sends them one by one through the one-at-a-
    time Send (``action_billing_send()``), each invoice in its own
    transaction. A line is row-locked while its invoice is sent and is no
    longer queued once the transaction commits, and Send itself is
    idempotent: a rerun or a second worker never sends an invoice twice.
    The queue state shown on the invoice is derived from those lines.
    """

    _inherit = "account.move"

    billing_send_line_ids = fields.One2many(
        "practice.send.batch.line", "move_id", string="Bulk Sends", readonly=True, copy=False
    )
    billing_send_queued = fields.Boolean(
        string="In Send Queue",
        compute="_compute_billing_send",
        store=True,
        help="Queued by a Bulk Send: it is being sent in the background.",
    )
    billing_send_error = fields.Text(
        string="Not Sent Because",
        compute="_compute_billing_send",
        store=True,
        help="Why the last Bulk Send skipped this invoice; empty once it is sent.",
    )

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_send_queued", "billing_send_error"}

    def _auto_init(self):
        # Nothing is queued at install: create the columns empty instead of
        # computing them for every journal entry of the database.
        for name, sql_type in (("billing_send_queued", "boolean"), ("billing_send_error", "text")):
            if not column_exists(self.env.cr, "account_move", name):
                create_column(self.env.cr, "account_move", name, sql_type)
        return super()._auto_init()

    @api.depends("billing_send_line_ids.state", "billing_send_line_ids.reason", "billing_sent_date")
    def _compute_billing_send(self):
        for move in self:
            last = move.sudo().billing_send_line_ids.sorted("id")[-1:]
            move.billing_send_queued = last.state == "queued"
            move.billing_send_error = (last.state == "skipped" and not move.billing_sent_date and last.reason) or False

    # ------------------------------------------------------------------
    # Queue
    # ------------------------------------------------------------------
    def action_billing_send_batch(self):
        """Send, on many invoices: queue the drafts for the background send
        and return at once, opening the Bulk Send summary. Invoices that are
        not drafts, or already queued, are listed there as skipped."""
        batch = self._billing_queue_send()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Bulk Send"),
            "res_model": "practice.send.batch",
            "res_id": batch.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    @billing_transition
    def _billing_queue_send(self):
        """Queue these invoices for Send; return the ``practice.send.batch``."""
        if not self:
            raise UserError(self.env._("Select the draft invoices to send."))
        if other := self - self._billing_family():
            raise UserError(self.env._("%(move)s is not a family invoice.", move=other[0].display_name))
        self.check_access("write")
        self._billing_lock()  # a clerk's Send or Delete of one of them waits for this
        drafts = self.filtered(lambda m: m.billing_state == "draft" and not m.billing_send_queued)
        if not drafts:
            raise UserError(
                self.env._(
                    "None of the %(count)s selected invoices is a draft waiting to be sent: select drafts.",
                    count=len(self),
                )
            )
        drafts._billing_check_transition("send")
        labels = dict(self._fields["billing_state"]._description_selection(self.env))
        lines = []
        for move in self:
            if move in drafts:
                lines.append({"move_id": move.id})
                continue
            if move.billing_send_queued:
                reason = self.env._(
                    "Invoice %(move)s is already waiting in bulk send %(batch)s.",
                    move=move.display_name,
                    batch=move.sudo().billing_send_line_ids.sorted("id")[-1:].batch_id.name,
                )
            else:
                reason = self._billing_state_error("send", move.display_name, labels.get(move.billing_state))
            lines.append({"move_id": move.id, "state": "skipped", "reason": reason})
        batch = (
            self.env["practice.send.batch"]
            .sudo()
            .create({"company_id": drafts[0].company_id.id, "line_ids": [fields.Command.create(v) for v in lines]})
        )
        for move in drafts:
            move.message_post(
                body=self.env._(
                    "Queued for sending by %(user)s (bulk send %(batch)s).", user=self.env.user.name, batch=batch.name
                ),
                subtype_xmlid="mail.mt_note",
            )
        self.env.ref("parent_billing.ir_cron_billing_send_batch").sudo()._trigger()
        return batch.sudo(False)

    def _billing_send_batch_problem(self):
        """Why this invoice cannot go out by email in a bulk send, or False.
        (Send itself refuses a zero total; one-at-a-time Send is unchanged.)"""
        self.ensure_one()
        if not self.partner_id.email:
            return self.env._(
                "%(parent)s has no email address: add one on the contact, then send invoice %(move)s again.",
                parent=self.partner_id.name,
                move=self.display_name,
            )
        return False

    # ------------------------------------------------------------------
    # The background send
    # ------------------------------------------------------------------
    @api.model
    def _cron_billing_send_batch(self, batch_size=SEND_BATCH_SIZE):
        """Send the queued invoices, each in its own transaction (committed
        outside tests), reporting progress to the cron after each batch. A
        line another worker holds is left to it; a line is only sent while
        this transaction holds its row lock and it is still queued, so a
        rerun or a second worker never sends an invoice twice."""
        Line = self.env["practice.send.batch.line"].sudo()
        busy = Line.browse()
        done = sent = skipped = 0
        while lines := Line.search([("state", "=", "queued"), ("id", "not in", busy.ids)], limit=batch_size):
            for line in lines:
                if not (locked := line._billing_try_lock()) or locked.state != "queued":
                    busy |= line
                    continue
                if not (move := line.move_id._billing_try_lock()):
                    busy |= line  # a clerk is sending or editing it right now: the next run takes it
                    continue
                if line._billing_send() == "sent":
                    sent += 1
                else:
                    skipped += 1
                    _logger.info("Bulk send %s: invoice %s skipped", line.batch_id.name, move.id)
                done += 1
                # Each invoice in its own transaction, so one bad invoice costs no other its send.
                self._billing_commit_batch(done, Line.search_count([("state", "=", "queued")]))
        _logger.info(
            "Family billing bulk send: %d invoice(s) sent, %d skipped, %d in use elsewhere left for the next run",
            sent,
            skipped,
            len(busy),
        )
        return True

    # ------------------------------------------------------------------
    # One-at-a-time Send leaves the queue too
    # ------------------------------------------------------------------
    def _billing_after_send(self):
        res = super()._billing_after_send()
        # Sent by hand while queued: the queue line says so and the next run leaves it alone.
        if queued := self.sudo().billing_send_line_ids.filtered(lambda l: l.state == "queued"):
            queued.write({"state": "sent"})
        return res
