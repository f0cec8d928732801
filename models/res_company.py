from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

BILLING_METHODS = [
    ("check", "Check"),
    ("ach", "ACH"),
    ("card", "Card on file"),
    ("cash", "Cash"),
    ("other", "Other"),
]


def billing_default_ref(xmlid):
    """A field default: the record ``xmlid``, or empty when it was deleted."""
    return lambda self: self.env.ref(xmlid, raise_if_not_found=False)


class ResCompany(models.Model):
    _inherit = "res.company"

    billing_payment_term_id = fields.Many2one(
        "account.payment.term",
        string="Invoice Payment Terms",
        default=billing_default_ref("account.account_payment_term_30days"),
        help="Default due date of new family invoices: today plus these terms.",
    )
    billing_invoice_footer = fields.Text(
        "Invoice Footer",
        translate=True,
        help="Printed at the bottom of every family invoice PDF and portal page.",
    )
    billing_payment_instructions = fields.Text(
        "Payment Instructions",
        translate=True,
        help="Shown to parents when no online payment provider is connected, "
        "e.g. 'Mail check to ...' or 'ACH info: ...'.",
    )
    billing_mail_template_id = fields.Many2one(
        "mail.template",
        string="Invoice Email",
        domain=[("model", "=", "account.move")],
        default=billing_default_ref("parent_billing.mail_template_parent_invoice"),
        help="Notification sent to the parent when an invoice is sent.",
    )
    billing_journal_check_id = fields.Many2one(
        "account.journal", string="Check Journal", domain=[("type", "in", ("bank", "cash"))]
    )
    billing_journal_ach_id = fields.Many2one(
        "account.journal", string="ACH Journal", domain=[("type", "in", ("bank", "cash"))]
    )
    billing_journal_card_id = fields.Many2one(
        "account.journal", string="Card Journal", domain=[("type", "in", ("bank", "cash"))]
    )
    billing_journal_cash_id = fields.Many2one(
        "account.journal", string="Cash Journal", domain=[("type", "in", ("bank", "cash"))]
    )
    billing_journal_other_id = fields.Many2one(
        "account.journal", string="Other Journal", domain=[("type", "in", ("bank", "cash"))]
    )
    billing_late_fee_type = fields.Selection(
        [("none", "No late fee"), ("flat", "Flat amount"), ("percent", "Percent of open balance")],
        string="Late Fee",
        default="none",
        required=True,
    )
    billing_late_fee_amount = fields.Float(
        string="Late Fee Amount",
        digits="Account",
        help="Currency amount for a flat fee, or percent of the open balance.",
    )
    billing_late_fee_days = fields.Integer(
        string="Late Fee After (days)",
        default=30,
        help="Days past the due date before the late fee applies.",
    )
    billing_late_fee_product_id = fields.Many2one(
        "product.product",
        string="Late Fee Service",
        default=billing_default_ref("parent_billing.product_late_fee"),
        help="Its income account receives late fees.",
    )

    @api.constrains("billing_late_fee_type", "billing_late_fee_amount", "billing_late_fee_days")
    def _check_billing_late_fee(self):
        for company in self:
            if company.billing_late_fee_type == "none":
                continue
            if company.billing_late_fee_amount <= 0:
                raise ValidationError(self.env._("The late fee amount must be above zero."))
            if company.billing_late_fee_type == "percent" and company.billing_late_fee_amount > 100:
                raise ValidationError(self.env._("A late fee percent cannot exceed 100."))
            if company.billing_late_fee_days < 0:
                raise ValidationError(self.env._("Late fee days past due cannot be negative."))

    def write(self, vals):
        self._check_billing_settings_write(vals)
        return super().write(vals)

    def _check_billing_settings_write(self, vals):
        """Billing managers may write the company (ir.model.access) for its
        Invoice Settings only: without Odoo's Access Rights group, nothing but
        the billing fields (``billing_*``) changes."""
        if self.env.su or self.env.user.has_group("base.group_erp_manager"):
            return
        if others := sorted(name for name in vals if not name.startswith("billing_")):
            raise AccessError(
                self.env._(
                    "Billing managers change the company's Invoice Settings only, not %(fields)s of %(company)s.",
                    fields=", ".join(self._fields[name].string if name in self._fields else name for name in others),
                    company=", ".join(self.mapped("name")),
                )
            )

    @api.model
    def action_billing_open_settings(self):
        """Billing -> Invoice Settings: the current practice's billing fields."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Invoice Settings"),
            "res_model": "res.company",
            "res_id": self.env.company.id,
            "views": [(self.env.ref("parent_billing.res_company_view_form_billing_settings").id, "form")],
            "target": "current",
            "context": {"create": False, "delete": False},
        }

    def _billing_default_due_date(self, invoice_date):
        """Invoice date plus the billing payment terms (the last installment)."""
        self.ensure_one()
        lines = self.billing_payment_term_id.line_ids
        if not lines:
            return invoice_date
        return max(line._get_due_date(invoice_date) for line in lines)

    def _billing_journal(self, method):
        """Journal that receives a staff payment of the given method."""
        self.ensure_one()
        journal = self[f"billing_journal_{method}_id"]
        if not journal:
            journal_type = "cash" if method == "cash" else "bank"
            journal = self.env["account.journal"].search(
                [*self.env["account.journal"]._check_company_domain(self), ("type", "=", journal_type)], limit=1
            ) or self.env["account.journal"].search(
                [*self.env["account.journal"]._check_company_domain(self), ("type", "in", ("bank", "cash"))], limit=1
            )
        return journal
