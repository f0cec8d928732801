from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import RealConnectionsCase


@tagged("post_install", "-at_install")
class TestConcurrentCreateInvoice(RealConnectionsCase):
    """Two users creating an invoice from the same charges at the same time."""

    def test_two_concurrent_create_invoice_yield_one_invoice(self):
        ids = self._commit_family("Concurrent", sessions=2)
        with self._connection() as env1, self._connection() as env2:
            first = env1["practice.charge"].browse(ids["charges"])._create_invoices()
            env1.flush_all()
            # The second user arrives while the first has not committed yet.
            with self.assertRaisesRegex(UserError, "Another user is working on these"):
                env2["practice.charge"].browse(ids["charges"])._create_invoices()
            env2.cr.rollback()
            env1.cr.commit()
            # And once the first committed, the charges are simply taken.
            env2.invalidate_all()
            with self.assertRaisesRegex(UserError, "already on invoice"):
                env2["practice.charge"].browse(ids["charges"])._create_invoices()
            env2.cr.rollback()
            env2.invalidate_all()
            invoices = env2["account.move"].search([("practice_client_id", "=", ids["client"])])
            self.assertEqual(invoices.ids, first.ids)
            self.assertEqual(invoices.invoice_line_ids.practice_charge_id.ids, sorted(ids["charges"]))
