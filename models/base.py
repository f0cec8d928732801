from psycopg2 import errors

from odoo import models
from odoo.exceptions import UserError
from odoo.tools import SQL


class Base(models.AbstractModel):
    _inherit = "base"

    def _billing_lock(self):
        """Row-lock these records for this transaction, so two users acting on
        the same rows at once cannot both succeed: the second gets a clear
        error instead of waiting or double-billing. Records are re-read after."""
        if not self.ids:
            return
        try:
            with self.env.cr.savepoint(flush=False):
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM %s WHERE id IN %s FOR UPDATE NOWAIT",
                        SQL.identifier(self._table),
                        tuple(self.ids),
                    )
                )
        except (errors.LockNotAvailable, errors.SerializationFailure):
            raise UserError(
                self.env._(
                    "Another user is working on these %(what)s right now. Try again in a moment.",
                    what=self._description.lower(),
                )
            ) from None
        self.invalidate_recordset()
