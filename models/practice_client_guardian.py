from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import float_round


class PracticeClientGuardian(models.Model):
    """A guardian who pays a share of a client's charges (separated parents,
    a court order). Each guardian is a billed account of its own: the
    charges, invoices, statements and portal pages of one guardian never name
    the other or show the other's share."""

    _name = "practice.client.guardian"
    _description = "Client Guardian"
    _order = "client_id, sequence, id"

    client_id = fields.Many2one("practice.client", required=True, index=True, ondelete="cascade")
    partner_id = fields.Many2one(
        "res.partner",
        string="Guardian",
        required=True,
        index=True,
        help="The billed account of this guardian: a contact of their own (no parent contact).",
    )
    share_percent = fields.Float(
        string="Share (%)",
        digits=(5, 2),
        required=True,
        default=100.0,
        help="The part of each charge this guardian pays. The shares of the guardians in effect on a date add up "
        "to 100.",
    )
    sequence = fields.Integer(default=10, help="On equal shares, the first guardian gets the leftover cent.")
    date_from = fields.Date(string="From", help="Empty: since always.")
    date_to = fields.Date(string="To", help="Empty: until further notice.")
    company_id = fields.Many2one(related="client_id.company_id", store=True, index=True)

    @api.constrains("share_percent")
    def _check_share_percent(self):
        for guardian in self:
            if not 0 < guardian.share_percent <= 100:
                raise ValidationError(
                    self.env._(
                        "The share of guardian %(guardian)s of %(client)s must be above 0 and at most 100 percent "
                        "(got %(share)s).",
                        guardian=guardian.partner_id.name,
                        client=guardian.client_id.name,
                        share=guardian.share_percent,
                    )
                )

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for guardian in self:
            if guardian.date_from and guardian.date_to and guardian.date_from > guardian.date_to:
                raise ValidationError(
                    self.env._(
                        "Guardian %(guardian)s of %(client)s: the start date %(start)s is after the end date %(end)s.",
                        guardian=guardian.partner_id.name,
                        client=guardian.client_id.name,
                        start=guardian.date_from,
                        end=guardian.date_to,
                    )
                )

    @api.constrains("partner_id")
    def _check_partner_is_account(self):
        for guardian in self:
            guardian.client_id._billing_check_account(guardian.partner_id, guardian=True)

    @api.constrains("client_id", "partner_id", "share_percent", "date_from", "date_to")
    def _check_client_shares(self):
        # Editing the guardians on the client's form saves them one by one:
        # the client checks the whole set once they are all saved.
        if not self.env.context.get("billing_guardians_checked_by_client"):
            self.client_id._billing_check_guardian_shares()

    def _billing_in_effect(self, on_date):
        """Those of these guardians in effect on ``on_date``."""
        return self.filtered(
            lambda g: (not g.date_from or g.date_from <= on_date) and (not g.date_to or on_date <= g.date_to)
        )


class PracticeClient(models.Model):
    """A client with guardians bills them, each their share of every charge;
    a client without guardians bills its responsible parent."""

    _inherit = "practice.client"

    guardian_ids = fields.One2many(
        "practice.client.guardian",
        "client_id",
        string="Guardians",
        copy=True,
        help="Separated parents who each pay a share of this client's charges, each billed on their own. "
        "Empty: the responsible parent pays everything.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        clients = super(PracticeClient, self.with_context(billing_guardians_checked_by_client=True)).create(vals_list)
        return clients.with_env(self.env)

    def write(self, vals):
        res = super(PracticeClient, self.with_context(billing_guardians_checked_by_client=True)).write(vals)
        if "partner_id" in vals:
            # The charges no guardian was billed for follow the responsible parent until invoiced.
            charges = (
                self.env["practice.charge"]
                .sudo()
                .search([("client_id", "in", self.ids), ("state", "=", "unbilled"), ("share_percent", "=", 0)])
            )
            for client in self:
                mine = charges.filtered(lambda c, client=client: c.client_id == client)
                mine.with_context(billing_charge_routing=True).write({"partner_id": client.partner_id.id})
        return res

    @api.constrains("guardian_ids")
    def _check_guardians(self):
        self._billing_check_guardian_shares()

    def _billing_check_guardian_shares(self):
        """On every date some guardian of a client is in effect, the shares of
        those in effect add up to 100 and name each guardian once."""
        for client in self.exists():
            guardians = client.guardian_ids
            # The set in effect changes only where a guardian starts or ends.
            dates = {date.min} | {g.date_from for g in guardians if g.date_from}
            dates |= {g.date_to + timedelta(days=1) for g in guardians if g.date_to and g.date_to < date.max}
            for on_date in sorted(dates):
                if error := client._billing_guardian_error(on_date, require=False):
                    raise ValidationError(error)

    def _billing_guardian_error(self, on_date, require=True):
        """Why the guardians in effect on ``on_date`` cannot share a charge of
        this client, or ``None``. With ``require``, having none is an error."""
        self.ensure_one()
        guardians = self.guardian_ids._billing_in_effect(on_date)
        if not guardians:
            if require:
                return self.env._(
                    "No guardian of %(client)s is in effect on %(date)s: set the guardians' dates on the client "
                    "before finalizing.",
                    client=self.name,
                    date=on_date,
                )
            return None
        total = float_round(sum(guardians.mapped("share_percent")), precision_digits=2)
        if total != 100:
            return self.env._(
                "The shares of the guardians of %(client)s in effect on %(date)s add up to %(total)s percent, "
                "not 100: correct them on the client.",
                client=self.name,
                date=on_date if on_date != date.min else self.env._("any date"),
                total=total,
            )
        if len(guardians.partner_id) < len(guardians):
            return self.env._(
                "A guardian of %(client)s is listed twice for %(date)s: list each guardian once per period.",
                client=self.name,
                date=on_date if on_date != date.min else self.env._("any date"),
            )
        return None

    def _billing_split(self, amount, on_date):
        """Each guardian's share of ``amount`` on ``on_date``: a list of
        (guardian, share amount). Each share is rounded down to the cent and
        the leftover cents go to the largest share (on ties the first
        guardian by sequence, then creation), so the shares add up to
        ``amount`` exactly.

        :raise UserError: no guardian in effect, or shares not adding up to 100
        """
        self.ensure_one()
        if error := self._billing_guardian_error(on_date):
            raise UserError(error)
        guardians = self.guardian_ids._billing_in_effect(on_date).sorted(lambda g: (g.sequence, g.id))
        currency = self.currency_id
        cents = round(amount * 10**currency.decimal_places)
        shares = [(guardian, cents * round(guardian.share_percent * 100) // 10000) for guardian in guardians]
        leftover = cents - sum(share for _guardian, share in shares)
        largest = max(shares, key=lambda share: share[0].share_percent)[0]  # max() keeps the first on ties
        return [
            (guardian, currency.round((share + (leftover if guardian == largest else 0)) / 10**currency.decimal_places))
            for guardian, share in shares
        ]

    def _billing_accounts(self):
        """The accounts this client's family invoices may be billed to: its
        responsible parent and every guardian."""
        return self.partner_id | self.guardian_ids.partner_id

    # ------------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------------
    @api.model
    def _billing_load_demo_guardians(self):
        """Demo only: the Brooks guardians (50/50) each get their own sent
        invoice for Emma's sessions, Laura's paid; a later session waits in
        Unbilled Charges as two shares."""
        ref = self.env.ref
        today = fields.Date.context_today(self)
        emma, aba = ref("parent_billing.client_emma_brooks"), ref("parent_billing.product_aba_97153")
        Session = self.env["practice.session"]

        def sessions(units, days_ago):
            return Session.create(
                [
                    {"client_id": emma.id, "product_id": aba.id, "units": units, "date": today - timedelta(days=d)}
                    for d in days_ago
                ]
            )

        billed = sessions(3, (12, 11))
        billed.action_finalize()
        moves = billed.charge_ids._create_invoices()
        moves.action_billing_send()
        laura = moves.filtered(lambda m: m.partner_id == ref("parent_billing.partner_guardian_laura_brooks"))
        laura._billing_register_payment(laura.billing_amount_due, today, "check", "Check 2210")
        sessions(2, (2,)).action_finalize()
