import logging

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.sql import column_exists, create_column, create_index

from .account_move_seal import billing_transition

_logger = logging.getLogger(__name__)

SEND_BATCH_SIZE = 50


class AccountMove(models.Model):
    """Bulk Send: many drafts queued at once, sent in the background.

    ``action_billing_send_batch()`` queues drafts (one ``practice.send.batch``
    summary, one line per invoice) and returns at once;
    ``_cron_billing_send_batch()`` sends them one by one through the one-at-a-
    time Send (``action_billing_send()``), each invoice in two committed
    steps so that several workers add up: (1) post, number and apply credits
    with ``billing_send_pending`` set, committed at once, because Odoo holds
    the journal's numbering lock until commit; (2) render the PDF, queue the
    email, clear the flag. While the flag is set the invoice is not in the
    parent's portal and autopay leaves it alone; any run (or a Send by hand)
    finishes an invoice whose flag is set, a crash between the steps
    included. A line is row-locked while its invoice is sent and is no
    longer queued once step 1 commits, and Send itself is idempotent: a rerun
    or a second worker never sends an invoice twice. The queue state shown
    on the invoice is derived from those lines.
    """

    _inherit = "account.move"

    billing_send_line_ids = fields.One2many("practice.send.batch.line", "move_id", string="Bulk Sends", readonly=True)
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
    billing_send_pending = fields.Boolean(
        "Being Sent",
        readonly=True,
        copy=False,
        help="Posted and numbered by a Bulk Send, its PDF and email not made yet: not in the parent's portal and "
        "not charged by autopay until then. The next bulk send run finishes it.",
    )

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {
            "billing_send_queued",
            "billing_send_error",
            "billing_send_pending",
        }

    def _auto_init(self):
        # Nothing is queued at install: create the columns empty instead of
        # computing them for every journal entry of the database.
        for name, sql_type in (
            ("billing_send_queued", "boolean"),
            ("billing_send_error", "text"),
            ("billing_send_pending", "boolean"),
        ):
            if not column_exists(self.env.cr, "account_move", name):
                create_column(self.env.cr, "account_move", name, sql_type)
        return super()._auto_init()

    def init(self):
        res = super().init()
        # The runs look for half-sent invoices: a handful among millions.
        create_index(
            self.env.cr, "account_move_billing_send_pending_idx", "account_move", ["id"], where="billing_send_pending"
        )
        return res

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
        # Both bulk send workers start at once (each a cron thread); an archived one does not run.
        for xmlid in ("parent_billing.ir_cron_billing_send_batch", "parent_billing.ir_cron_billing_send_batch_2"):
            if cron := self.env.ref(xmlid, raise_if_not_found=False):
                cron.sudo()._trigger()
        return batch.sudo(False)

    # ------------------------------------------------------------------
    # The background send
    # ------------------------------------------------------------------
    @api.model
    def _cron_billing_send_batch(self, batch_size=SEND_BATCH_SIZE):
        """Send the queued invoices, each in its own two transactions
        (committed outside tests): step 1 posts and numbers it, step 2 makes
        its PDF and email; progress is reported to the cron after each. A
        line another worker holds is left to it; a line is only sent while
        this transaction holds its row lock and it is still queued, and
        step 2 only while this transaction holds the invoice's row lock and
        its flag is still set, so a rerun or a second worker never sends an
        invoice twice. Invoices a killed run left half-sent are finished
        first."""
        Line = self.env["practice.send.batch.line"].sudo()
        busy = Line.browse()
        done = sent = skipped = 0
        finished = self._billing_finish_pending_sends(batch_size)
        while lines := Line.search([("state", "=", "queued"), ("id", "not in", busy.ids)], limit=batch_size):
            for line in lines:
                if not (locked := line._billing_try_lock()) or locked.state != "queued":
                    busy |= line
                    continue
                if not (move := line.move_id._billing_try_lock()):
                    busy |= line  # a clerk is sending or editing it right now: the next run takes it
                    continue
                if line.with_context(billing_send_post_only=True)._billing_send() == "sent":
                    sent += 1
                    # Step 1 is committed at once: the journal's numbering lock is
                    # released for the other workers while this one renders the PDF.
                    self._billing_commit()
                    if move := move._billing_try_lock():  # else another worker finishes it
                        move._billing_finish_pending_send()
                else:
                    skipped += 1
                    _logger.info("Bulk send %s: invoice %s skipped", line.batch_id.name, move.id)
                done += 1
                # Each invoice in its own transactions, so one bad invoice costs no other its send.
                self._billing_commit_batch(done, Line.search_count([("state", "=", "queued")]))
        finished += self._billing_finish_pending_sends(batch_size)
        _logger.info(
            "Family billing bulk send: %d invoice(s) sent, %d skipped, %d in use elsewhere left for the next run, "
            "%d half-sent invoice(s) finished",
            sent,
            skipped,
            len(busy),
            finished,
        )
        return True

    @api.model
    def _billing_finish_pending_sends(self, batch_size=SEND_BATCH_SIZE):
        """Step 2 of the invoices posted by a bulk send whose PDF and email
        are not made yet (another worker's, or left by a killed run), each in
        its own transaction. Returns how many this run finished."""
        tried = self.browse()
        finished = 0
        while moves := self.sudo().search(
            [("billing_send_pending", "=", True), ("id", "not in", tried.ids)], limit=batch_size, order="id"
        ):
            tried |= moves
            for move in moves:
                if (locked := move._billing_try_lock()) and locked._billing_finish_pending_send():
                    finished += 1
                    self._billing_commit()
        return finished

    def _billing_finish_pending_send(self):
        """Step 2 of the bulk send on this invoice, if it is still pending,
        in a savepoint and as the clerk who queued it: render and attach the
        PDF, queue the email, clear the flag. The caller holds the invoice's
        row lock and commits. Returns whether it was finished; a failure is
        logged and leaves the invoice pending for the next run."""
        self.ensure_one()
        if not self.billing_send_pending:
            return False  # finished by another worker meanwhile
        batch = self.sudo().billing_send_line_ids.sorted("id")[-1:].batch_id
        move = self.with_user(batch.create_uid or self.env.user).with_company(self.company_id)
        try:
            with self.env.cr.savepoint():
                move._billing_send_finish()
        except Exception:  # noqa: BLE001 - one bad invoice must not stop the run
            _logger.exception("Bulk send: the PDF or email of invoice %s could not be made; retried next run", self.id)
            return False
        return True

    @billing_transition
    def _billing_send_finish(self):
        """Step 2 of Send on those of these invoices that are posted but
        pending (the PDF and email)."""
        self.filtered("billing_send_pending")._billing_send_deliver()
        return True

    def _billing_send_deliver(self):
        if self.env.context.get("billing_send_post_only"):
            # Step 1 of the background send: delivered by step 2, after a commit.
            self.billing_send_pending = True
            return
        super()._billing_send_deliver()
        if pending := self.filtered("billing_send_pending"):
            pending.billing_send_pending = False

    def action_billing_send(self):
        # Send on an invoice a bulk send left half-sent finishes it.
        pending = self.filtered("billing_send_pending")
        res = super().action_billing_send()
        if pending and not self.env.context.get("billing_send_post_only"):
            pending._billing_send_finish()
        return res

    # ------------------------------------------------------------------
    # One-at-a-time Send leaves the queue too
    # ------------------------------------------------------------------
    def _billing_after_send(self):
        res = super()._billing_after_send()
        # Sent by hand while queued: the queue line says so and the next run leaves it alone.
        if queued := self.sudo().billing_send_line_ids.filtered(lambda l: l.state == "queued"):
            queued.write({"state": "sent"})
        return res
