import re

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# An ICD-10(-CM) code: a letter, two characters (digit, then digit or letter),
# then optionally a dot and up to four more characters (F84.0, Z13.41).
ICD10_CODE = re.compile(r"[A-Z][0-9][0-9A-Z](\.[0-9A-Z]{1,4})?")


class PracticeClient(models.Model):
    """What a Good Faith Estimate says about the client: birthdate and
    diagnosis codes (staff only: they appear in the estimate PDF and on the
    parent's portal page behind login, never in an email)."""

    _inherit = "practice.client"

    birthdate = fields.Date(string="Date of Birth", groups="parent_billing.parent_billing_group_user")
    diagnosis_codes = fields.Char(
        string="Diagnosis Codes",
        groups="parent_billing.parent_billing_group_user",
        help="ICD-10 codes, comma separated (e.g. F84.0, F80.2).",
    )
    estimate_ids = fields.One2many("practice.estimate", "client_id", string="Good Faith Estimates")

    @api.model
    def _billing_diagnosis_list(self, codes):
        """The codes of a comma-separated ``codes``, upper case, in order."""
        return [code.strip().upper() for code in (codes or "").split(",") if code.strip()]

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("diagnosis_codes"):
                vals["diagnosis_codes"] = ", ".join(self._billing_diagnosis_list(vals["diagnosis_codes"]))
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("diagnosis_codes"):
            vals = {**vals, "diagnosis_codes": ", ".join(self._billing_diagnosis_list(vals["diagnosis_codes"]))}
        return super().write(vals)

    @api.constrains("diagnosis_codes")
    def _check_diagnosis_codes(self):
        for client in self:
            for code in self._billing_diagnosis_list(client.diagnosis_codes):
                if not ICD10_CODE.fullmatch(code):
                    raise ValidationError(
                        self.env._(
                            "%(code)s is not an ICD-10 code (a letter, two digits or a digit and a letter, then "
                            "optionally a dot and up to four characters, e.g. F84.0). Separate codes with commas.",
                            code=code,
                        )
                    )

    @api.constrains("birthdate")
    def _check_birthdate(self):
        today = fields.Date.context_today(self)
        for client in self:
            if client.birthdate and client.birthdate > today:
                raise ValidationError(self.env._("A client's date of birth cannot be in the future."))

    def _billing_estimate_on(self, day, product=None):
        """The issued estimate of this client whose period contains ``day``
        (and, with ``product``, that has a line of that service)."""
        self.ensure_one()
        estimates = self.env["practice.estimate"].search(
            [
                ("client_id", "=", self.id),
                ("state", "=", "issued"),
                ("date_from", "<=", day),
                ("date_to", ">=", day),
            ],
            order="date_from desc, id desc",
        )
        if product:
            estimates = estimates.filtered(lambda e: product in e.line_ids.product_id)
        return estimates[:1]
