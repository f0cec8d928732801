"""A bulk send's half-sent invoice (step 1 committed: posted and numbered,
its PDF and email not made yet): not in the parent's portal, not charged by
autopay, and finished by the next run."""

from odoo.tests import HttpCase, tagged

from .test_autopay import AutopayCommon


@tagged("post_install", "-at_install")
class TestSendPending(AutopayCommon, HttpCase):
    def _half_sent(self):
        """Maria's 65.00 draft, queued by the clerk, with only step 1 of the
        background send done (as a run killed between the steps leaves it)."""
        move = self._draft_invoice(count=1, units=2.0)
        action = move.with_user(self.billing_user).action_billing_send_batch()
        line = self.env["practice.send.batch"].browse(action["res_id"]).line_ids.sudo()
        self.assertEqual(line.with_context(billing_send_post_only=True)._billing_send(), "sent")
        return move

    def _attachments(self, move):
        return self.env["ir.attachment"].search([("res_model", "=", "account.move"), ("res_id", "=", move.id)])

    def _parent_mails(self, move):
        return self.env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "=", move.id)])

    def test_half_sent_invoice_is_hidden_not_charged_and_finished_by_the_rerun(self):
        self.company.billing_autopay_when = "send"
        token = self._token(self.parent_rivera)
        self._enroll(token)
        move = self._half_sent()

        self.assertRecordValues(move, [{"state": "posted", "billing_state": "sent", "billing_send_pending": True}])
        self.assertNotEqual(move.name, "/")
        self.assertFalse(self._attachments(move), "no PDF yet")
        self.assertFalse(self._parent_mails(move), "no email yet")
        # Autopay leaves it alone.
        self.assertFalse(move.billing_autopay_next_date)
        self._run()
        self.assertFalse(move.billing_autopay_transaction_ids)
        # Not in the portal: not listed, not counted, not opened, not readable.
        as_maria = self.env["account.move"].with_user(self.user_maria)
        self.assertFalse(as_maria.search([("id", "=", move.id)]))
        self.assertFalse(self.env["account.move.line"].with_user(self.user_maria).search([("move_id", "=", move.id)]))
        self.assertFalse(self.parent_rivera.with_user(self.user_maria)._billing_pay_all_invoices())
        self.authenticate("maria", "maria-pass-1234")
        self.assertNotIn(move.name, self.url_open("/my/billing").text)
        page = self.url_open(f"/my/invoices/{move.id}", allow_redirects=False)
        self.assertIn(page.status_code, (302, 303, 404))

        # The next run finishes it: one PDF, one email, in the portal, charged.
        self.env["account.move"].with_context(force_report_rendering=True)._cron_billing_send_batch()
        self.assertFalse(move.billing_send_pending)
        self.assertEqual(len(self._attachments(move).filtered(lambda a: a.mimetype == "application/pdf")), 1)
        self.assertEqual(len(self._parent_mails(move)), 1)
        self.assertEqual(as_maria.search([("id", "=", move.id)]), move)
        self.assertTrue(self.env["account.move.line"].with_user(self.user_maria).search([("move_id", "=", move.id)]))
        self.assertIn(move.name, self.url_open("/my/billing").text)
        self.assertEqual(self.url_open(f"/my/invoices/{move.id}", allow_redirects=False).status_code, 200)
        # A rerun sends nothing more.
        self.env["account.move"]._cron_billing_send_batch()
        self.assertEqual(len(self._parent_mails(move)), 1)
        self._run()
        self.assertEqual(move.billing_autopay_transaction_ids.mapped("state"), ["done"])

    def test_send_by_hand_finishes_a_half_sent_invoice(self):
        move = self._half_sent()
        move.with_user(self.billing_user).action_billing_send()
        self.assertFalse(move.billing_send_pending)
        self.assertEqual(len(self._parent_mails(move)), 1)
        move.with_user(self.billing_user).action_billing_send()
        self.assertEqual(len(self._parent_mails(move)), 1, "idempotent")
