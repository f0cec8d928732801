import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# The dispute threshold of 45 CFR 149.620: the company's guard may be lower, never higher.
GFE_LEGAL_THRESHOLD = 400.0


def npi_is_valid(npi):
    """A 10-digit NPI whose last digit is the Luhn check digit over "80840"
    followed by its first 9 digits (the card issuer prefix of health IDs)."""
    if not re.fullmatch(r"\d{10}", npi or ""):
        return False
    total = 0
    for position, char in enumerate(reversed("80840" + npi[:9])):
        digit = int(char)
        if position % 2 == 0:  # the check digit will sit right of it: these are doubled
            digit *= 2
            digit -= 9 if digit > 9 else 0
        total += digit
    return (10 - total % 10) % 10 == int(npi[9])


class ResCompany(models.Model):
    """The practice as the provider of Good Faith Estimates: NPI, TIN and the
    guard on bills above the estimate."""

    _inherit = "res.company"

    billing_npi = fields.Char(string="NPI", help="The practice's 10-digit National Provider Identifier.")
    billing_tin = fields.Char(string="TIN", help="The practice's 9-digit Taxpayer Identification Number (EIN).")
    billing_gfe_dispute_threshold = fields.Monetary(
        string="Estimate Guard",
        default=GFE_LEGAL_THRESHOLD,
        currency_field="currency_id",
        help="Send refuses an invoice that brings a self-pay client's billed total to the Good Faith Estimate "
        "plus this amount or more. At most 400.00, the amount above which a parent may dispute the bill.",
    )

    def _billing_tin_digits(self):
        self.ensure_one()
        return re.sub(r"[\s-]", "", self.billing_tin or "")

    @api.constrains("billing_npi", "billing_tin", "billing_gfe_dispute_threshold")
    def _check_billing_estimate_fields(self):
        for company in self:
            names = {"company": company.name}
            if company.billing_npi and not npi_is_valid(company.billing_npi.strip()):
                raise ValidationError(
                    self.env._(
                        "The NPI %(npi)s of %(company)s is not valid: it has 10 digits and its last digit is the "
                        "check digit.",
                        npi=company.billing_npi,
                        **names,
                    )
                )
            if company.billing_tin and not re.fullmatch(r"\d{9}", company._billing_tin_digits()):
                raise ValidationError(
                    self.env._(
                        "The TIN %(tin)s of %(company)s is not valid: it has 9 digits (e.g. 12-3456789).",
                        tin=company.billing_tin,
                        **names,
                    )
                )
            threshold = company.billing_gfe_dispute_threshold
            if threshold <= 0 or company.currency_id.compare_amounts(threshold, GFE_LEGAL_THRESHOLD) > 0:
                raise ValidationError(
                    self.env._(
                        "The estimate guard of %(company)s must be above zero and at most 400.00 (got %(amount)s).",
                        amount=threshold,
                        **names,
                    )
                )
