from dateutil.relativedelta import relativedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

# Set on the cursor (not the context, which travels over RPC) while Issue writes.
_ISSUE_KEY = "parent_billing.estimate_issue"

ESTIMATE_STATES = [("draft", "Draft"), ("issued", "Issued"), ("superseded", "Superseded")]


class PracticeEstimate(models.Model):
    """A Good Faith Estimate for a self-pay client (US No Surprises Act,
    45 CFR 149.610): the services reasonably expected over a period of at
    most 12 months, itemized with their codes and expected charges, from the
    practice as the single provider. Issued: its PDF is attached, it is on
    the parent's portal page and the parent gets an email with a link only.
    A new estimate issued for an overlapping period supersedes the old one
    (``previous_id``); superseded estimates are kept."""

    _name = "practice.estimate"
    _description = "Good Faith Estimate"
    _inherit = ["mail.thread"]
    _order = "date_from desc, id desc"

    name = fields.Char(string="Number", readonly=True, copy=False, default="/")
    client_id = fields.Many2one("practice.client", required=True, index=True, tracking=True)
    partner_id = fields.Many2one(
        "res.partner", string="Parent", compute="_compute_partner_id", store=True, readonly=False, index=True
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True, readonly=True
    )
    currency_id = fields.Many2one(related="company_id.currency_id")
    date_from = fields.Date(string="From", required=True, default=fields.Date.context_today, tracking=True)
    date_to = fields.Date(
        string="To",
        required=True,
        default=lambda self: fields.Date.context_today(self) + relativedelta(months=12, days=-1),
        tracking=True,
    )
    frequency = fields.Char(help='How often the services are expected, e.g. "2 sessions a week".')
    date_scheduled = fields.Date(string="First Session", help="The date of the primary service, if scheduled.")
    separately_scheduled = fields.Text(
        string="Scheduled Separately",
        help='Services expected to be scheduled separately (by other providers), or "None".',
    )
    line_ids = fields.One2many("practice.estimate.line", "estimate_id", string="Services", copy=True)
    amount_total = fields.Monetary(string="Estimated Total", compute="_compute_amount_total", store=True)
    amount_billed = fields.Monetary(
        string="Billed So Far",
        compute="_compute_amount_billed",
        help="Posted family invoice lines of the client, every account together, with a service date in the "
        "period, late fees excluded, net of credit notes and voids.",
    )
    state = fields.Selection(ESTIMATE_STATES, default="draft", required=True, readonly=True, tracking=True)
    previous_id = fields.Many2one(
        "practice.estimate", string="Supersedes", readonly=True, copy=False, help="The estimate this one replaced."
    )
    issued_date = fields.Date(string="Issued On", readonly=True, copy=False)

    _sql_constraints = [
        ("period_check", "CHECK(date_to >= date_from)", "An estimate's period ends on or after its start."),
    ]

    @api.depends("client_id")
    def _compute_partner_id(self):
        for estimate in self:
            estimate.partner_id = estimate.client_id.partner_id

    @api.depends("line_ids.amount")
    def _compute_amount_total(self):
        for estimate in self:
            estimate.amount_total = sum(estimate.line_ids.mapped("amount"))

    def _compute_amount_billed(self):
        for estimate in self:
            estimate.amount_billed = estimate._billing_billed()

    @api.model_create_multi
    def create(self, vals_list):
        estimates = super().create(vals_list)
        for estimate in estimates:
            if estimate.name == "/":
                estimate.name = (
                    self.env["ir.sequence"].with_company(estimate.company_id).next_by_code("practice.estimate")
                )
        return estimates

    def write(self, vals):
        if set(vals) - {"message_main_attachment_id"} and self.filtered(lambda e: e.state != "draft"):
            if not self.env.cr.cache.get(_ISSUE_KEY):
                raise UserError(
                    self.env._("An issued estimate cannot change: create a revision, which supersedes it when issued.")
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_issued(self):
        if self.filtered(lambda e: e.state != "draft"):
            raise UserError(self.env._("An issued or superseded estimate is kept: it cannot be deleted."))

    def _get_report_base_filename(self):
        self.ensure_one()
        return self.env._("Good Faith Estimate %(number)s", number=self.name).replace("/", "-")

    # ------------------------------------------------------------------
    # Billed against the estimate
    # ------------------------------------------------------------------
    def _billing_billed(self, extra_moves=None):
        """The client's billed total in this estimate's period (see
        ``amount_billed``), with the draft invoices ``extra_moves`` counted as
        if they were sent."""
        self.ensure_one()
        if not self.client_id or not self.date_from or not self.date_to:
            return 0.0
        Move = self.env["account.move"].sudo()
        moves = Move.search(
            [
                *Move._billing_family_domain(),
                ("practice_client_id", "=", self.client_id.id),
                ("state", "=", "posted"),
                ("billing_state", "!=", "voided"),
            ]
        )
        if extra_moves:
            moves |= extra_moves.sudo()
        billed = sum(move._billing_amount_in_period(self.date_from, self.date_to) for move in moves)
        return self.currency_id.round(billed)

    # ------------------------------------------------------------------
    # Issue
    # ------------------------------------------------------------------
    def _billing_missing_items(self):
        """What 45 CFR 149.610(c) requires that this estimate lacks, in words."""
        self.ensure_one()
        client = self.client_id.sudo()
        company = self.company_id
        items = [
            ((client.name or "").strip(), self.env._("the client's name")),
            (client.birthdate, self.env._("the client's date of birth")),
            (client.diagnosis_codes, self.env._("the client's diagnosis codes")),
            (self.line_ids, self.env._("a service line")),
        ]
        for line in self.line_ids:
            service = line.product_id.name
            items += [
                (line.product_id.default_code, self.env._("the service code of %(service)s", service=service)),
                (
                    line.currency_id.compare_amounts(line.amount, 0) > 0,
                    self.env._("the expected charge of %(service)s", service=service),
                ),
            ]
        items += [
            ((self.frequency or "").strip(), self.env._("the frequency of the services")),
            ((self.separately_scheduled or "").strip(), self.env._('the services scheduled separately (or "None")')),
            (company.billing_npi, self.env._("the practice's NPI")),
            (company.billing_tin, self.env._("the practice's TIN")),
            (company.street and company.city and company.zip, self.env._("the practice's address")),
            (self.date_from and self.date_to, self.env._("the period")),
        ]
        missing = [label for present, label in items if not present]
        if self.date_from and self.date_to and self.date_to >= self.date_from + relativedelta(months=12):
            missing.append(self.env._("a period of at most 12 months"))
        return missing

    def action_issue(self):
        """Issue: refuse while a required item is missing; supersede the
        client's issued estimates of an overlapping period; attach the PDF;
        email the parent a link to the portal page (no birthdate, no
        diagnosis in the email). Issuing an issued estimate does nothing."""
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can issue a Good Faith Estimate."))
        for estimate in self.filtered(lambda e: e.state == "draft"):
            estimate._billing_lock()
            if estimate.state != "draft":
                continue
            if missing := estimate._billing_missing_items():
                raise UserError(
                    self.env._(
                        "Good Faith Estimate %(estimate)s cannot be issued: it needs %(missing)s.",
                        estimate=estimate.name,
                        missing="; ".join(missing),
                    )
                )
            older = self.search(
                [
                    ("id", "!=", estimate.id),
                    ("client_id", "=", estimate.client_id.id),
                    ("state", "=", "issued"),
                    ("date_from", "<=", estimate.date_to),
                    ("date_to", ">=", estimate.date_from),
                ],
                order="date_from desc, id desc",
            )
            self.env.cr.cache[_ISSUE_KEY] = True
            try:
                older.write({"state": "superseded"})
                estimate.write(
                    {
                        "state": "issued",
                        "issued_date": fields.Date.context_today(self),
                        "previous_id": estimate.previous_id.id or older[:1].id,
                    }
                )
            finally:
                self.env.cr.cache.pop(_ISSUE_KEY, None)
            for old in older:
                old.message_post(
                    body=self.env._("Superseded by %(estimate)s.", estimate=estimate.name), subtype_xmlid="mail.mt_note"
                )
            estimate._billing_attach_report_pdf(
                "parent_billing.action_report_practice_estimate", self.env._("Good Faith Estimate issued.")
            )
            estimate._billing_notify_parent()
        return True

    def action_revise(self):
        """A draft copy of this estimate that supersedes it once issued."""
        self.ensure_one()
        revision = self.copy({"previous_id": self.id})
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": revision.id,
            "view_mode": "form",
            "target": "current",
        }

    def _billing_notify_parent(self):
        self.ensure_one()
        if not self.partner_id.email:
            self.message_post(
                body=self.env._("The parent has no email address: give or mail the estimate's PDF to the parent."),
                subtype_xmlid="mail.mt_note",
            )
            return
        template = self.env.ref("parent_billing.mail_template_practice_estimate")
        self._billing_email_parent(template, self.partner_id)
