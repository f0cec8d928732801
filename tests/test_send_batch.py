from odoo import Command
from odoo.tests import HttpCase, tagged

from .common import BillingCommon, JsonRpcMixin, RealConnectionsCase


class SendBatchMixin:
    def _parent_mails(self, env, move):
        return env["mail.mail"].search(
            [("model", "=", "account.move"), ("res_id", "=", move.id), ("recipient_ids", "!=", False)]
        )

    def _pdfs(self, env, move):
        return env["ir.attachment"].search(
            [("res_model", "=", "account.move"), ("res_id", "=", move.id), ("mimetype", "=", "application/pdf")]
        )


@tagged("post_install", "-at_install")
class TestSendBatch(SendBatchMixin, BillingCommon, HttpCase):
    """Bulk Send: select drafts, Send, they go out in the background. An
    HttpCase because it renders real PDFs (see TestSend)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.parent_no_email = cls._billing_parent("Ana Lopez", False)
        cls.client_ana = cls._billing_client("Ana's Kid", cls.parent_no_email, "client")
        cls.client_zero = cls._billing_client("Zero Kid", cls.parent_chen, "client")

    def _drafts(self):
        """Two good drafts, one with a zero total, one for a parent without an email address."""
        good1 = self._draft_invoice(self.client_sofia, self.service_aba, units=2.0, count=1)  # 65.00
        good2 = self._draft_invoice(self.client_lily, self.service_speech, units=1.0, count=1)  # 125.00
        zero = self._charges(self.client_zero, self.service_ot, unit_price=0.0)._create_invoices()
        no_email = self._draft_invoice(self.client_ana, self.service_ot, units=1.0, count=1)
        return good1, good2, zero, no_email

    def _send(self, moves):
        """The clerk's Send on the selected rows of Billing → Invoices."""
        action = moves.with_user(self.billing_user).action_billing_send_batch()
        self.assertEqual(action["res_model"], "practice.send.batch")
        return self.env["practice.send.batch"].browse(action["res_id"])

    def _queued_then(self, action):
        """A draft queued by a bulk send, then ``action`` on it by the clerk's own hand."""
        move = self._draft_invoice()
        batch = self._send(move)
        getattr(move.with_user(self.billing_user), action)()
        return move, batch

    def test_send_queues_the_drafts_and_returns_at_once(self):
        moves = self._draft_invoice(self.client_sofia) | self._draft_invoice(self.client_lily)
        cron = self.env.ref("parent_billing.ir_cron_billing_send_batch")
        second = self.env.ref("parent_billing.ir_cron_billing_send_batch_2")
        triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)])
        second_triggers = self.env["ir.cron.trigger"].search_count([("cron_id", "=", second.id)])

        batch = self._send(moves)

        self.assertEqual(set(moves.mapped("billing_state")), {"draft"}, "nothing is sent while the clerk waits")
        self.assertEqual(moves.mapped("billing_send_queued"), [True, True])
        self.assertFalse(any(self._pdfs(self.env, move) for move in moves))
        self.assertRecordValues(
            batch, [{"state": "queued", "total_count": 2, "queued_count": 2, "sent_count": 0, "skipped_count": 0}]
        )
        self.assertEqual(batch.create_uid, self.billing_user)
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", cron.id)]), triggers + 1)
        # The second worker starts too (Odoo runs one scheduled action in one thread at a time).
        self.assertEqual(self.env["ir.cron.trigger"].search_count([("cron_id", "=", second.id)]), second_triggers + 1)
        self.assertEqual(
            self.env["account.move"].search([("id", "in", moves.ids), ("billing_send_queued", "=", True)]), moves
        )

    def test_one_bad_invoice_is_skipped_with_its_reason_while_the_rest_go_out(self):
        good1, good2, zero, no_email = self._drafts()
        batch = self._send(good1 | zero | good2 | no_email)

        self.env["account.move"].with_context(force_report_rendering=True)._cron_billing_send_batch(batch_size=2)

        for move in good1 | good2:
            self.assertRecordValues(
                move,
                [
                    {
                        "billing_state": "sent",
                        "state": "posted",
                        "billing_send_queued": False,
                        "billing_send_error": False,
                    }
                ],
            )
            pdf = self._pdfs(self.env, move)
            self.assertEqual(len(pdf), 1)
            self.assertTrue(pdf.raw.startswith(b"%PDF"), "a real PDF from wkhtmltopdf")
            mail = self._parent_mails(self.env, move)
            self.assertEqual(len(mail), 1)
            self.assertEqual(mail.recipient_ids, move.partner_id)
            self.assertEqual(move.invoice_line_ids.practice_charge_id.mapped("state"), ["invoiced"])
        self.assertRecordValues(zero, [{"billing_state": "draft", "state": "draft", "billing_send_queued": False}])
        self.assertFalse(self._pdfs(self.env, zero), "the failed send left nothing behind")
        self.assertFalse(self._parent_mails(self.env, zero))
        self.assertIn("zero or negative total", zero.billing_send_error)
        self.assertEqual(self._receivable_balance(self.parent_rivera), 65.00)

        # No email address: sent as Send sends it, on paper (To Print), not an error.
        self.assertRecordValues(
            no_email,
            [
                {
                    "billing_state": "sent",
                    "state": "posted",
                    "billing_to_print": True,
                    "billing_send_error": False,
                    "billing_send_pending": False,
                }
            ],
        )
        self.assertEqual(len(self._pdfs(self.env, no_email)), 1, "the PDF to print")
        self.assertFalse(self._parent_mails(self.env, no_email), "no email without an address")
        notes = no_email.message_ids.mapped("body")
        self.assertFalse([n for n in notes if "Invoice sent to the parent" in n], "it was not emailed")
        self.assertTrue([n for n in notes if "Invoice to print and mail to the parent" in n])
        self.assertEqual(self._receivable_balance(self.parent_no_email), no_email.amount_total)

        # The summary the clerk opens.
        self.assertRecordValues(
            batch,
            [
                {
                    "state": "done",
                    "total_count": 4,
                    "sent_count": 3,
                    "skipped_count": 1,
                    "to_print_count": 1,
                    "progress": 100.0,
                }
            ],
        )
        skipped = batch.line_ids.filtered(lambda l: l.state == "skipped")
        self.assertEqual(skipped.move_id, zero)
        self.assertEqual(skipped.mapped("reason"), [zero.billing_send_error])
        self.assertEqual(batch.line_ids.filtered("billing_to_print").move_id, no_email)
        # Billing → Invoices, filter "Not Sent (Bulk Send)".
        self.assertEqual(
            self.env["account.move"].search(
                [("billing_send_error", "!=", False), ("id", "in", batch.line_ids.move_id.ids)]
            ),
            zero,
        )

    def test_a_rerun_never_sends_twice(self):
        good1, good2, _zero, _no_email = self._drafts()
        batch = self._send(good1 | good2)
        Move = self.env["account.move"]
        Move._cron_billing_send_batch()
        Move._cron_billing_send_batch()
        # Sending again from the list: already sent, nothing is queued.
        with self.assertRaisesRegex(Exception, "None of the 2 selected invoices is a draft"):
            self._send(good1 | good2)
        Move._cron_billing_send_batch()
        for move in good1 | good2:
            self.assertEqual(len(self._pdfs(self.env, move)), 1)
            self.assertEqual(len(self._parent_mails(self.env, move)), 1)
            self.assertEqual(len(move.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")), 1)
        self.assertEqual(batch.sent_count, 2)

    def test_selection_with_sent_and_already_queued_invoices_reports_them(self):
        sent = self._sent_invoice()
        queued = self._draft_invoice(self.client_lily)
        first = self._send(queued)
        fresh = self._draft_invoice(self.client_sofia, count=1)

        batch = self._send(sent | queued | fresh)

        self.assertRecordValues(batch, [{"total_count": 3, "queued_count": 1, "skipped_count": 2}])
        reasons = {line.move_id: line.reason for line in batch.line_ids if line.state == "skipped"}
        self.assertIn("cannot be sent: it is Sent", reasons[sent])
        self.assertIn(f"already waiting in bulk send {first.name}", reasons[queued])
        self.env["account.move"]._cron_billing_send_batch()
        self.assertEqual((queued | fresh).mapped("billing_state"), ["sent", "sent"])
        self.assertEqual(len(self._parent_mails(self.env, queued)), 1)

    def test_invoice_sent_by_hand_while_queued_is_not_sent_again(self):
        move, batch = self._queued_then("action_billing_send")
        self.assertFalse(move.billing_send_queued)
        self.env["account.move"]._cron_billing_send_batch()
        self.assertEqual(batch.line_ids.state, "sent")
        self.assertEqual(len(self._parent_mails(self.env, move)), 1)

    def test_deleted_draft_leaves_the_queue(self):
        _move, batch = self._queued_then("action_billing_delete_draft")
        self.assertFalse(batch.line_ids)
        self.env["account.move"]._cron_billing_send_batch()
        self.assertEqual(batch.state, "done")


@tagged("post_install", "-at_install")
class TestSendBatchRpc(JsonRpcMixin, BillingCommon, HttpCase):
    """The clerk over JSON-RPC: Send on many is allowed, the queue and its
    outcome are not theirs to write."""

    def test_clerk_cannot_forge_the_queue_or_the_send_error(self):
        draft = self._draft_invoice()
        other = self._draft_invoice(self.client_lily)
        self.authenticate("clerk", "clerk")
        answer = self._call("account.move", "action_billing_send_batch", [draft.ids])
        self.assertNotIn("error", answer)
        batch = self.env["practice.send.batch"].browse(answer["result"]["res_id"])
        line = batch.line_ids

        for vals in ({"billing_send_error": "forged"}, {"billing_send_queued": True}, {"billing_send_queued": False}):
            self._refused("account.move", "write", [(draft | other).ids, vals], match="billing actions")
        self._refused(
            "account.move",
            "write",
            [other.ids, {"billing_send_line_ids": [Command.create({"batch_id": batch.id})]}],
        )
        self._refused("practice.send.batch.line", "write", [line.ids, {"state": "sent"}])
        self._refused("practice.send.batch.line", "create", [{"batch_id": batch.id, "move_id": other.id}])
        self._refused("practice.send.batch", "write", [batch.ids, {"name": "x"}])
        self._refused("practice.send.batch.line", "unlink", [line.ids])

        self.env.invalidate_all()
        self.assertRecordValues(line, [{"state": "queued", "reason": False}])
        self.assertRecordValues(
            draft | other,
            [
                {"billing_send_queued": True, "billing_send_error": False, "billing_state": "draft"},
                {"billing_send_queued": False, "billing_send_error": False, "billing_state": "draft"},
            ],
        )
        self.assertEqual(batch.total_count, 1)


@tagged("post_install", "-at_install")
class TestConcurrentSendBatch(SendBatchMixin, RealConnectionsCase):
    """Two workers on the send queue at the same moment, on real separate
    connections: every invoice is posted, rendered and emailed once."""

    def _queue(self, move_ids):
        with self._connection() as env:
            batch = env["account.move"].browse(move_ids)._billing_queue_send()
            env.cr.commit()  # pylint: disable=invalid-commit
            self.addCleanup(self._remove_batch, batch.id)
            return batch.id

    def _remove_batch(self, batch_id):
        with self._connection() as env:
            env["practice.send.batch"].browse(batch_id).unlink()
            env.cr.commit()  # pylint: disable=invalid-commit

    def _assert_sent_once(self, env, move_ids):
        env.invalidate_all()
        for move in env["account.move"].browse(move_ids):
            self.assertEqual(move.billing_state, "sent")
            self.assertEqual(len(self._parent_mails(env, move)), 1, "one email")
            self.assertEqual(len(self._pdfs(env, move)), 1, "one PDF")
            self.assertEqual(len(move.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")), 1)

    def test_a_second_worker_at_the_same_time_sends_nothing_twice(self):
        move_ids = [self._commit_family(f"Bulk{i}", invoice=True)["move"] for i in range(3)]
        batch_id = self._queue(move_ids)
        with self._connection() as env1, self._connection() as env2:
            env2["practice.send.batch.line"].search([]).read(["state"])  # the second worker's transaction began
            env1["account.move"]._cron_billing_send_batch(batch_size=2)
            env1.flush_all()
            # The second worker runs while the first has not committed: every line is taken.
            env2["account.move"]._cron_billing_send_batch(batch_size=2)
            self.assertFalse(env2["mail.mail"].search([("model", "=", "account.move"), ("res_id", "in", move_ids)]))
            env1.cr.commit()
            # Still in its old transaction, after the first committed: nothing either.
            env2["account.move"]._cron_billing_send_batch(batch_size=2)
            env2.cr.commit()
            # And a rerun in a fresh transaction finds the queue empty.
            env2.invalidate_all()
            env2["account.move"]._cron_billing_send_batch()
            env2.cr.commit()
            self._assert_sent_once(env2, move_ids)
            batch = env2["practice.send.batch"].browse(batch_id)
            self.assertEqual((batch.sent_count, batch.skipped_count, batch.state), (3, 0, "done"))

    def test_a_second_worker_numbers_and_sends_while_the_first_renders(self):
        """Step 1 (post, number) is committed before the PDF: while worker 1
        renders invoice A, worker 2 numbers and sends B without waiting for
        the journal's numbering lock. Worker 1 then dies before A's PDF: the
        rerun finishes A, once."""
        move_ids = [self._commit_family(f"Steps{i}", invoice=True)["move"] for i in range(2)]
        self._queue(move_ids)
        with self._connection() as env1, self._connection() as env2:
            line_a = env1["practice.send.batch.line"].search([("move_id", "=", move_ids[0])])
            self.assertEqual(line_a.with_context(billing_send_post_only=True)._billing_send(), "sent")
            env1.cr.commit()  # step 1 of A committed
            move_a = env1["account.move"].browse(move_ids[0])
            self.assertRecordValues(move_a, [{"state": "posted", "billing_send_pending": True}])
            self.assertTrue(move_a._billing_try_lock(), "worker 1 holds A while it renders its PDF")

            # Worker 2 would wait here for the whole render if A's number were not committed.
            env2.cr.execute("SET lock_timeout = '5s'")
            env2["account.move"]._cron_billing_send_batch()
            env2.cr.commit()
            move_b = env2["account.move"].browse(move_ids[1])
            self.assertRecordValues(move_b, [{"billing_state": "sent", "billing_send_pending": False}])
            self.assertEqual(len(self._pdfs(env2, move_b)), 1)
            self.assertTrue(env2["account.move"].browse(move_ids[0]).billing_send_pending, "A is worker 1's")

            env1.cr.rollback()  # worker 1 dies before A's PDF: A stays posted and pending
            env2.invalidate_all()
            env2["account.move"]._cron_billing_send_batch()  # the rerun
            env2.cr.commit()
            self._assert_sent_once(env2, move_ids)
            moves = env2["account.move"].browse(move_ids)
            self.assertEqual(moves.mapped("billing_send_pending"), [False, False])
            self.assertEqual(len(set(moves.mapped("name"))), 2, "two numbers")

    def test_two_workers_share_the_queue(self):
        move_ids = [self._commit_family(f"Share{i}", invoice=True)["move"] for i in range(2)]
        self._queue(move_ids)
        with self._connection() as env1, self._connection() as env2:
            # Worker 1 holds the first line (as it does while rendering its PDF)...
            first = env1["practice.send.batch.line"].search([("move_id", "=", move_ids[0])])
            self.assertTrue(first._billing_try_lock())
            # ...so worker 2 takes the other one.
            env2["account.move"]._cron_billing_send_batch()
            env2.cr.commit()
            env1.cr.rollback()
            env1["account.move"]._cron_billing_send_batch()
            env1.cr.commit()
            self._assert_sent_once(env1, move_ids)
            lines = env1["practice.send.batch.line"].search([("move_id", "in", move_ids)])
            self.assertEqual(lines.mapped("state"), ["sent", "sent"])


@tagged("post_install", "-at_install")
class TestSendBatchTour(BillingCommon, HttpCase):
    def test_clerk_bulk_sends_drafts_from_the_list_and_opens_the_summary(self):
        """Billing → Invoices → Draft filter → select all → Send → the
        summary; the background send runs; Bulk Sends → the summary says
        what went out, what is to print (no email address) and why one did
        not go out (a zero total)."""
        self._sent_invoice()  # not a draft: the Draft filter leaves it out
        sofia = self._draft_invoice(self.client_sofia)
        zero_kid = self._billing_client("Zero Kid", self.parent_chen, "client")
        zero = self._charges(zero_kid, self.service_ot, unit_price=0.0)._create_invoices()
        no_email_parent = self._billing_parent("Ana Lopez", False)
        ana = self._draft_invoice(self._billing_client("Ana's Kid", no_email_parent, "client"))

        self.start_tour(
            "/odoo/action-parent_billing.account_move_action_family_invoices",
            "parent_billing_bulk_send",
            login=self.billing_user.login,
        )

        batch = self.env["practice.send.batch"].search([("create_uid", "=", self.billing_user.id)])
        self.assertEqual(batch.line_ids.move_id, sofia | zero | ana)
        self.assertEqual((sofia | zero | ana).mapped("billing_state"), ["draft"] * 3)
        self.env["account.move"]._cron_billing_send_batch()
        self.assertEqual((sofia | zero | ana).mapped("billing_state"), ["sent", "draft", "sent"])
        self.assertTrue(ana.billing_to_print)

        self.start_tour(
            "/odoo/action-parent_billing.practice_send_batch_action",
            "parent_billing_bulk_send_summary",
            login=self.billing_user.login,
        )
