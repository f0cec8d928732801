from odoo import fields, models


class PracticeAutopayConsent(models.Model):
    """A parent's autopay consent, as given: who, when, which card and the
    exact wording shown on the portal page. Kept for audit after it is
    revoked. Created and revoked by the autopay actions only (no one writes
    it directly: see ir.model.access)."""

    _name = "practice.autopay.consent"
    _description = "Autopay Consent"
    _order = "date desc, id desc"
    _rec_name = "partner_id"

    partner_id = fields.Many2one("res.partner", string="Parent", required=True, readonly=True, index=True)
    company_id = fields.Many2one("res.company", string="Practice", required=True, readonly=True)
    token_id = fields.Many2one("payment.token", string="Card", readonly=True)
    card = fields.Char(readonly=True, help="The card as shown to the parent when consenting.")
    user_id = fields.Many2one("res.users", string="Given By", required=True, readonly=True)
    date = fields.Datetime(string="Given On", required=True, readonly=True)
    wording = fields.Text(required=True, readonly=True, help="The exact text the parent agreed to.")
    revoked_date = fields.Datetime(string="Revoked On", readonly=True)
    revoked_by_id = fields.Many2one("res.users", readonly=True)
    revoked_reason = fields.Char(string="Why Revoked", readonly=True)
    active_consent = fields.Boolean(string="In Force", compute="_compute_active_consent")

    def _compute_active_consent(self):
        for consent in self:
            consent.active_consent = not consent.revoked_date
