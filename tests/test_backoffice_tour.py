from odoo.tests import HttpCase, tagged

from .common import BillingCommon


@tagged("post_install", "-at_install")
class TestBackofficeTour(BillingCommon, HttpCase):
    def test_staff_creates_invoice_from_unbilled_charges_in_browser(self):
        kid = self._billing_client("Tour Kid", self.parent_chen, "client")
        charges = self._charges(kid, self.service_aba, units=2, count=3)
        other = self._charges(self.client_sofia, self.service_aba)
        self.start_tour(
            "/odoo/action-parent_billing.practice_charge_action_unbilled",
            "parent_billing_create_invoice",
            login=self.billing_user.login,
        )
        move = self.env["account.move"].search([("practice_client_id", "=", kid.id)])
        self.assertEqual(len(move), 1)
        self.assertEqual(move.billing_state, "draft")
        self.assertEqual(move.invoice_line_ids.practice_charge_id, charges)
        self.assertEqual(move.amount_total, 3 * 65.00)
        self.assertIn("Thank you for this month", move.narration)
        self.assertEqual(other.state, "unbilled", "another client's charge stays in the queue")
