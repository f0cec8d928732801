from odoo import api, fields, models
from odoo.exceptions import UserError

STATEMENT_LINE_KINDS = [
    ("invoice", "Invoice"),
    ("late_fee", "Late fee"),
    ("payment", "Payment"),
    ("refund", "Refund to you"),
    ("credit", "Credit"),
    ("waiver", "Late fee waived"),
    ("void", "Invoice voided"),
    ("other", "Adjustment"),
]
# Where a line stands on the statement: dated in the period (the ledger
# statement), posted after the period up to Send, or an invoice open at Send.
STATEMENT_LINE_SECTIONS = [("period", "In the period"), ("since", "Since the period"), ("due", "Due now")]


def statement_lines(section, string, help=None):  # pylint: disable=redefined-builtin
    """The statement's lines of one section, as a One2many of ``practice.statement``."""
    return fields.One2many(
        "practice.statement.line",
        "statement_id",
        string=string,
        readonly=True,
        domain=[("section", "=", section)],
        help=help,
    )


class PracticeStatementLine(models.Model):
    """One journal entry that moved the parent's receivable in the period, as
    it stood when the statement was made (a snapshot: never written again)."""

    _name = "practice.statement.line"
    _description = "Parent Statement Line"
    _order = "statement_id, sequence, id"

    statement_id = fields.Many2one("practice.statement", required=True, readonly=True, index=True, ondelete="cascade")
    section = fields.Selection(STATEMENT_LINE_SECTIONS, required=True, default="period", readonly=True)
    sequence = fields.Integer(readonly=True)
    currency_id = fields.Many2one(related="statement_id.currency_id")
    date = fields.Date(required=True, readonly=True)
    kind = fields.Selection(STATEMENT_LINE_KINDS, string="Type", required=True, readonly=True)
    reference = fields.Char(string="Document", readonly=True, help="The number of the journal entry.")
    invoice_reference = fields.Char(
        string="For Invoice", readonly=True, help="The family invoice a late fee, payment, refund or credit belongs to."
    )
    client_id = fields.Many2one("practice.client", readonly=True)
    move_id = fields.Many2one(
        "account.move", string="Journal Entry", readonly=True, groups="parent_billing.parent_billing_group_user"
    )
    amount = fields.Monetary(readonly=True, help="Charges are positive; payments and credits negative.")
    balance = fields.Monetary(readonly=True, help="The parent's balance after this line.")
    date_due = fields.Date(string="Due Date", readonly=True, help="Due now: the open invoice's due date.")
    disputed = fields.Boolean(string="Under Dispute", readonly=True, help="Due now: under an open dispute.")

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env["account.move"]._billing_in_transition():
            raise UserError(self.env._("Statement lines are made with their statement, never added to it."))
        return super().create(vals_list)

    def write(self, vals):
        if self:
            raise UserError(
                self.env._(
                    "The lines of statement %(statement)s are a record of what was true when it was made "
                    "and cannot change. Generate a new statement instead.",
                    statement=self[0].statement_id.name,
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_statement_line(self):
        if self:
            raise UserError(
                self.env._(
                    "The lines of statement %(statement)s cannot be deleted.", statement=self[0].statement_id.name
                )
            )
