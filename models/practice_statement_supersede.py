"""One live statement per account and period (issue 20).

Regenerating a statement whose ledger changed marks the old one superseded
(it stays, numbered, linked as ``previous_id``); a partial unique index
allows one live statement per parent, practice and period. Two runs for the
same period at once are an expected race: the one that loses makes nothing
and says so, it never crashes on a serialization failure."""

import logging

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, mute_logger

_logger = logging.getLogger(__name__)


class StatementRunRace(UserError):
    """Another run is making the statements of this period right now."""


class PracticeStatement(models.Model):
    _inherit = "practice.statement"

    state = fields.Selection(selection_add=[("superseded", "Superseded")], ondelete={"superseded": "set default"})

    def init(self):
        res = super().init()
        self.env.cr.execute(
            SQL(
                """
                CREATE UNIQUE INDEX IF NOT EXISTS practice_statement_live_period_uniq
                    ON practice_statement (partner_id, company_id, date_from, date_to)
                 WHERE state != 'superseded'
                """
            )
        )
        return res

    @api.model
    def _prepare_statement_vals(self, partner, company, date_from, date_to, snapshot, previous):
        if previous and previous.state != "superseded":
            # In the database before the new statement is inserted: the unique
            # index then only catches a truly concurrent run.
            previous.write({"state": "superseded"})
            previous.flush_recordset(["state"])
        return super()._prepare_statement_vals(partner, company, date_from, date_to, snapshot, previous)

    @api.model
    def _billing_generate(self, partners, date_from, date_to):
        try:
            # Losing the race to another run is expected: not a "bad query" for the server log.
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                statements = super()._billing_generate(partners, date_from, date_to)
                self.env.flush_all()
        except (errors.UniqueViolation, errors.SerializationFailure, errors.LockNotAvailable):
            _logger.info("Statements for %s to %s: another run is making them", date_from, date_to)
            raise StatementRunRace(
                self.env._(
                    "Statements for %(start)s to %(end)s are being made by another run right now. "
                    "Try again in a moment.",
                    start=date_from,
                    end=date_to,
                )
            ) from None
        return statements

    @api.model
    def _cron_billing_statements(self, batch_size=None):
        kwargs = {"batch_size": batch_size} if batch_size else {}
        try:
            return super()._cron_billing_statements(**kwargs)
        except StatementRunRace:
            # The other run makes and sends the same statements.
            _logger.info("Monthly statements: another run is making them; this one stops")
            return True
