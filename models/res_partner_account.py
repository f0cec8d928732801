from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from .account_move import BILLING_OPEN_STATES


class ResPartner(models.Model):
    """The billed account: Odoo's commercial partner of the billed parent.

    Money and privacy stop at it. A login under an account (the other parent
    of one household, a grandparent) sees and pays the account's family
    documents only when billing staff tick ``billing_contact``. Odoo never
    recomputes a posted invoice's commercial partner, so the place of a
    partner in an account with family documents (its parent contact, its
    company type) no longer changes."""

    _inherit = "res.partner"

    billing_contact = fields.Boolean(
        tracking=True,
        help="This contact's portal login sees and pays the family invoices and statements of the account "
        "it sits under. Emails still go to the account only. Set by billing staff.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get("billing_contact") for vals in vals_list) and not self.env.su:
            self._billing_check_billing_contact_access()
        return super().create(vals_list)

    def write(self, vals):
        if "billing_contact" in vals and not self.env.su:
            self._billing_check_billing_contact_access()
            if set(vals) == {"billing_contact"}:
                # Billing staff tick it without the right to edit the contact itself.
                self.check_access("read")
                self = self.sudo()  # noqa: PLW0642
        if {"parent_id", "is_company"}.intersection(vals):
            self._billing_check_account_change(vals)
        res = super().write(vals)
        if "billing_contact" in vals:
            self.env.registry.clear_cache()  # the portal record rules read it (cached per user)
        return res

    def _billing_check_billing_contact_access(self):
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can make a contact a billing contact of an account."))

    def _billing_check_account_change(self, vals):
        for partner in self:
            parent_changes = "parent_id" in vals and (vals["parent_id"] or False) != partner.parent_id.id
            type_changes = "is_company" in vals and bool(vals["is_company"]) != partner.is_company
            if not (parent_changes or type_changes):
                continue
            if partner.commercial_partner_id._billing_has_family_documents():
                raise UserError(
                    self.env._(
                        "%(partner)s belongs to the billed account %(account)s, which has family invoices, charges "
                        "or statements: its parent contact and company type cannot change, because posted invoices "
                        "stay billed to that account. Create a new contact instead.",
                        partner=partner.display_name,
                        account=partner.commercial_partner_id.display_name,
                    )
                )
            if parent_changes and vals["parent_id"]:
                client = (
                    self.env["practice.client"]
                    .sudo()
                    .with_context(active_test=False)
                    .search(
                        ["|", ("partner_id", "=", partner.id), ("guardian_ids.partner_id", "=", partner.id)], limit=1
                    )
                )
                names = {"partner": partner.display_name, "client": client.name}
                if client.partner_id == partner:
                    raise UserError(
                        self.env._(
                            "%(partner)s is the responsible parent of %(client)s: a responsible parent is a contact "
                            "of their own and cannot be put under another contact.",
                            **names,
                        )
                    )
                if client:
                    raise UserError(
                        self.env._(
                            "%(partner)s is a guardian of %(client)s: a guardian is a contact of their own and cannot "
                            "be put under another contact.",
                            **names,
                        )
                    )

    def _billing_has_family_documents(self):
        """Whether this account (a commercial partner) has family invoices,
        charges or statements."""
        self.ensure_one()
        if not self.id:
            return False
        env = self.env(su=True)
        return bool(
            env["account.move"].search_count(
                env["account.move"]._billing_family_domain() + [("commercial_partner_id", "=", self.id)], limit=1
            )
            or env["practice.charge"].search_count([("partner_id", "child_of", self.id)], limit=1)
            or env["practice.statement"].search_count([("partner_id", "child_of", self.id)], limit=1)
        )

    # ------------------------------------------------------------------
    # What a portal login sees
    # ------------------------------------------------------------------
    def _billing_card_owner_only(self):
        """Whether the saved cards of this partner follow the account rule: a
        card of a billed account is used, removed or chosen for autopay only
        by the signed-in user who saved it. Cards of every other partner keep
        Odoo's rule (any contact of the commercial partner)."""
        self.ensure_one()
        return self.commercial_partner_id._billing_has_family_documents() or bool(
            self.env["practice.client"]
            .sudo()
            .with_context(active_test=False)
            .search_count(
                [
                    "|",
                    ("partner_id", "child_of", self.commercial_partner_id.id),
                    ("guardian_ids.partner_id", "child_of", self.commercial_partner_id.id),
                ],
                limit=1,
            )
        )

    def _billing_portal_account(self):
        """The account whose family documents this login's partner sees besides
        its own: its commercial partner when it is a billing contact."""
        self.ensure_one()
        return self.commercial_partner_id if self.billing_contact else self.browse()

    def _billing_portal_sees(self, move):
        """Whether this partner's portal login may see (and pay) family invoice ``move``."""
        self.ensure_one()
        return move.partner_id == self or (
            bool(self._billing_portal_account()) and move.commercial_partner_id == self._billing_portal_account()
        )

    def _billing_portal_move_domain(self):
        """Family invoices this partner's portal login sees: billed to it, or
        of its account when it is a billing contact."""
        self.ensure_one()
        account = self._billing_portal_account()
        if not account:
            return [("partner_id", "=", self.id)]
        return ["|", ("partner_id", "=", self.id), ("commercial_partner_id", "=", account.id)]

    def _billing_portal_statement_partners(self):
        """The statement addressees this partner's portal login sees."""
        self.ensure_one()
        return self | self._billing_portal_account()

    # ------------------------------------------------------------------
    # Staff list: data that breaks the account rule (kept billed as it is)
    # ------------------------------------------------------------------
    @api.model
    def _billing_accounts_to_review(self):
        """Responsible parents (and billed parents of open family invoices)
        that sit under another contact: they stay billed to their current
        account until their open invoices are settled, or voided and
        re-issued, and are then made contacts of their own."""
        env = self.env(su=True)
        # only the parents and guardians who sit under another contact
        clients = (
            env["practice.client"]
            .with_context(active_test=False)
            .search(["|", ("partner_id.parent_id", "!=", False), ("guardian_ids.partner_id.parent_id", "!=", False)])
        )
        parents = clients._billing_accounts()
        billed = (
            env["account.move"]
            .search(env["account.move"]._billing_family_domain() + [("billing_state", "in", BILLING_OPEN_STATES)])
            .partner_id
        )
        return (parents | billed).filtered("parent_id")

    @api.model
    def action_billing_accounts_to_review(self):
        if not self.env.user.has_group("parent_billing.parent_billing_group_user"):
            raise AccessError(self.env._("Only billing staff can list the billing accounts to review."))
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Billing Accounts to Review"),
            "res_model": "res.partner",
            "view_mode": "list,form",
            "views": [(False, "list"), (False, "form")],
            "domain": [("id", "in", self._billing_accounts_to_review().ids)],
            "help": self.env._(
                "<p>Parents billed while they sit under another contact. Their invoices stay with that account; "
                "once settled (or voided and re-issued), make them a contact of their own.</p>"
            ),
        }
