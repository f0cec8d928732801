from odoo import api, models
from odoo.exceptions import UserError


class ParentBillingProtectedMixin(models.AbstractModel):
    """Write-protected fields on the addon's own models (statements, sessions,
    charges, the parent's autopay), as the seal protects a family invoice
    (``account_move_seal.py``):

    - ``_billing_transition_fields()``: set only by the billing actions, inside
      ``account.move._billing_transition()``;
    - ``_billing_frozen_fields()``: never changed on the records
      ``_billing_frozen_records()`` returns (e.g. once finalized or invoiced).

    Each model says its fields and the whole sentence of its refusal. With
    ``_billing_protect_create``, creating a record with a transition field is
    refused too.
    """

    _name = "parent_billing.protected.mixin"
    _description = "Billing: Protected Fields"
    _billing_protect_create = False

    def _billing_in_transition(self):
        return self.env["account.move"]._billing_in_transition()

    def _billing_transition_fields(self):
        return set()

    def _billing_frozen_fields(self):
        return set()

    def _billing_frozen_records(self):
        """Those of these records whose frozen fields can no longer change."""
        return self

    def _billing_transition_error(self, fields, create=False):
        """The sentence refusing a direct write (or ``create``) of ``fields``."""
        raise NotImplementedError

    def _billing_frozen_error(self, records, fields):
        """The sentence refusing a change of ``fields`` on ``records``."""
        raise NotImplementedError

    @api.model_create_multi
    def create(self, vals_list):
        if self._billing_protect_create and not self._billing_in_transition():
            protected = set().union(*(self._billing_transition_fields().intersection(vals) for vals in vals_list))
            if protected:
                raise UserError(self._billing_transition_error(protected, create=True))
        return super().create(vals_list)

    def write(self, vals):
        if not self._billing_in_transition() and (protected := self._billing_transition_fields().intersection(vals)):
            raise UserError(self._billing_transition_error(protected))
        if (frozen := self._billing_frozen_fields().intersection(vals)) and (records := self._billing_frozen_records()):
            raise UserError(self._billing_frozen_error(records, frozen))
        return super().write(vals)
