import calendar

from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Monthly statements: on/off and the day of the month (Invoice Settings)."""

    _inherit = "res.company"

    billing_statement_enabled = fields.Boolean(
        string="Monthly Statements",
        help="On the statement day, make and send every parent's statement of last month "
        "(parents with activity in that month or an open balance).",
    )
    billing_statement_day = fields.Integer(
        string="Statement Day",
        default=1,
        help="Day of the month the monthly statements go out (1-31; the month's last day when it is shorter).",
    )

    @api.constrains("billing_statement_day")
    def _check_billing_statement_day(self):
        for company in self:
            if not 1 <= company.billing_statement_day <= 31:
                raise ValidationError(
                    self.env._(
                        "The statement day of %(company)s must be a day of the month (1 to 31), not %(day)s.",
                        company=company.name,
                        day=company.billing_statement_day,
                    )
                )

    def _billing_statement_due(self, today):
        """Whether ``today`` is this practice's statement day (the month's last
        day when the month is shorter)."""
        self.ensure_one()
        last = calendar.monthrange(today.year, today.month)[1]
        return today.day == min(self.billing_statement_day, last)
