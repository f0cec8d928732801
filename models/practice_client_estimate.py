import re
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

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
        groups="parent_billing.parent_billing_group_user",
        help="ICD-10 codes, comma separated (e.g. F84.0, F80.2).",
    )
    estimate_ids = fields.One2many("practice.estimate", "client_id", string="Good Faith Estimates")
    billing_estimate_missing = fields.Boolean(
        string="No Estimate",
        compute="_compute_billing_estimate_missing",
        help="A self-pay client with no issued Good Faith Estimate covering today.",
    )

    @api.depends("bill_to_mode", "estimate_ids.state", "estimate_ids.date_from", "estimate_ids.date_to")
    def _compute_billing_estimate_missing(self):
        today = fields.Date.context_today(self)
        for client in self:
            client.billing_estimate_missing = bool(
                client.id and client.bill_to_mode == "client" and not client._billing_estimate_on(today)
            )

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


class PracticeClientActivity(models.Model):
    _name = "practice.client"
    _inherit = ["practice.client", "mail.activity.mixin"]

    billing_estimate_attention = fields.Boolean(
        string="Estimate Due or Expiring",
        compute="_compute_billing_estimate_attention",
        search="_search_billing_estimate_attention",
        help="A Good Faith Estimate is due (open activity) or the issued one ends within 30 days.",
    )

    def _compute_billing_estimate_attention(self):
        found = self.search([("id", "in", self.ids), ("billing_estimate_attention", "=", True)])
        for client in self:
            client.billing_estimate_attention = client in found

    def _search_billing_estimate_attention(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the estimate status."))
        today = fields.Date.context_today(self)
        due_type = self.env.ref("parent_billing.mail_activity_type_estimate_due")
        due = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "practice.client"), ("activity_type_id", "=", due_type.id)])
        )
        ending = self.env["practice.estimate"].search(
            [("state", "=", "issued"), ("date_to", ">=", today), ("date_to", "<=", today + timedelta(days=30))]
        )
        later = self.env["practice.estimate"].search(
            [
                ("state", "=", "issued"),
                ("client_id", "in", ending.client_id.ids),
                ("date_to", ">", today + timedelta(days=30)),
            ]
        )
        ids = set(due.mapped("res_id")) | set((ending.client_id - later.client_id).ids)
        positive = (operator == "=") == value
        return [("id", "in" if positive else "not in", list(ids))]

    def _billing_estimate_due(self, deadline):
        """At most one open "Good Faith Estimate due" activity per client, with the earliest deadline."""
        self.ensure_one()
        due_type = self.env.ref("parent_billing.mail_activity_type_estimate_due")
        activity = self.activity_ids.filtered(lambda a: a.activity_type_id == due_type)[:1]
        if activity:
            activity.date_deadline = min(deadline, activity.date_deadline)
            return activity
        return self.activity_schedule(
            activity_type_id=due_type.id,
            date_deadline=deadline,
            summary=self.env._("Good Faith Estimate due"),
            user_id=self.env.user.id,
        )

    def action_billing_estimate_requested(self):
        """The parent asked for an estimate: due in 3 business days."""
        for client in self:
            company = client.company_id
            client._billing_estimate_due(company._billing_plan_business_days(fields.Date.context_today(self), 3))
        return True
