"""18.0.1.1.0: the family invoice stored on each receivable item
(``account.move.line.billing_family_move_id``).

The column is made here, before the module's models load, so Odoo does not
compute the new stored field line by line in Python on the upgrade; the
post-migration fills it in one SQL statement."""


def migrate(cr, version):
    cr.execute("ALTER TABLE account_move_line ADD COLUMN IF NOT EXISTS billing_family_move_id integer")
