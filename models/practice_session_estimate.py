from datetime import datetime, time, timedelta

from odoo import api, fields, models


class PracticeSession(models.Model):
    """Scheduling a session ahead for a self-pay client makes its Good Faith
    Estimate due (45 CFR 149.610(b)): 3 or more business days ahead with no
    issued estimate covering the date and service, an activity "Good Faith
    Estimate due" lands on the client, due 1 business day later (3 business
    days when the session is 10 or more business days ahead). A draft session
    may be dated ahead (that is how a session is scheduled); finalizing one
    dated in the future is refused (billing_input_bounds.py)."""

    _inherit = "practice.session"

    @api.model_create_multi
    def create(self, vals_list):
        sessions = super().create(vals_list)
        sessions._billing_schedule_estimate_due()
        return sessions

    def write(self, vals):
        res = super().write(vals)
        if {"date", "client_id", "product_id"}.intersection(vals):
            self._billing_schedule_estimate_due()
        return res

    def _billing_schedule_estimate_due(self):
        today = fields.Date.context_today(self)
        for session in self.filtered(lambda s: s.state == "draft" and s.date > today):
            client = session.client_id
            if client.bill_to_mode != "client" or client._billing_estimate_on(session.date, session.product_id):
                continue
            company = client.company_id
            ahead = company._billing_business_days_between(today, session.date)
            if ahead < 3:
                continue
            client._billing_estimate_due(company._billing_plan_business_days(today, 3 if ahead >= 10 else 1))


class ResCompany(models.Model):
    _inherit = "res.company"

    def _billing_business_days_between(self, start, end):
        """The business days in (start, end]: the working calendar's days less
        its public holidays (global leaves); Monday to Friday without one."""
        self.ensure_one()
        if end <= start:
            return 0
        calendar = self.resource_calendar_id
        if not calendar:
            return sum(1 for n in range(1, (end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)
        unusual = calendar._get_unusual_days(
            datetime.combine(start + timedelta(days=1), time.min), datetime.combine(end, time.max), self
        )
        return sum(1 for off in unusual.values() if not off)

    def _billing_plan_business_days(self, start, days):
        """The date ``days`` business days after ``start`` (the calendar's
        ``plan_days`` from the start of the next day, public holidays left out)."""
        self.ensure_one()
        calendar = self.resource_calendar_id
        if not calendar:
            day = start
            while days:
                day += timedelta(days=1)
                days -= day.weekday() < 5
            return day
        planned = calendar.plan_days(days, datetime.combine(start + timedelta(days=1), time.min), compute_leaves=True)
        return planned.date()
