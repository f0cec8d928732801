import logging

from odoo import fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL

_logger = logging.getLogger(__name__)

SEND_LINE_STATES = [("queued", "Queued"), ("sent", "Sent"), ("skipped", "Skipped")]


class PracticeSendBatchLine(models.Model):
    """One invoice of a Bulk Send: queued, then sent or skipped (with why)."""

    _name = "practice.send.batch.line"
    _description = "Bulk Send Invoice"
    _order = "id"

    batch_id = fields.Many2one("practice.send.batch", required=True, readonly=True, index=True, ondelete="cascade")
    move_id = fields.Many2one("account.move", string="Invoice", required=True, readonly=True, ondelete="cascade")
    partner_id = fields.Many2one(related="move_id.partner_id", string="Parent")
    practice_client_id = fields.Many2one(related="move_id.practice_client_id", string="Client")
    amount_total = fields.Monetary(related="move_id.amount_total", string="Amount")
    currency_id = fields.Many2one(related="move_id.currency_id")
    company_id = fields.Many2one(related="move_id.company_id", store=True, index=True)
    state = fields.Selection(
        SEND_LINE_STATES, string="Status", required=True, readonly=True, default="queued", index=True
    )
    reason = fields.Text(readonly=True, help="Why the invoice was not sent.")
    billing_to_print = fields.Boolean(
        related="move_id.billing_to_print", help="Sent on paper: the parent has no email address or asked for paper."
    )

    def init(self):
        # One place in the queue per invoice, whatever two clerks click at once.
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS practice_send_batch_line_queued_uniq
                    ON practice_send_batch_line (move_id) WHERE state = 'queued'
                """
            )
        )

    def _billing_send(self):
        """Send this queued invoice as the clerk who queued it (a parent
        without an email address gets it on paper, as with Send: marked To
        Print, counted as to print in the batch). Whatever goes
        wrong is rolled back to before the send and recorded as the reason;
        the caller commits. Returns the line's new state."""
        self.ensure_one()
        move = self.move_id
        user = self.batch_id.create_uid
        reason = False
        if not move.billing_sent_date:
            try:
                with self.env.cr.savepoint():
                    move.with_user(user).with_company(move.company_id).action_billing_send()
            except (UserError, ValidationError, AccessError) as error:
                reason = error.args[0]
            except Exception:  # noqa: BLE001 - one bad invoice must not stop the run
                _logger.exception("Bulk send %s: invoice %s could not be sent", self.batch_id.name, move.id)
                reason = self.env._(
                    "Invoice %(move)s could not be sent because of an unexpected error; the server log has the "
                    "details. Send it again once it is corrected.",
                    move=move.display_name,
                )
        state = "skipped" if reason else "sent"
        self.write({"state": state, "reason": reason or False})
        return state
