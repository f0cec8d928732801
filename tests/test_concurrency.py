from contextlib import closing

from odoo import SUPERUSER_ID, api
from odoo.exceptions import UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestConcurrentCreateInvoice(TransactionCase):
    """Two users creating an invoice from the same charges at the same time,
    on two real database connections (the test's own transaction cannot
    show this: it is one connection)."""

    def _committed_charges(self):
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            product = env["product.product"].create(
                {"name": "Concurrent service", "type": "service", "list_price": 50.0}
            )
            parent = env["res.partner"].create({"name": "Concurrent Parent"})
            client = env["practice.client"].create(
                {"name": "Concurrent Kid", "partner_id": parent.id, "bill_to_mode": "client"}
            )
            sessions = env["practice.session"].create(
                [{"client_id": client.id, "product_id": product.id, "units": 1.0} for _i in range(2)]
            )
            sessions.action_finalize()
            ids = {
                "charges": sessions.charge_ids.ids,
                "sessions": sessions.ids,
                "client": client.id,
                "parent": parent.id,
                "product": product.id,
            }
            # A second, real connection must see this data.
            cr.commit()  # pylint: disable=invalid-commit
        return ids

    def _cleanup(self, ids):
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env["account.move"].search([("practice_client_id", "=", ids["client"])]).unlink()
            env["practice.charge"].browse(ids["charges"]).unlink()
            cr.execute("DELETE FROM practice_session WHERE id IN %s", [tuple(ids["sessions"])])
            cr.execute("DELETE FROM practice_client WHERE id = %s", [ids["client"]])
            env["res.partner"].browse(ids["parent"]).unlink()
            env["product.product"].browse(ids["product"]).unlink()
            # A second, real connection must see this data.
            cr.commit()  # pylint: disable=invalid-commit

    def test_two_concurrent_create_invoice_yield_one_invoice(self):
        ids = self._committed_charges()
        self.addCleanup(self._cleanup, ids)
        db = db_connect(self.env.cr.dbname)
        with closing(db.cursor()) as cr1, closing(db.cursor()) as cr2:
            env1 = api.Environment(cr1, SUPERUSER_ID, {})
            env2 = api.Environment(cr2, SUPERUSER_ID, {})
            first = env1["practice.charge"].browse(ids["charges"])._create_invoices()
            env1.flush_all()
            # The second user arrives while the first has not committed yet.
            with self.assertRaisesRegex(UserError, "Another user is working on these"):
                env2["practice.charge"].browse(ids["charges"])._create_invoices()
            cr2.rollback()
            cr1.commit()
            # And once the first committed, the charges are simply taken.
            env2.invalidate_all()
            with self.assertRaisesRegex(UserError, "already on invoice"):
                env2["practice.charge"].browse(ids["charges"])._create_invoices()
            cr2.rollback()
            env2.invalidate_all()
            invoices = env2["account.move"].search([("practice_client_id", "=", ids["client"])])
            self.assertEqual(invoices.ids, first.ids)
            self.assertEqual(invoices.invoice_line_ids.practice_charge_id.ids, sorted(ids["charges"]))
