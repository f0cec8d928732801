from odoo import fields, models
from odoo.exceptions import UserError
from odoo.tools import pdf


class AccountMove(models.Model):
    """Paper: a parent without an email address, or who asked for paper, gets
    the invoice printed and mailed. Send marks it; staff print the marked
    invoices together (one PDF), and their PDF carries the practice's
    mail-check / ACH instructions."""

    _inherit = "account.move"

    billing_to_print = fields.Boolean(
        "To Print",
        readonly=True,
        copy=False,
        tracking=True,
        help="Set by Send: the parent has no email address or asked for paper invoices, so this invoice is "
        "printed and mailed (Print for Mailing in the list), with the practice's payment instructions.",
    )

    billing_printed_date = fields.Date(
        "Printed On",
        readonly=True,
        copy=False,
        help="Set by Print for Mailing: the day this invoice was last printed for the post. The To Print filter "
        "lists the invoices not printed yet.",
    )

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_to_print", "billing_printed_date"}

    def _billing_after_send(self):
        for move in self:
            parent = move.partner_id.sudo()
            if not parent.email or parent.billing_paper:
                move.billing_to_print = True
        return super()._billing_after_send()

    def _billing_send_note(self):
        if self.billing_to_print:
            return self.env._("Invoice to print and mail to the parent (no email address, or paper asked for).")
        return super()._billing_send_note()

    def _billing_notify_parent(self):
        # No address, no email: the invoice goes by mail.
        if not self.partner_id.email:
            return
        return super()._billing_notify_parent()

    def action_billing_print(self):
        """Print for Mailing: one PDF of the selected sent family invoices."""
        moves = self._billing_family().filtered(lambda m: m.state == "posted")
        if not moves or moves != self:
            raise UserError(self.env._("Print for Mailing prints sent family invoices only: select those."))
        for move in moves:
            move.message_post(
                body=self.env._("Printed for mailing by %(user)s.", user=self.env.user.name),
                subtype_xmlid="mail.mt_note",
            )
        with moves._billing_transition():
            moves.sudo().billing_printed_date = fields.Date.context_today(self)
        moves = moves.sorted(lambda m: (m.partner_id.name or "", m.id))
        pdfs = [move._billing_mailing_pdf() for move in moves]
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.env._("Invoices to mail %(date)s.pdf", date=fields.Date.context_today(self)),
                "raw": pdf.merge_pdf(pdfs),
                "mimetype": "application/pdf",
            }
        )
        return {
            "type": "ir.actions.act_url",
            "url": f"/web/content/{attachment.id}?download=true",
            "target": "download",
        }

    def _billing_mailing_pdf(self):
        """The PDF to mail: the one Send attached (the invoice as it was sent,
        with the payment instructions), else rendered now. One invoice at a
        time, then merged: Debian's wkhtmltopdf (unpatched Qt) returns an
        empty file for several documents in one run."""
        self.ensure_one()
        sent = self.env["ir.attachment"].search(
            [
                ("res_model", "=", self._name),
                ("res_id", "=", self.id),
                ("mimetype", "=", "application/pdf"),
                ("name", "=", f"{self._get_report_base_filename()}.pdf".replace("/", "_")),
            ],
            order="id desc",
            limit=1,
        )
        if sent.raw and sent.raw.startswith(b"%PDF"):
            return sent.raw
        return self.env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", self.ids)[0]
