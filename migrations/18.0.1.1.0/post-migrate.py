"""18.0.1.1.0: fill ``account.move.line.billing_family_move_id`` on the
existing receivable items (see pre-migrate.py), by the same rule as its
compute (models/account_move_line_family.py)."""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    count = env["account.move.line"]._billing_fill_family_move()
    _logger.info("Billing AR: the family invoice was filled on %s receivable items.", count)
