from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .account_move import BILLING_OPEN_STATES


class ResPartner(models.Model):
    """Autopay of a parent: the saved card (``payment.token``) to charge and
    the consent in force. Only the parent turns it on, in the portal, with
    her own card; she or billing staff turn it off."""

    _name = "res.partner"
    _inherit = ["res.partner", "parent_billing.protected.mixin"]
    _billing_protect_create = True

    billing_autopay_token_id = fields.Many2one(
        "payment.token",
        "Autopay Card",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The parent's saved card charged for family invoices; empty: autopay is off.",
    )
    billing_autopay_consent_id = fields.Many2one(
        "practice.autopay.consent", string="Autopay Consent", readonly=True, copy=False
    )
    billing_autopay_consent_ids = fields.One2many(
        "practice.autopay.consent", "partner_id", string="Autopay Consents", readonly=True
    )
    billing_autopay_card = fields.Char(
        string="Autopay", compute="_compute_billing_autopay_card", compute_sudo=True, help="The card autopay charges."
    )

    @api.depends("billing_autopay_token_id")
    def _compute_billing_autopay_card(self):
        for partner in self:
            token = partner.billing_autopay_token_id
            partner.billing_autopay_card = token.display_name if token else False

    # ------------------------------------------------------------------
    # The seal: autopay fields change through the autopay actions only
    # ------------------------------------------------------------------
    def _billing_transition_fields(self):
        """Set by the autopay actions only (the parent's consent in the portal, a revoke)."""
        return {"billing_autopay_token_id", "billing_autopay_consent_id"}

    def _billing_transition_error(self, fields, create=False):
        if create:
            return self.env._("Autopay is turned on by the parent in the portal, with consent.")
        return self.env._(
            "Autopay is turned on by the parent in the portal, with consent, and turned off with "
            "Turn Off Autopay: it cannot be set directly."
        )

    # ------------------------------------------------------------------
    # Consent
    # ------------------------------------------------------------------
    def _billing_autopay_tokens(self, company):
        """The parent's own saved cards that autopay can charge for ``company``:
        active, hers (not another contact's of the family), through a provider
        of the practice that is enabled."""
        self.ensure_one()
        return (
            self.env["payment.token"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.id),
                    ("provider_id.state", "in", ("enabled", "test")),
                    ("provider_id.company_id", "=", company.id),
                ]
            )
        )

    def _billing_autopay_wording(self, token, company):
        """The exact consent text shown to the parent for ``token``."""
        self.ensure_one()
        company = company.sudo()
        retries = company._billing_autopay_retries()
        values = {
            "practice": company.name,
            "card": token.sudo().display_name,
            "retries": ", ".join(str(day) for day in retries),
        }
        if company.billing_autopay_when == "send":
            text = self.env._(
                "I authorize %(practice)s to charge my card %(card)s for the balance of each invoice billed to me "
                "when the invoice is sent, late fees included, until I turn autopay off.",
                **values,
            )
        else:
            text = self.env._(
                "I authorize %(practice)s to charge my card %(card)s for the balance of each invoice billed to me "
                "on its due date, late fees included, until I turn autopay off.",
                **values,
            )
        if retries:
            text += " " + self.env._(
                "A declined charge is tried again %(retries)s day(s) after the first try.", **values
            )
        return text

    def _billing_autopay_not_charged(self):
        """[(invoice, reason)]: this parent's open family invoices that her
        autopay does not charge, oldest due first (empty while autopay is off).
        The reasons are the autopay run's own (``account.move._billing_autopay_skipped``)."""
        self.ensure_one()
        Move = self.env["account.move"].sudo()
        moves = Move.search(
            [
                *Move._billing_family_domain(),
                ("partner_id", "=", self.id),
                ("billing_state", "in", BILLING_OPEN_STATES),
            ],
            order="invoice_date_due, id",
        )
        skipped = moves._billing_autopay_skipped()
        return [(move, skipped[move]) for move in moves if move in skipped]

    def _billing_autopay_card_label(self, token):
        """The card as the parent's emails name it: brand and last 4 digits only."""
        token = token.sudo()
        return self.env._(
            "%(brand)s ending in %(digits)s",
            brand=token.payment_method_id.name or self.env._("Card"),
            digits=(token.payment_details or "")[-4:],
        )

    def _billing_autopay_enroll(self, token, wording, company):
        """The parent turns autopay on with her own card, agreeing to
        ``wording``, which must be exactly the text shown for that card."""
        self.ensure_one()
        user = self.env.user
        if user.partner_id != self:
            raise AccessError(self.env._("Only the parent can turn autopay on, from her own account."))
        token = token.sudo()
        if token not in self._billing_autopay_tokens(company):
            raise AccessError(self.env._("This card cannot be used for autopay: choose one of your saved cards."))
        expected = self._billing_autopay_wording(token, company)
        if (wording or "").strip() != expected:
            raise UserError(
                self.env._("The autopay terms have changed since the page was opened: read them again and confirm.")
            )
        Move = self.env["account.move"]
        with Move._billing_transition():
            sudo_self = self.sudo()
            if sudo_self.billing_autopay_consent_id:
                sudo_self._billing_autopay_revoke(self.env._("Replaced by a new consent."), notify=False)
            consent = (
                self.env["practice.autopay.consent"]
                .sudo()
                .create(
                    {
                        "partner_id": self.id,
                        "company_id": company.id,
                        "token_id": token.id,
                        "card": token.display_name,
                        "user_id": user.id,
                        "date": fields.Datetime.now(),
                        "wording": expected,
                    }
                )
            )
            sudo_self.write({"billing_autopay_token_id": token.id, "billing_autopay_consent_id": consent.id})
            body = self.env._(
                "Autopay turned on by %(user)s with card %(card)s. Consent: %(wording)s",
                user=user.name,
                card=token.display_name,
                wording=expected,
            )
            sudo_self.message_post(body=body, subtype_xmlid="mail.mt_note")
            sudo_self._billing_autopay_email("parent_billing.mail_template_autopay_on", consent)
        return consent

    def _billing_autopay_email(self, template_xmlid, consent):
        """Queue the autopay confirmation ``template_xmlid`` (on, off) of
        ``consent`` to this parent alone, through the mail queue; a note in her
        messages tells staff (or that she has no email address)."""
        self.ensure_one()
        if not self.email:
            self.message_post(
                body=self.env._(
                    "No autopay confirmation was emailed: %(parent)s has no email address.", parent=self.name
                ),
                subtype_xmlid="mail.mt_note",
            )
            return False
        self.env.ref(template_xmlid).sudo().send_mail(consent.id, email_layout_xmlid="mail.mail_notification_light")
        self.message_post(
            body=self.env._("Autopay confirmation emailed to %(parent)s.", parent=self.name),
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _billing_autopay_revoke(self, reason, notify=True):
        """Turn autopay off (the consent in force is kept, marked revoked) and,
        unless ``notify`` is false (a new consent replaces it), confirm it to
        the parent by email."""
        with self.env["account.move"]._billing_transition():
            for partner in self.sudo().filtered("billing_autopay_token_id"):
                consent = partner.billing_autopay_consent_id
                consent.write(
                    {
                        "revoked_date": fields.Datetime.now(),
                        "revoked_by_id": self.env.uid,
                        "revoked_reason": reason,
                    }
                )
                partner.write({"billing_autopay_token_id": False, "billing_autopay_consent_id": False})
                partner.message_post(
                    body=self.env._(
                        "Autopay turned off by %(user)s: %(reason)s", user=self.env.user.name, reason=reason
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                if notify:
                    partner._billing_autopay_email("parent_billing.mail_template_autopay_off", consent)
        return True

    def action_billing_autopay_disable(self):
        """Staff: Turn Off Autopay on the parent's contact."""
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can turn a parent's autopay off."))
        return self._billing_autopay_revoke(self.env._("Turned off by billing staff."))


class PaymentToken(models.Model):
    _inherit = "payment.token"

    def write(self, vals):
        res = super().write(vals)
        if "active" in vals and not vals["active"]:
            # A card the parent removed (or the provider disabled) is never charged by autopay.
            partners = self.env["res.partner"].sudo().search([("billing_autopay_token_id", "in", self.ids)])
            partners._billing_autopay_revoke(self.env._("The card was removed."))
        return res
