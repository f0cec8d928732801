from odoo import api, fields, models
from odoo.exceptions import ValidationError


class ResCompany(models.Model):
    """Invoice Settings of autopay: when a parent's saved card is charged,
    and when a declined charge is tried again."""

    _inherit = "res.company"

    billing_autopay_when = fields.Selection(
        [("send", "When the invoice is sent"), ("due", "On the due date")],
        "Autopay Charges",
        default="due",
        required=True,
        help="When the saved card of a parent who turned autopay on is charged for an invoice's balance.",
    )
    billing_autopay_retry_days = fields.Char(
        "Autopay Retries (days)",
        default="1,3",
        help="Days after the first declined charge on which it is tried again, separated by commas "
        "(e.g. 1,3: one day and three days after). Empty: a declined charge is not tried again. "
        "After the last try the invoice simply stays open.",
    )

    @api.constrains("billing_autopay_retry_days")
    def _check_billing_autopay_retry_days(self):
        for company in self:
            company._billing_autopay_retries()

    def _billing_autopay_retries(self):
        """The retry days as a sorted list of distinct positive integers;
        a clear error naming what is wrong otherwise."""
        self.ensure_one()
        text = (self.billing_autopay_retry_days or "").strip()
        if not text:
            return []
        days = []
        for raw in text.split(","):
            part = raw.strip()
            if not part.isdigit() or not 0 < int(part) <= 60:
                raise ValidationError(
                    self.env._(
                        "Autopay retries must be days between 1 and 60 separated by commas (e.g. 1,3), not %(value)r.",
                        value=text,
                    )
                )
            days.append(int(part))
        if days != sorted(set(days)):
            raise ValidationError(
                self.env._(
                    "Autopay retry days must grow from one try to the next (e.g. 1,3), not %(value)r.", value=text
                )
            )
        return days
