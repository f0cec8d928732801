import base64
import os
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import ChromeBrowser

from .common import BillingCommon

# README pictures: PB_SCREENSHOTS=/path/to/docs bin/test -k backoffice_tour
# saves the screens the tours pass through there; normal runs write nothing.
SCREENSHOTS = os.environ.get("PB_SCREENSHOTS")
SCREENSHOT_SIZE = {"width": 1366, "height": 900, "deviceScaleFactor": 1, "mobile": False}
_handle_console = ChromeBrowser._handle_console


def _handle_console_with_screenshots(browser, type, args=None, stackTrace=None, **kw):  # pylint: disable=redefined-builtin
    """A tour step logs ``pb-screenshot <name>``: save the screen as
    <name>.png, then mark the page so the tour goes on (see
    parent_billing_tour_utils.js). Runs in the browser's event thread, so it
    only sends and chains callbacks, never waits."""
    message = args and browser._from_remoteobject(args[0])
    if type == "log" and isinstance(message, str) and message.startswith("pb-screenshot "):
        name = message.split(" ", 1)[1]

        def save(future):
            png = base64.b64decode(future.result()["data"])
            Path(SCREENSHOTS, f"{name}.png").write_bytes(png)
            browser._websocket_send(
                "Runtime.evaluate", params={"expression": f"document.body.classList.add('o_pb_shot_{name}')"}
            )

        browser._websocket_send("Emulation.setDeviceMetricsOverride", params=SCREENSHOT_SIZE)
        browser._websocket_send("Page.captureScreenshot", with_future=True).add_done_callback(save)
    return _handle_console(browser, type, args=args, stackTrace=stackTrace, **kw)


@tagged("post_install", "-at_install")
class TestBackofficeTour(BillingCommon, HttpCase):
    def _start_tour(self, url, tour, login):
        if not SCREENSHOTS:
            return self.start_tour(url, tour, login=login)
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        with patch.object(ChromeBrowser, "_handle_console", _handle_console_with_screenshots):
            return self.start_tour(url, tour, login=login, cookies={"pb_screenshots": "1"})

    def _assert_ledger_agrees(self, partner):
        """The parent's receivable ledger is the sum of their invoices' balances."""
        moves = self.env["account.move"].search(
            [("partner_id", "=", partner.id), ("practice_client_id", "!=", False), ("move_type", "=", "out_invoice")]
        )
        self.assertEqual(
            self._receivable_balance(partner), self.currency.round(sum(moves.mapped("billing_amount_due")))
        )

    def test_clerk_walks_the_seed_from_unbilled_charges_to_paid(self):
        """Unbilled Charges -> Create Invoice (all selected) -> write-in,
        re-rate, remove, discount -> Send -> partial payment -> the rest -> Paid."""
        kid = self._billing_client("Tour Kid", self.parent_chen, "client")
        aba = self._charges(kid, self.service_aba, units=2)  # 65.00
        speech = self._charges(kid, self.service_speech)  # 125.00
        ot = self._charges(kid, self.service_ot, units=2)  # 82.50
        other = self._charges(self.client_sofia, self.service_aba)

        self._start_tour(
            "/odoo/action-parent_billing.practice_charge_action_unbilled",
            "parent_billing_create_invoice",
            login=self.billing_user.login,
        )

        move = self.env["account.move"].search([("practice_client_id", "=", kid.id)])
        self.assertEqual(len(move), 1)
        self.assertEqual(move.billing_state, "paid")
        self.assertIn("Thank you for this month", move.narration)
        self.assertEqual(len(move.invoice_line_ids), 4, "ABA, speech, the write-in and the discount")
        self.assertEqual(move.invoice_line_ids.practice_charge_id, aba | speech)
        self.assertEqual(move.invoice_line_ids.filtered(lambda l: l.practice_charge_id == aba).price_unit, 30.00)
        self.assertEqual(move.invoice_line_ids[-1].price_subtotal, -20.00, "10 % of 200.00, last")
        self.assertEqual(move.billing_amount_total, 180.00)
        self.assertEqual(move.billing_amount_paid, 180.00)
        self.assertEqual(move.billing_amount_due, 0.00)
        self.assertEqual(
            sorted(move.billing_payment_ids.mapped(lambda p: (p.billing_method, p.memo, p.amount))),
            [("ach", "ACH-2002", 80.00), ("check", "1001", 100.00)],
        )
        self.assertEqual((aba | speech).mapped("state"), ["invoiced", "invoiced"])
        self.assertEqual(ot.state, "unbilled", "the removed line's charge is back in Unbilled Charges")
        self.assertFalse(ot.move_line_id)
        self.assertEqual(other.state, "unbilled", "another client's charge stays in the queue")
        self.assertEqual(self._receivable_balance(self.parent_chen), move.billing_amount_due)
        self._assert_ledger_agrees(self.parent_chen)

    def _aged_invoice(self, client, days_ago, service=None):
        """A sent invoice dated ``days_ago`` (due 30 days later), marked overdue when past due."""
        move = self._draft_invoice(client=client, service=service or self.service_speech, units=1, count=1)
        invoice_date = fields.Date.today() - timedelta(days=days_ago)
        move.write({"invoice_date": invoice_date, "invoice_date_due": invoice_date + timedelta(days=30)})
        move.action_billing_send()
        if move.invoice_date_due < fields.Date.today():
            self._mark_overdue(move)
        return move

    def test_manager_voids_a_sent_invoice_and_refunds_a_paid_one(self):
        """Void (with a reason) a sent invoice, Issue Refund on a paid one, then Billing AR."""
        void_kid = self._billing_client("Void Kid", self.parent_chen, "client")
        to_void = self._sent_invoice(client=void_kid, service=self.service_speech, units=1, count=1)  # 125.00
        refund_kid = self._billing_client("Refund Kid", self.parent_rivera, "client")
        to_refund = self._sent_invoice(client=refund_kid)  # 2 x 2 x 32.50 = 130.00
        to_refund._billing_register_payment(130.00, fields.Date.today(), "check", "555")
        self.assertEqual(to_refund.billing_state, "paid")
        # Families behind on their payments, for Billing AR (and its picture).
        patel = self._billing_client("Ava Patel", self._billing_parent("Priya Patel", "priya@example.com"), "client")
        park = self._billing_client("Leo Park", self._billing_parent("Sam Park", "sam@example.com"), "client")
        aged = (
            self._aged_invoice(self.client_lily, 45)
            | self._aged_invoice(patel, 75, self.service_ot)
            | self._aged_invoice(park, 130)
        )

        self._start_tour(
            "/odoo/action-parent_billing.account_move_action_family_invoices",
            "parent_billing_manager",
            login=self.billing_manager.login,
        )

        self.assertEqual(to_void.billing_state, "voided")
        self.assertEqual(to_void.void_reason, "Duplicate of another invoice")
        self.assertEqual(to_void.billing_amount_due, 0.00)
        self.assertEqual(
            to_void.invoice_line_ids.practice_charge_id.state, "unbilled", "its charge is back in the queue"
        )
        self.assertEqual(to_refund.billing_state, "sent", "the refund puts the balance back up")
        self.assertEqual(to_refund.billing_amount_paid, 100.00)
        self.assertEqual(to_refund.billing_amount_due, 30.00)
        refund = to_refund.billing_payment_ids.filtered(lambda p: p.billing_kind == "refund")
        self.assertEqual(refund.amount, 30.00)
        self.assertEqual(refund.billing_reason, "Cancelled session paid in advance")
        self.assertEqual(self._receivable_balance(self.parent_rivera), to_refund.billing_amount_due)
        for partner in self.parent_chen | self.parent_rivera | aged.partner_id:
            self._assert_ledger_agrees(partner)
