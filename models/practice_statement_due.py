"""What a statement says is due now (issue 24).

A statement stays a ledger statement by accounting date. At Send it also
records what happened since: the entries posted after ``date_to`` up to that
moment ("Since" lines, their running balance going on from the closing
balance to the ledger balance at Send), and what the parent owes then,
``amount_due``: the portal's "You owe" (``res.partner._billing_amount_owed``),
with the open invoices behind it ("Due now" lines) and the part of them under
an open dispute shown apart (``amount_disputed``). Set once, at Send, inside
the billing transition; sealed like the other stored figures."""

from odoo import fields, models

from .practice_statement_line import statement_lines


class PracticeStatement(models.Model):
    _inherit = "practice.statement"

    amount_due = fields.Monetary(
        string="Due Now", readonly=True, copy=False, help="What the parent owed at Send: the portal's You owe."
    )
    amount_disputed = fields.Monetary(
        string="Under Dispute", readonly=True, copy=False, help="Of Due Now, the open invoices under dispute."
    )
    amount_due_credit = fields.Monetary(
        string="Credit on Account", readonly=True, copy=False, help="The account's unapplied credit at Send."
    )
    since_line_ids = statement_lines("since", "Since the Period", "Entries posted after the period, up to Send.")
    due_line_ids = statement_lines("due", "Open Invoices", "The open invoices behind Due Now, at Send.")

    def _billing_frozen_fields(self):
        frozen = super()._billing_frozen_fields()
        if not self._billing_in_transition():
            frozen |= {"amount_due", "amount_disputed", "amount_due_credit", "since_line_ids", "due_line_ids"}
        return frozen

    def _billing_set_due_now(self):
        """At Send: the entries since the period and what is due now."""
        self.ensure_one()
        company, partner = self.company_id, self.partner_id
        currency = company.currency_id
        owed = partner.with_company(company)._billing_amount_owed()
        invoices = owed["invoices"]
        disputed = invoices.filtered(lambda move: move.billing_dispute_state == "open")
        since = self._billing_activity(partner, company, [("date", ">", self.date_to)]).get(partner, [])
        self.write(
            {
                "sent_date": fields.Datetime.now(),
                "amount_due": owed["amount"],
                "amount_disputed": currency.round(sum(disputed.mapped("billing_amount_due"))),
                "amount_due_credit": currency.round(partner.with_company(company).sudo().billing_credit_amount),
                "since_line_ids": [
                    fields.Command.create(vals)
                    for vals in self._billing_activity_lines(since, self.closing_balance, currency, "since")
                ],
                "due_line_ids": [
                    fields.Command.create(
                        {
                            "section": "due",
                            "sequence": sequence,
                            "kind": "invoice",
                            "date": invoice.invoice_date,
                            "date_due": invoice.invoice_date_due,
                            "reference": invoice.name,
                            "client_id": invoice.practice_client_id.id,
                            "move_id": invoice.id,
                            "amount": invoice.billing_amount_due,
                            "disputed": invoice in disputed,
                        }
                    )
                    for sequence, invoice in enumerate(invoices, start=1)
                ],
            }
        )
