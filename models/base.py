import math

from psycopg2 import errors

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL


def billing_number(value):
    """``value`` as a float, or NaN when it is not a number: the caller's
    finite check then gives the clear error, never a raw Python one."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


class Base(models.AbstractModel):
    _inherit = "base"

    def _billing_email_parent(self, template, parent, **context):
        """Queue ``template``'s email about this record to ``parent`` alone: a
        note, so followers (staff) get no copy. The parent gets it even when
        her own action wrote it (a portal Pay now): Odoo skips the author.
        Returns the message posted."""
        return self.with_context(
            mail_notify_force_send=False, mail_notify_author=True, **context
        ).message_post_with_source(
            template,
            subtype_xmlid="mail.mt_note",
            partner_ids=parent.ids,
            email_layout_xmlid="mail.mail_notification_light",
        )

    def _billing_notify_declined(self, template, parent, note, summary, user, **context):
        """A declined card charge of this record (an invoice's autopay, a
        plan's installment): ``template``'s email to ``parent`` (update the
        card, pay now), ``note`` in the chatter and a to-do for ``user``;
        ``context`` goes to the email's rendering."""
        self._billing_email_parent(template, parent, **context)
        self.message_post(body=note, subtype_xmlid="mail.mt_note")
        self.activity_schedule("mail.mail_activity_data_todo", summary=summary, note=note, user_id=user.id)

    def _billing_attach_report_pdf(self, report_xmlid, body):
        """Render this record's PDF with report ``report_xmlid``, attach it and
        post ``body`` with it in the chatter; returns the attachment."""
        self.ensure_one()
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf(report_xmlid, self.ids)
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self._get_report_base_filename()}.pdf",
                "raw": pdf,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf",
            }
        )
        self.message_post(body=body, attachment_ids=attachment.ids)
        return attachment

    def _billing_line_counts(self, line_model, parent_field):
        """{(record id, line state): number of lines} of these records' lines
        (a billing run's clients, a bulk send's invoices)."""
        Line = self.env[line_model].sudo()
        groups = Line._read_group([(parent_field, "in", self.ids)], [parent_field, "state"], ["__count"])
        return {(record.id, state): count for record, state, count in groups}

    def _billing_field_labels(self, names):
        """The labels of fields ``names``, sorted, for a refusal naming them."""
        return ", ".join(sorted(self._fields[name].string for name in names))

    def _billing_check_token_kept(self, token):
        """Refuse changing or clearing a portal access token already given out
        (the link in the parent's email) on these family documents, outside
        the billing actions; an empty token may be filled (Odoo does so when
        it mails a link)."""
        if self.env["account.move"]._billing_in_transition():
            return
        for record in self:
            if record.access_token and token != record.access_token:
                raise UserError(
                    self.env._(
                        "The link of %(document)s was already given to the parent: its access token cannot be "
                        "changed or cleared.",
                        document=record.display_name,
                    )
                )

    def _billing_lock(self):
        """Row-lock these records for this transaction, so two users acting on
        the same rows at once cannot both succeed: the second gets a clear
        error instead of waiting or double-billing. Records are re-read after."""
        if not self.ids:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self._billing_select_for_update(SQL("NOWAIT"))
        except (errors.LockNotAvailable, errors.SerializationFailure):
            raise UserError(
                self.env._(
                    "Another user is working on these records (%(model)s) right now. Try again in a moment.",
                    model=self.env["ir.model"]._get(self._name).name,
                )
            ) from None
        self.invalidate_recordset()

    def _billing_select_for_update(self, mode):
        """Lock these records' rows (``mode``: NOWAIT or SKIP LOCKED); the ids locked.
        A busy row is an expected outcome the callers report: not a "bad query"
        for the server log."""
        self.env.cr.execute(
            SQL("SELECT id FROM %s WHERE id IN %s FOR UPDATE %s", SQL.identifier(self._table), tuple(self.ids), mode),
            log_exceptions=False,
        )
        return self.env.cr.fetchall()

    def _billing_try_lock(self):
        """Row-lock those of these records that are free right now and return
        them, re-read. Rows another transaction holds are skipped (``SKIP
        LOCKED``), as are rows changed by a transaction committed since this one
        began: the caller leaves them for a later run. One query per batch, and
        nothing reaches the server log as an error."""
        if not self.ids:
            return self.browse()
        try:
            with self.env.cr.savepoint(flush=False):
                locked_ids = {row[0] for row in self._billing_select_for_update(SQL("SKIP LOCKED"))}
        except errors.SerializationFailure:
            # A row changed since this transaction's snapshot cannot be locked in
            # it, and fails the whole statement: lock the others one by one.
            if len(self) == 1:
                return self.browse()
            return self.browse().union(*(record._billing_try_lock() for record in self))
        locked = self.filtered(lambda record: record.id in locked_ids)
        locked.invalidate_recordset()
        return locked
