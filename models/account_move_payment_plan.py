from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .account_move_autopay import AUTOPAY_DECLINED_STATES


class AccountMove(models.Model):
    """Payment plans on the family invoice: an invoice covered by an active
    plan is held (no late fee, no dunning reminder, no full-balance autopay);
    when the plan defaults or is cancelled the hold's end is recorded in
    ``billing_hold_end_date`` (account_move_collection_hold.py)."""

    _inherit = "account.move"

    billing_payment_plan_ids = fields.Many2many(
        "practice.payment.plan",
        "practice_payment_plan_account_move_rel",
        "move_id",
        "plan_id",
        string="Payment Plans",
        readonly=True,
        copy=False,
    )

    def _billing_collection_held(self):
        return super()._billing_collection_held() | self.filtered(
            lambda m: any(plan.state == "active" for plan in m.sudo().billing_payment_plan_ids)
        )


class ResCompany(models.Model):
    _inherit = "res.company"

    billing_plan_grace_days = fields.Integer(
        string="Payment Plan Grace Days",
        default=10,
        help="An installment still unpaid this many days after its date is missed and its plan defaults: "
        "late fees and payment reminders resume on the plan's invoices.",
    )

    @api.constrains("billing_plan_grace_days")
    def _check_billing_plan_grace_days(self):
        for company in self:
            if not 0 <= company.billing_plan_grace_days <= 90:
                raise ValidationError(self.env._("The payment plan grace days must be between 0 and 90."))


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    billing_plan_installment_id = fields.Many2one(
        "practice.payment.plan.installment",
        string="Installment Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="restrict",
        help="The payment plan installment this charge is for.",
    )
    billing_plan_try = fields.Integer(string="Installment Try", readonly=True, copy=False)
    billing_plan_date = fields.Date(string="Installment Charge Date", readonly=True, copy=False)

    def _billing_charge_indexes(self):
        return super()._billing_charge_indexes() | {
            "billing_plan_installment_id": "payment_transaction_billing_plan_installment_uniq"
        }

    def _post_process(self):
        declined = self.filtered(
            lambda tx: tx.billing_plan_installment_id
            and tx.state in AUTOPAY_DECLINED_STATES
            and not tx.is_post_processed
        )
        res = super()._post_process()
        for tx in declined:
            with self.env["account.move"]._billing_transition():
                tx.billing_plan_installment_id._billing_plan_declined(tx)
        # A plan whose invoices are now paid in full is completed at once.
        plans = self.invoice_ids.sudo().billing_payment_plan_ids.filtered(lambda p: p.state == "active")
        for plan in plans:
            with self.env["account.move"]._billing_transition():
                plan.invalidate_recordset()
                plan._billing_plan_check_completed()
        return res
