from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    billing_payment_term_id = fields.Many2one(related="company_id.billing_payment_term_id", readonly=False)
    billing_invoice_footer = fields.Text(related="company_id.billing_invoice_footer", readonly=False)
    billing_payment_instructions = fields.Text(related="company_id.billing_payment_instructions", readonly=False)
    billing_mail_template_id = fields.Many2one(related="company_id.billing_mail_template_id", readonly=False)
    billing_late_fee_type = fields.Selection(related="company_id.billing_late_fee_type", readonly=False)
    billing_late_fee_amount = fields.Float(related="company_id.billing_late_fee_amount", readonly=False)
    billing_late_fee_days = fields.Integer(related="company_id.billing_late_fee_days", readonly=False)
    billing_late_fee_product_id = fields.Many2one(related="company_id.billing_late_fee_product_id", readonly=False)
    billing_journal_check_id = fields.Many2one(related="company_id.billing_journal_check_id", readonly=False)
    billing_journal_ach_id = fields.Many2one(related="company_id.billing_journal_ach_id", readonly=False)
    billing_journal_card_id = fields.Many2one(related="company_id.billing_journal_card_id", readonly=False)
    billing_journal_cash_id = fields.Many2one(related="company_id.billing_journal_cash_id", readonly=False)
    billing_journal_other_id = fields.Many2one(related="company_id.billing_journal_other_id", readonly=False)
