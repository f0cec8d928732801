from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    practice_charge_id = fields.Many2one(
        "practice.charge", string="Charge", index="btree_not_null", copy=False, ondelete="restrict"
    )
    practice_service_date = fields.Date(string="Service Date", copy=False)
    billing_is_adjustment = fields.Boolean(string="Adjustment", copy=False)
    billing_adjustment_percent = fields.Float(
        "Adjustment Percent",
        digits=(16, 4),
        copy=False,
        help="On a percentage discount (negative) or surcharge (positive): the percent of the invoice's "
        "lines it stays while the invoice is a draft.",
    )

    # ------------------------------------------------------------------
    # What the seal protects (account_move_seal.py); feature files add theirs with super()
    # ------------------------------------------------------------------
    def _billing_transition_line_fields(self):
        """Set by the billing actions only, even on a draft."""
        return {"practice_charge_id"}

    def _billing_frozen_line_fields(self):
        """The lines of a sent family document: frozen."""
        return {"practice_charge_id", "practice_service_date", "billing_is_adjustment", "billing_adjustment_percent"}

    @api.constrains("practice_charge_id", "move_id")
    def _check_practice_charge_client(self):
        for line in self.filtered("practice_charge_id"):
            if line.practice_charge_id.client_id != line.move_id.practice_client_id:
                raise UserError(
                    self.env._(
                        "Charge %(charge)s belongs to %(client)s and cannot go on invoice %(move)s of another client.",
                        charge=line.practice_charge_id.name,
                        client=line.practice_charge_id.client_id.name,
                        move=line.move_id.display_name,
                    )
                )
            if line.practice_charge_id.partner_id != line.move_id.partner_id:
                raise UserError(
                    self.env._(
                        "Charge %(charge)s is billed to another parent than invoice %(move)s.",
                        charge=line.practice_charge_id.name,
                        move=line.move_id.display_name,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_release_charge(self):
        """Removing a line from a draft family invoice returns its charge to
        Unbilled Charges (a sent invoice's lines are refused by the seal's
        ``_unlink_except_sealed``)."""
        family_lines = self.filtered(lambda l: l.move_id._billing_family())
        family_lines.practice_charge_id.filtered(lambda c: c.move_line_id in family_lines)._release()
