import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import float_compare

from .res_company import BILLING_METHODS

_logger = logging.getLogger(__name__)

BILLING_STATES = [
    ("draft", "Draft"),
    ("sent", "Sent"),
    ("paid", "Paid"),
    ("overdue", "Overdue"),
    ("voided", "Voided"),
]
OVERDUE_BATCH_SIZE = 200


class AccountMove(models.Model):
    _inherit = "account.move"

    practice_client_id = fields.Many2one(
        "practice.client",
        string="Client",
        index="btree_not_null",
        readonly=False,
        copy=False,
        tracking=True,
        help="Set on family invoices: the child whose sessions are billed to the parent.",
    )
    billing_state = fields.Selection(
        BILLING_STATES,
        string="Billing Status",
        compute="_compute_billing_state",
        store=True,
        index="btree_not_null",
        tracking=True,
        copy=False,
    )
    billing_sent_date = fields.Datetime(string="Sent On", readonly=True, copy=False)
    billing_overdue = fields.Boolean(
        readonly=True, copy=False, help="Set by the daily overdue run once the due date has passed unpaid."
    )
    void_reason = fields.Text(readonly=True, copy=False, tracking=True)
    billing_void_date = fields.Datetime(string="Voided On", readonly=True, copy=False)
    billing_voided_by_id = fields.Many2one("res.users", string="Voided By", readonly=True, copy=False)
    billing_is_late_fee = fields.Boolean(
        string="Late Fee", readonly=True, copy=False, help="A debit note created by the late-fee policy."
    )
    billing_late_fee_ids = fields.One2many(
        "account.move",
        "debit_origin_id",
        string="Late Fees",
        domain=[("billing_is_late_fee", "=", True)],
        readonly=True,
    )
    billing_payment_ids = fields.One2many(
        "account.payment", "billing_move_id", string="Payment Log", readonly=True
    )
    billing_amount_fees = fields.Monetary(
        string="Late Fees Total", compute="_compute_billing_amounts", store=True, currency_field="currency_id"
    )
    billing_amount_total = fields.Monetary(
        string="Total Due", compute="_compute_billing_amounts", store=True, currency_field="currency_id",
        help="Invoice total plus posted late fees.",
    )
    billing_amount_credited = fields.Monetary(
        string="Credited", compute="_compute_billing_amounts", store=True, currency_field="currency_id"
    )
    billing_amount_paid = fields.Monetary(
        string="Amount Paid", compute="_compute_billing_amounts", store=True, currency_field="currency_id"
    )
    billing_amount_due = fields.Monetary(
        string="Balance", compute="_compute_billing_amounts", store=True, currency_field="currency_id"
    )

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends(
        "practice_client_id", "state", "payment_state", "billing_overdue", "billing_void_date",
        "billing_amount_due",
    )
    def _compute_billing_state(self):
        for move in self:
            if not move.practice_client_id or move.move_type != "out_invoice":
                move.billing_state = False
            elif move.billing_void_date or move.state == "cancel":
                move.billing_state = "voided"
            elif move.state == "draft":
                move.billing_state = "draft"
            elif move.currency_id.is_zero(move.billing_amount_due):
                move.billing_state = "paid"
            elif move.billing_overdue:
                move.billing_state = "overdue"
            else:
                move.billing_state = "sent"

    @api.depends(
        "amount_total", "amount_residual", "state", "billing_void_date",
        "debit_note_ids.state", "debit_note_ids.amount_total", "debit_note_ids.amount_residual",
        "reversal_move_ids.state", "reversal_move_ids.amount_total",
    )
    def _compute_billing_amounts(self):
        for move in self:
            if not move.practice_client_id or move.move_type != "out_invoice":
                move.update({
                    "billing_amount_fees": 0.0, "billing_amount_total": 0.0, "billing_amount_credited": 0.0,
                    "billing_amount_paid": 0.0, "billing_amount_due": 0.0,
                })
                continue
            fees = move.debit_note_ids.filtered(lambda m: m.state == "posted")
            credits = move.reversal_move_ids.filtered(lambda m: m.state == "posted")
            total = move.amount_total + sum(fees.mapped("amount_total"))
            credited = sum(credits.mapped("amount_total"))
            if move.state != "posted":
                due = 0.0 if move.billing_void_date or move.state == "cancel" else total
            else:
                due = move.amount_residual + sum(fees.mapped("amount_residual"))
            move.billing_amount_fees = total - move.amount_total
            move.billing_amount_total = total
            move.billing_amount_credited = credited
            move.billing_amount_due = due
            move.billing_amount_paid = (
                0.0 if move.state != "posted" else move.currency_id.round(total - credited - due)
            )

    # ------------------------------------------------------------------
    # Guards
    # ------------------------------------------------------------------
    def _billing_family(self):
        return self.filtered(lambda m: m.practice_client_id and m.move_type == "out_invoice")

    def _billing_check_state(self, allowed, action):
        """One place that says which transitions exist: raise a clear error
        naming the invoice when ``action`` is not allowed from its state."""
        labels = dict(BILLING_STATES)
        for move in self:
            if not move.practice_client_id or move.move_type != "out_invoice":
                raise UserError(self.env._("%(move)s is not a family invoice.", move=move.display_name))
            if move.billing_state not in allowed:
                raise UserError(
                    self.env._("Cannot %(action)s invoice %(move)s: it is %(state)s.",
                      action=action, move=move.display_name, state=labels.get(move.billing_state))
                )

    def _billing_check_manager(self, action):
        if not self.env.user.has_group("parent_billing.parent_billing_group_manager"):
            raise AccessError(self.env._("Only a billing manager can %(action)s an invoice.", action=action))

    @api.constrains("practice_client_id", "partner_id")
    def _check_practice_client_partner(self):
        for move in self._billing_family():
            if move.practice_client_id.partner_id and move.partner_id != move.practice_client_id.partner_id:
                raise UserError(
                    self.env._("Invoice %(move)s must be billed to %(parent)s, the responsible parent of %(client)s.",
                      move=move.display_name, parent=move.practice_client_id.partner_id.name,
                      client=move.practice_client_id.name)
                )

    @api.constrains("invoice_date", "invoice_date_due")
    def _check_billing_due_date(self):
        for move in self._billing_family():
            if move.invoice_date and move.invoice_date_due and move.invoice_date_due < move.invoice_date:
                raise UserError(
                    self.env._("Invoice %(move)s: the due date %(due)s is before the invoice date %(date)s.",
                      move=move.display_name, due=move.invoice_date_due, date=move.invoice_date)
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_release_charges(self):
        """Deleting a draft family invoice returns all its charges to Unbilled Charges."""
        family = self._billing_family()
        if posted := family.filtered(lambda m: m.state != "draft"):
            raise UserError(self.env._("Invoice %s has been sent; void it instead of deleting it.", posted[0].display_name))
        family.invoice_line_ids.practice_charge_id.filtered(
            lambda c: c.move_line_id.move_id in family
        )._release()

    # ------------------------------------------------------------------
    # Draft edits
    # ------------------------------------------------------------------
    def _billing_add_adjustment(self, kind, amount_type, value, label=None):
        """Add a top-level discount or surcharge line to a draft invoice.

        :param kind: ``discount`` or ``surcharge``
        :param amount_type: ``fixed`` (currency amount) or ``percent`` of the lines so far
        :param value: the amount or percent, above zero
        """
        self.ensure_one()
        self._billing_check_state(("draft",), self.env._("adjust"))
        if kind not in ("discount", "surcharge") or amount_type not in ("fixed", "percent"):
            raise UserError(self.env._("An adjustment is a discount or a surcharge, fixed or percent."))
        if value <= 0:
            raise UserError(self.env._("The %(kind)s must be above zero.", kind=kind))
        base = self.amount_untaxed
        if amount_type == "percent":
            if value > 100:
                raise UserError(self.env._("A %(kind)s cannot exceed 100%%.", kind=kind))
            amount = self.currency_id.round(base * value / 100.0)
        else:
            amount = self.currency_id.round(value)
        if kind == "discount" and self.currency_id.compare_amounts(amount, base) > 0:
            raise UserError(
                self.env._("The discount %(amount)s is larger than invoice %(move)s (%(base)s).",
                  amount=amount, move=self.display_name, base=base)
            )
        if not label:
            label = self.env._("Discount") if kind == "discount" else self.env._("Surcharge")
            if amount_type == "percent":
                label = f"{label} ({value:g}%)"
        product = self.env.ref("parent_billing.product_billing_adjustment")
        self.write({"invoice_line_ids": [fields.Command.create({
            "product_id": product.id,
            "name": label,
            "quantity": 1.0,
            "price_unit": -amount if kind == "discount" else amount,
            "tax_ids": [fields.Command.clear()],
            "billing_is_adjustment": True,
        })]})
        return True

    # ------------------------------------------------------------------
    # Send
    # ------------------------------------------------------------------
    def action_billing_send(self):
        """Post, render and attach the PDF, queue the parent's email, open the
        portal. Idempotent: invoices already sent are left alone."""
        self._billing_check_state(("draft", "sent", "overdue", "paid"), self.env._("send"))
        self.env["practice.charge"]._lock_rows(self)
        to_send = self.filtered(lambda m: m.state == "draft" and not m.billing_sent_date)
        for move in to_send:
            if not move.invoice_line_ids.filtered(lambda l: l.display_type == "product"):
                raise UserError(self.env._("Invoice %s has no lines to send.", move.display_name))
            if move.currency_id.compare_amounts(move.amount_total, 0) <= 0:
                raise UserError(self.env._("Invoice %s has a zero or negative total and cannot be sent.", move.display_name))
        if not to_send:
            return True
        to_send.action_post()
        to_send.write({"billing_sent_date": fields.Datetime.now()})
        for move in to_send:
            move._billing_attach_pdf()
            move._billing_notify_parent()
        return True

    def _billing_attach_pdf(self):
        """Render the family invoice PDF server-side and attach it to the chatter."""
        self.ensure_one()
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", self.ids)
        attachment = self.env["ir.attachment"].create({
            "name": f"{self._get_report_base_filename()}.pdf".replace("/", "_"),
            "raw": pdf,
            "res_model": self._name,
            "res_id": self.id,
            "mimetype": "application/pdf",
        })
        self.message_post(body=self.env._("Invoice sent to the parent."), attachment_ids=attachment.ids)
        return attachment

    def _billing_notify_parent(self):
        """Queue the notification email to the parent only (no staff copy)."""
        self.ensure_one()
        template = self.company_id.billing_mail_template_id or self.env.ref("parent_billing.mail_template_parent_invoice")
        self._portal_ensure_token()
        self.with_context(mail_notify_force_send=False).message_post_with_source(
            template,
            subtype_xmlid="mail.mt_note",
            partner_ids=self.partner_id.ids,
            email_layout_xmlid="mail.mail_notification_light",
        )

    # ------------------------------------------------------------------
    # Payments
    # ------------------------------------------------------------------
    def _billing_open_moves(self):
        """The invoice and its posted late fees that still carry a balance."""
        self.ensure_one()
        return (self + self.debit_note_ids).filtered(
            lambda m: m.state == "posted" and not m.currency_id.is_zero(m.amount_residual)
        )

    def _billing_register_payment(self, amount, date, method, reference, keep_excess=False):
        """Record a staff payment against the invoice and its late fees.

        :param method: one of check, ach, card, cash, other
        :param keep_excess: an amount above the balance is kept as the
            parent's credit (available to the next invoice); else refused
        :return: the posted ``account.payment``
        """
        self.ensure_one()
        self._billing_check_state(("sent", "overdue"), self.env._("record a payment on"))
        if method not in dict(BILLING_METHODS):
            raise UserError(self.env._("Unknown payment method %(method)r: use one of %(all)s.",
                              method=method, all=", ".join(dict(BILLING_METHODS))))
        if float_compare(amount, 0, precision_rounding=self.currency_id.rounding) <= 0:
            raise UserError(self.env._("The payment amount must be above zero."))
        date = fields.Date.to_date(date) or fields.Date.context_today(self)
        self.env["practice.charge"]._lock_rows(self)
        due = self.billing_amount_due
        if self.currency_id.compare_amounts(amount, due) > 0 and not keep_excess:
            raise UserError(
                self.env._("The payment %(amount)s is more than the balance %(due)s of invoice %(move)s. "
                  "Lower it, or keep the excess as the parent's credit.",
                  amount=amount, due=due, move=self.display_name)
            )
        journal = self.company_id._billing_journal(method)
        if not journal:
            raise UserError(self.env._("No bank or cash journal is set for %s payments in the invoice settings.", method))
        wizard = self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=self._billing_open_moves().ids
        ).create({
            "amount": amount,
            "payment_date": date,
            "journal_id": journal.id,
            "communication": reference or self.name,
            "group_payment": True,
            "payment_difference_handling": "open",
        })
        payment = wizard._create_payments()
        payment.write({"billing_move_id": self.id, "billing_method": method, "billing_reason": False})
        if method_name := dict(BILLING_METHODS)[method]:
            self.message_post(body=self.env._("Payment of %(amount)s recorded (%(method)s, %(ref)s).",
                                     amount=payment.amount, method=method_name, ref=reference or "-"))
        return payment

    # ------------------------------------------------------------------
    # Void
    # ------------------------------------------------------------------
    def _billing_void(self, reason):
        """Void: reverse the posted entry (kept for audit), release the charges,
        refuse further payments, log who/when/why."""
        self._billing_check_manager(self.env._("void"))
        if not (reason or "").strip():
            raise UserError(self.env._("Voiding an invoice requires a reason."))
        self._billing_check_state(("draft", "sent", "overdue"), self.env._("void"))
        self.env["practice.charge"]._lock_rows(self)
        for move in self:
            if move.billing_payment_ids.filtered(lambda p: p.state != "canceled" and p.payment_type == "inbound") \
                    or move.currency_id.compare_amounts(move.billing_amount_paid, 0) > 0:
                raise UserError(
                    self.env._("Invoice %s has payments: refund them before voiding it.", move.display_name)
                )
        for move in self:
            charges = move.invoice_line_ids.practice_charge_id.filtered(lambda c: c.move_line_id.move_id == move)
            if move.state == "posted":
                fees = move.debit_note_ids.filtered(lambda m: m.state == "posted")
                (move + fees)._reverse_moves(
                    [{"ref": self.env._("Void of %(move)s: %(reason)s", move=m.name, reason=reason)} for m in move + fees],
                    cancel=True,
                )
            else:
                move.button_cancel()
            move.write({
                "void_reason": reason.strip(),
                "billing_void_date": fields.Datetime.now(),
                "billing_voided_by_id": self.env.uid,
            })
            charges._release()
            move.message_post(body=self.env._("Invoice voided by %(user)s: %(reason)s", user=self.env.user.name, reason=reason))
        return True

    # ------------------------------------------------------------------
    # Refund
    # ------------------------------------------------------------------
    def _billing_refund(self, amount, reason, credit_invoice=False, method="other", through_processor=False):
        """Refund part or all of what the parent paid.

        The outbound payment is matched against the original payment so the
        invoice's amount paid goes down: its balance comes back, unless
        ``credit_invoice`` also issues a credit note for the same amount
        (then the balance stays at zero).
        :return: the outbound ``account.payment``
        """
        self.ensure_one()
        self._billing_check_manager(self.env._("refund"))
        self._billing_check_state(("paid", "sent", "overdue"), self.env._("refund"))
        if not (reason or "").strip():
            raise UserError(self.env._("A refund requires a reason."))
        if float_compare(amount, 0, precision_rounding=self.currency_id.rounding) <= 0:
            raise UserError(self.env._("The refund amount must be above zero."))
        self.env["practice.charge"]._lock_rows(self)
        if self.currency_id.compare_amounts(amount, self.billing_amount_paid) > 0:
            raise UserError(
                self.env._("The refund %(amount)s is more than the %(paid)s paid on invoice %(move)s.",
                  amount=amount, paid=self.billing_amount_paid, move=self.display_name)
            )
        inbound = self.billing_payment_ids.filtered(lambda p: p.payment_type == "inbound" and p.state != "canceled")
        source = inbound.sorted("id", reverse=True)[:1]
        if through_processor:
            return self._billing_refund_through_processor(source, amount, reason, credit_invoice)
        journal = source.journal_id or self.company_id._billing_journal(method)
        refund = self.env["account.payment"].create({
            "payment_type": "outbound",
            "partner_type": "customer",
            "partner_id": self.commercial_partner_id.id,
            "amount": amount,
            "currency_id": self.currency_id.id,
            "journal_id": journal.id,
            "date": fields.Date.context_today(self),
            "memo": self.env._("Refund %(move)s: %(reason)s", move=self.name, reason=reason),
            "billing_move_id": self.id,
            "billing_method": method,
            "billing_reason": reason,
        })
        refund.action_post()
        self._billing_apply_refund(refund, amount, reason, credit_invoice)
        return refund

    def _billing_apply_refund(self, refund, amount, reason, credit_invoice):
        """Re-match receivables so the refund lowers this invoice's amount paid."""
        fees = self.debit_note_ids.filtered(lambda m: m.state == "posted")
        receivable = (self + fees).line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
        paid_lines = (receivable.matched_credit_ids.credit_move_id - self.reversal_move_ids.line_ids).filtered(
            lambda l: l.move_id.origin_payment_id
        )
        refund_line = refund.move_id.line_ids.filtered(lambda l: l.account_id in receivable.account_id)
        paid_lines.remove_move_reconcile()
        (refund_line + paid_lines).reconcile()
        credit_note = self.env["account.move"]
        if credit_invoice:
            credit_note = self.env["account.move"].create({
                "move_type": "out_refund",
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "invoice_date": fields.Date.context_today(self),
                "reversed_entry_id": self.id,
                "ref": self.env._("Credit for %(move)s: %(reason)s", move=self.name, reason=reason),
                "invoice_line_ids": [fields.Command.create({
                    "product_id": self.env.ref("parent_billing.product_billing_adjustment").id,
                    "name": self.env._("Refund credit: %s", reason),
                    "quantity": 1.0,
                    "price_unit": amount,
                    "tax_ids": [fields.Command.clear()],
                })],
            })
            credit_note.action_post()
        open_paid = paid_lines.filtered(lambda l: not l.reconciled)
        to_match = receivable + credit_note.line_ids.filtered(lambda l: l.account_id in receivable.account_id)
        (to_match + open_paid).filtered(lambda l: not l.reconciled).reconcile()
        self.message_post(body=self.env._("Refund of %(amount)s issued: %(reason)s%(credit)s",
                                 amount=refund.amount, reason=reason,
                                 credit=self.env._(" (invoice credited)") if credit_invoice else ""))

    def _billing_refund_through_processor(self, source, amount, reason, credit_invoice):
        tx = source.payment_transaction_id
        if not tx or not tx.provider_id.support_refund:
            raise UserError(
                self.env._("The payment on invoice %s did not come through a processor that supports refunds; "
                  "record the refund for accounting only.", self.display_name)
            )
        refund_tx = tx._send_refund_request(amount_to_refund=amount)
        refund_tx._post_process()
        refund = refund_tx.payment_id
        refund.write({"billing_move_id": self.id, "billing_method": source.billing_method or "card",
                      "billing_reason": reason})
        self._billing_apply_refund(refund, amount, reason, credit_invoice)
        return refund

    # ------------------------------------------------------------------
    # Overdue and late fees
    # ------------------------------------------------------------------
    @api.model
    def _cron_billing_overdue(self):
        """Daily: flag sent invoices past due as overdue, then apply the late-fee
        policy. Batched; every write is conditional so a killed run resumes
        without doing anything twice."""
        today = fields.Date.context_today(self)
        domain = [
            ("billing_state", "=", "sent"),
            ("invoice_date_due", "<", today),
        ]
        done = 0
        while ids := self.search(domain, limit=OVERDUE_BATCH_SIZE).ids:
            moves = self.browse(ids)
            moves.write({"billing_overdue": True})
            done += len(ids)
            self._billing_commit_batch(done, self.search_count(domain))
        fee_done = 0
        for company in self.env["res.company"].search([("billing_late_fee_type", "!=", "none")]):
            candidates = self._billing_late_fee_candidates(company, today)
            for start in range(0, len(candidates), OVERDUE_BATCH_SIZE):
                batch = candidates[start:start + OVERDUE_BATCH_SIZE]
                batch._billing_apply_late_fee()
                fee_done += len(batch)
                self._billing_commit_batch(fee_done, len(candidates) - start - len(batch))
        _logger.info("Family billing overdue run: %d invoice(s) flagged overdue, %d checked for late fees",
                     done, fee_done)
        return True

    def _billing_commit_batch(self, done, remaining):
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)
        # Commit each batch in production so a killed run keeps its work; never in tests.
        if not self.env.registry.in_test_mode() and not self.env.context.get("billing_no_commit"):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _billing_late_fee_candidates(self, company, today):
        """Overdue invoices at least N (and at least one) days past due, with no fee yet."""
        limit_date = today - timedelta(days=max(company.billing_late_fee_days, 1))
        return self.search([
            ("company_id", "=", company.id),
            ("billing_state", "=", "overdue"),
            ("invoice_date_due", "<=", limit_date),
            ("billing_late_fee_ids", "=", False),
        ])

    def _billing_apply_late_fee(self):
        """Post one late-fee debit note per invoice; the row lock and the
        re-check after it make a second worker or a rerun a no-op."""
        for move in self:
            try:
                self.env["practice.charge"]._lock_rows(move)
            except UserError:
                continue  # another worker holds it: it applies the fee
            move.invalidate_recordset()
            if move.billing_state != "overdue" or move.billing_late_fee_ids:
                continue
            company = move.company_id
            balance = move.billing_amount_due
            if company.billing_late_fee_type == "flat":
                fee = company.billing_late_fee_amount
                label = self.env._("Late fee")
            else:
                fee = balance * company.billing_late_fee_amount / 100.0
                label = self.env._("Late fee (%(pct)s%% of %(balance)s)", pct=f"{company.billing_late_fee_amount:g}",
                          balance=move.currency_id.format(balance))
            fee = move.currency_id.round(fee)
            if move.currency_id.compare_amounts(fee, 0) <= 0:
                continue
            move._billing_create_late_fee(fee, label)

    def _billing_create_late_fee(self, fee, label):
        self.ensure_one()
        product = self.company_id.billing_late_fee_product_id or self.env.ref("parent_billing.product_late_fee")
        wizard = self.env["account.debit.note"].with_context(
            active_model="account.move", active_ids=self.ids
        ).create({"reason": label, "copy_lines": False, "date": fields.Date.context_today(self)})
        action = wizard.create_debit()
        debit = self.browse(action["res_id"])
        debit.write({
            "billing_is_late_fee": True,
            "invoice_date_due": fields.Date.context_today(self),
            "invoice_line_ids": [fields.Command.create({
                "product_id": product.id,
                "name": label,
                "quantity": 1.0,
                "price_unit": fee,
                "tax_ids": [fields.Command.clear()],
            })],
        })
        debit.action_post()
        self.message_post(body=self.env._("Late fee of %(fee)s added: %(link)s",
                                 fee=self.currency_id.format(fee), link=debit._get_html_link()))
        return debit

    def _billing_waive_late_fee(self, reason):
        """Manager: reverse this invoice's late fees with a reason."""
        self.ensure_one()
        self._billing_check_manager(self.env._("waive the late fee of"))
        if not (reason or "").strip():
            raise UserError(self.env._("Waiving a late fee requires a reason."))
        fees = self.billing_late_fee_ids.filtered(lambda m: m.state == "posted" and m.payment_state != "reversed")
        if not fees:
            raise UserError(self.env._("Invoice %s has no late fee to waive.", self.display_name))
        fees._reverse_moves([{"ref": self.env._("Waived: %s", reason)} for _fee in fees], cancel=True)
        self.message_post(body=self.env._("Late fee waived by %(user)s: %(reason)s", user=self.env.user.name, reason=reason))
        return True

    # ------------------------------------------------------------------
    # Report and portal
    # ------------------------------------------------------------------
    def _get_name_invoice_report(self):
        if self.practice_client_id and self.move_type == "out_invoice":
            return "parent_billing.report_parent_invoice_document"
        return super()._get_name_invoice_report()

    def _billing_has_online_payment(self):
        self.ensure_one()
        return bool(self.env["payment.provider"].sudo().search_count([
            *self.env["payment.provider"]._check_company_domain(self.company_id),
            ("state", "in", ("enabled", "test")),
            ("is_published", "=", True),
        ], limit=1))

    # ------------------------------------------------------------------
    # Buttons (wizards are thin shells around the methods above)
    # ------------------------------------------------------------------
    def _billing_wizard_action(self, model, name):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "form",
            "target": "new",
            "context": {"default_move_id": self.id},
        }

    def action_billing_record_payment(self):
        return self._billing_wizard_action("account.move.billing.payment", self.env._("Record Payment"))

    def action_billing_open_void(self):
        return self._billing_wizard_action("account.move.billing.void", self.env._("Void Invoice"))

    def action_billing_open_refund(self):
        return self._billing_wizard_action("account.move.billing.refund", self.env._("Issue Refund"))

    def action_billing_open_adjust(self):
        return self._billing_wizard_action("account.move.billing.adjust", self.env._("Discount or Surcharge"))
