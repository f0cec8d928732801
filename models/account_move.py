import math
from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import UserError

BILLING_STATES = [("draft", "Draft"), ("sent", "Sent"), ("paid", "Paid"), ("overdue", "Overdue"), ("voided", "Voided")]
# The billing states of an invoice the parent still owes on: the one spelling
# (the views' "Open" filter and the Billing AR SQL say the same).
BILLING_OPEN_STATES = ("sent", "overdue")


class AccountMove(models.Model):
    _inherit = "account.move"

    practice_client_id = fields.Many2one(
        "practice.client",
        "Client",
        index="btree_not_null",
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
    billing_payment_ids = fields.One2many("account.payment", "billing_move_id", string="Payment Log", readonly=True)
    billing_amount_fees = fields.Monetary(string="Late Fees Total", compute="_compute_billing_amounts", store=True)
    billing_amount_total = fields.Monetary(
        string="Total Due",
        compute="_compute_billing_amounts",
        store=True,
        help="Invoice total plus posted late fees.",
    )
    billing_amount_credited = fields.Monetary(string="Credited", compute="_compute_billing_amounts", store=True)
    billing_amount_paid = fields.Monetary(string="Amount Paid", compute="_compute_billing_amounts", store=True)
    billing_amount_due = fields.Monetary(string="Balance", compute="_compute_billing_amounts", store=True)

    billing_email_state = fields.Selection(
        [("queued", "Queued"), ("sent", "Delivered"), ("failed", "Not delivered")],
        string="Email",
        compute="_compute_billing_email_state",
        help="The last invoice email to the parent: waiting in the mail queue, handed to the mail server, or not "
        "delivered (the reason is shown on the invoice).",
    )
    billing_email_failure = fields.Char(string="Email Problem", compute="_compute_billing_email_state")

    # ------------------------------------------------------------------
    # Computes
    # ------------------------------------------------------------------
    @api.depends("message_ids")
    def _compute_billing_email_state(self):
        """From Odoo's own delivery record (mail.notification) of the last
        email this invoice sent to its parent."""
        self.billing_email_state = False
        self.billing_email_failure = False
        family = self._billing_family().filtered("id")
        if not family:
            return
        notifications = (
            self.env["mail.notification"]
            .sudo()
            .search(
                [
                    ("mail_message_id.model", "=", "account.move"),
                    ("mail_message_id.res_id", "in", family.ids),
                    ("notification_type", "=", "email"),
                ],
                order="id desc",
            )
        )
        for move in family:
            last = notifications.filtered(
                lambda n, move=move: n.mail_message_id.res_id == move.id and n.res_partner_id == move.partner_id
            )[:1]
            if not last:
                continue
            status = last.notification_status
            move.billing_email_state = (
                "sent" if status == "sent" else "queued" if status in ("ready", "process", "pending") else "failed"
            )
            if move.billing_email_state == "failed":
                reason = last.failure_reason or dict(last._fields["failure_type"].selection).get(last.failure_type)
                move.billing_email_failure = reason or self.env._("The mail server refused the email.")

    @api.depends(
        "practice_client_id",
        "state",
        "payment_state",
        "billing_overdue",
        "billing_void_date",
        "billing_amount_due",
    )
    def _compute_billing_state(self):
        for move in self:
            if not move._billing_family():
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
        "amount_total",
        "amount_residual",
        "state",
        "billing_void_date",
        "debit_note_ids.state",
        "debit_note_ids.amount_total",
        "debit_note_ids.amount_residual",
        "debit_note_ids.payment_state",
        "reversal_move_ids.state",
        "reversal_move_ids.amount_total",
    )
    def _compute_billing_amounts(self):
        family = self._billing_family()
        (self - family).update(
            {
                "billing_amount_fees": 0.0,
                "billing_amount_total": 0.0,
                "billing_amount_credited": 0.0,
                "billing_amount_paid": 0.0,
                "billing_amount_due": 0.0,
            }
        )
        for move in family:
            fees = move._billing_fees()
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
            move.billing_amount_paid = 0.0 if move.state != "posted" else move.currency_id.round(total - credited - due)

    # ------------------------------------------------------------------
    # Guards
    # ------------------------------------------------------------------
    def _billing_fees(self):
        """This invoice's late fees that count: posted and not waived (reversed)."""
        self.ensure_one()
        return self.debit_note_ids.filtered(lambda m: m.state == "posted" and m.payment_state != "reversed")

    def _billing_family(self):
        """The one predicate: which of these moves are family invoices."""
        return self.filtered(lambda m: m.practice_client_id and m.move_type == "out_invoice")

    @api.model
    def _billing_family_domain(self):
        """The one predicate as a search domain."""
        return [("practice_client_id", "!=", False), ("move_type", "=", "out_invoice")]

    # ------------------------------------------------------------------
    # What the seal protects (account_move_seal.py); each feature file adds
    # its own fields with super()
    # ------------------------------------------------------------------
    def _billing_transition_fields(self):
        """Fields set only by the billing actions, on any record."""
        return {
            "billing_state",
            "billing_amount_fees",
            "billing_amount_total",
            "billing_amount_credited",
            "billing_amount_paid",
            "billing_amount_due",
            "billing_overdue",
            "billing_sent_date",
            "void_reason",
            "billing_void_date",
            "billing_voided_by_id",
            "billing_is_late_fee",
        }

    def _billing_frozen_fields(self):
        """What a family document says to the parent: frozen once it is sent (posted)."""
        return {"practice_client_id"}

    # ------------------------------------------------------------------
    # Commits of the background runs
    # ------------------------------------------------------------------
    @api.model
    def _billing_commit(self):
        """Commit the work so far where core's ``_can_commit()`` allows it (never
        in tests) and the caller did not ask otherwise (``billing_no_commit``)."""
        if self._can_commit() and not self.env.context.get("billing_no_commit"):
            self.env.cr.commit()  # pylint: disable=invalid-commit

    @api.model
    def _billing_commit_batch(self, done, remaining):
        """Report a batch run's progress to the cron and commit the batch, so a
        killed run keeps its work."""
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(remaining, 0))
        self._billing_commit()

    @api.constrains("practice_client_id", "partner_id")
    def _check_practice_client_partner(self):
        for move in self._billing_family():
            client = move.practice_client_id
            if client.guardian_ids and move.partner_id not in client._billing_accounts():
                raise UserError(
                    self.env._(
                        "Invoice %(move)s must be billed to the responsible parent or a guardian of %(client)s.",
                        move=move.display_name,
                        client=client.name,
                    )
                )
            if not client.guardian_ids and client.partner_id and move.partner_id != client.partner_id:
                raise UserError(
                    self.env._(
                        "Invoice %(move)s must be billed to %(parent)s, the responsible parent of %(client)s.",
                        move=move.display_name,
                        parent=client.partner_id.name,
                        client=client.name,
                    )
                )
            if move.invoice_line_ids.practice_charge_id.partner_id - move.partner_id:
                raise UserError(
                    self.env._(
                        "Invoice %(move)s is billed to %(parent)s: it can hold only charges billed to them.",
                        move=move.display_name,
                        parent=move.partner_id.name,
                    )
                )

    @api.constrains("invoice_date", "invoice_date_due")
    def _check_billing_due_date(self):
        for move in self._billing_family():
            if move.invoice_date and move.invoice_date_due and move.invoice_date_due < move.invoice_date:
                raise UserError(
                    self.env._(
                        "Invoice %(move)s: the due date %(due)s is before the invoice date %(date)s.",
                        move=move.display_name,
                        due=move.invoice_date_due,
                        date=move.invoice_date,
                    )
                )

    @api.ondelete(at_uninstall=False)
    def _unlink_release_charges(self):
        """Deleting a draft family invoice returns all its charges to Unbilled
        Charges (a sent one is refused by the seal's ``_unlink_except_sealed``)."""
        family = self._billing_family()
        family.invoice_line_ids.practice_charge_id.filtered(lambda c: c.move_line_id.move_id in family)._release()

    # ------------------------------------------------------------------
    # Draft edits
    # ------------------------------------------------------------------
    def _billing_add_adjustment(self, kind, amount_type, value, label=None):
        """Add a top-level discount or surcharge line to a draft invoice, after
        its lines. A percent stays that percent of the invoice's lines while
        the invoice is a draft (see ``_billing_sync_adjustments``).

        :param kind: ``discount`` or ``surcharge``
        :param amount_type: ``fixed`` (currency amount) or ``percent`` of the invoice's lines
        :param value: the amount or percent, above zero
        """
        self.ensure_one()
        self._billing_check_transition("edit")
        if kind not in ("discount", "surcharge") or amount_type not in ("fixed", "percent"):
            raise UserError(self.env._("An adjustment is a discount or a surcharge, fixed or percent."))
        if not value or value <= 0 or not math.isfinite(value):
            if kind == "discount":
                raise UserError(self.env._("The discount must be above zero."))
            raise UserError(self.env._("The surcharge must be above zero."))
        sign = -1 if kind == "discount" else 1
        percent = 0.0
        if amount_type == "percent":
            if value > 100:
                if kind == "discount":
                    raise UserError(self.env._("A discount cannot exceed 100%."))
                raise UserError(self.env._("A surcharge cannot exceed 100%."))
            percent = sign * value
            amount = self._billing_adjustment_amount(percent)
        else:
            amount = sign * self.currency_id.round(value)
        if kind == "discount" and self.currency_id.compare_amounts(-amount, self.amount_untaxed) > 0:
            raise UserError(
                self.env._(
                    "The discount %(amount)s is larger than invoice %(move)s (%(base)s).",
                    amount=-amount,
                    move=self.display_name,
                    base=self.amount_untaxed,
                )
            )
        if not label:
            label = self.env._("Discount") if kind == "discount" else self.env._("Surcharge")
            if amount_type == "percent":
                label = f"{label} ({value:g}%)"
        sequence = max(self.invoice_line_ids.mapped("sequence"), default=0) + 1
        line = self._billing_adjustment_line(
            label, amount, billing_is_adjustment=True, billing_adjustment_percent=percent, sequence=sequence
        )
        self.write({"invoice_line_ids": [line]})
        return True

    def _billing_adjustment_line(self, name, amount, **vals):
        """The command creating an untaxed line of the adjustment product:
        ``name`` for ``amount`` (a discount, a surcharge, a credit)."""
        return fields.Command.create(
            {
                "product_id": self.env.ref("parent_billing.product_billing_adjustment").id,
                "name": name,
                "quantity": 1.0,
                "price_unit": amount,
                "tax_ids": [fields.Command.clear()],
                **vals,
            }
        )

    def _billing_adjustment_lines(self):
        """(lines, adjustments): the product lines of this invoice that are not
        adjustments, and its adjustment lines."""
        self.ensure_one()
        product_lines = self.invoice_line_ids.filtered(lambda l: l.display_type == "product")
        adjustments = product_lines.filtered("billing_is_adjustment")
        return product_lines - adjustments, adjustments

    def _billing_adjustment_amount(self, percent):
        """``percent`` (signed) of this invoice's lines, adjustments left out,
        in the invoice currency (half-up, away from zero)."""
        lines, _adjustments = self._billing_adjustment_lines()
        base = sum(lines.mapped("price_subtotal"))
        return math.copysign(self.currency_id.round(abs(base * percent) / 100.0), percent * base)

    @contextmanager
    def _sync_dynamic_lines(self, container):
        """Where Odoo re-derives an invoice's tax and payment-term lines from
        its lines, a draft family invoice's adjustments follow its lines too."""
        with (
            super()._sync_dynamic_lines(container),
            self._disable_recursion(container, "parent_billing_skip_adjustment_sync") as disabled,
        ):
            yield
            if not disabled:
                container["records"]._billing_sync_adjustments()

    def _billing_sync_adjustments(self):
        """On draft family invoices: a percentage adjustment is that percent of
        the current lines, and adjustments come after the lines. A sent
        invoice is never touched (its lines are sealed)."""
        for move in self._billing_family().filtered(lambda m: m.state == "draft"):
            lines, adjustments = move._billing_adjustment_lines()
            if not adjustments:
                continue
            for adjustment in adjustments.filtered("billing_adjustment_percent"):
                amount = move._billing_adjustment_amount(adjustment.billing_adjustment_percent)
                if move.currency_id.compare_amounts(adjustment.price_unit, amount) or adjustment.quantity != 1.0:
                    adjustment.write({"price_unit": amount, "quantity": 1.0})
            last = max(lines.mapped("sequence"), default=0)
            for sequence, adjustment in enumerate(adjustments.sorted(lambda l: (l.sequence, l.id)), start=last + 1):
                if adjustment.sequence != sequence:
                    adjustment.sequence = sequence

    # ------------------------------------------------------------------
    # Send
    # ------------------------------------------------------------------
    def action_billing_send(self):
        """Post, render and attach the PDF, queue the parent's email, open the
        portal. Idempotent: invoices already sent are left alone."""
        with self._billing_transition():
            self._billing_lock()
            to_send = self - self.filtered(lambda m: m.billing_sent_date and m.billing_state != "voided")
            to_send._billing_check_transition("send")
            for move in to_send:
                if not move.invoice_line_ids.filtered(lambda l: l.display_type == "product"):
                    raise UserError(self.env._("Invoice %s has no lines to send.", move.display_name))
                if move.currency_id.compare_amounts(move.amount_total, 0) <= 0:
                    raise UserError(
                        self.env._("Invoice %s has a zero or negative total and cannot be sent.", move.display_name)
                    )
            if not to_send:
                return True
            to_send.action_post()
            to_send.write({"billing_sent_date": fields.Datetime.now()})
            to_send._billing_after_send()
            to_send._billing_send_deliver()
            return True

    def _billing_after_send(self):
        """Hook for what Send does to the invoices it just posted, before their
        PDF is rendered and their email queued (so both show its effect):
        credits are applied, autopay is scheduled, a bulk send's queue line is
        done. Runs inside the Send transition, once per Send, also from bulk
        send."""
        return True

    def _billing_send_deliver(self):
        """The second half of Send, on posted invoices: render and attach each
        PDF, queue each email. The background send may run it in a transaction
        of its own (account_move_send_batch.py)."""
        for move in self:
            move._billing_attach_pdf()
            move._billing_notify_parent()

    def _billing_attach_pdf(self):
        """Render the family invoice PDF server-side and attach it to the chatter."""
        self.ensure_one()
        pdf, _type = self.env["ir.actions.report"]._render_qweb_pdf("account.account_invoices", self.ids)
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self._get_report_base_filename()}.pdf".replace("/", "_"),
                "raw": pdf,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf",
            }
        )
        # no_new_invoice: Odoo must not try to read the PDF back into the invoice.
        self.with_context(no_new_invoice=True).message_post(
            body=self._billing_send_note(), attachment_ids=attachment.ids
        )
        return attachment

    def _billing_send_note(self):
        """The note Send logs with the PDF (the print path says "to print")."""
        return self.env._("Invoice sent to the parent.")

    def action_billing_resend_email(self):
        """Queue the invoice email to the parent again (e.g. after a failed
        delivery or a corrected email address)."""
        self._billing_check_transition("resend")
        note = self.env._("Invoice email sent again by %(user)s.", user=self.env.user.name)
        for move in self:
            if not move.partner_id.email:
                raise UserError(
                    self.env._(
                        "%(parent)s has no email address: add one on the contact, then resend invoice %(move)s.",
                        parent=move.partner_id.name,
                        move=move.display_name,
                    )
                )
            move._billing_notify_parent()
            move.message_post(body=note, subtype_xmlid="mail.mt_note")
        return True

    def action_billing_delete_draft(self):
        """Delete Draft: its charges return to Unbilled Charges."""
        self._billing_check_transition("edit")
        self.unlink()
        return self.env["ir.actions.act_window"]._for_xml_id("parent_billing.account_move_action_family_invoices")

    def _billing_notify_parent(self):
        """Queue the notification email to the parent only (no staff copy)."""
        self.ensure_one()
        template = self.company_id.billing_mail_template_id or self.env.ref(
            "parent_billing.mail_template_parent_invoice"
        )
        self._portal_ensure_token()
        # The email's header says "Your Invoice", not Odoo's "Journal Entry".
        model_description = self.with_context(lang=self.partner_id.lang or self.env.lang).type_name
        self._billing_email_parent(template, self.partner_id, model_description=model_description)

    # ------------------------------------------------------------------
    # Report and portal
    # ------------------------------------------------------------------
    def _get_name_invoice_report(self):
        if self._billing_family():
            return "parent_billing.report_parent_invoice_document"
        return super()._get_name_invoice_report()

    def _get_invoice_portal_extra_values(self, custom_amount=None):
        """Pay now on a family invoice asks for its whole balance, late fees included."""
        values = super()._get_invoice_portal_extra_values(custom_amount=custom_amount)
        if self._billing_family() and not custom_amount and self.billing_state in BILLING_OPEN_STATES:
            values["amount_due"] = values["next_amount_to_pay"] = self.billing_amount_due
        return values

    def _has_to_be_paid(self):
        self.ensure_one()
        if self._billing_family() and self.state == "posted" and self.currency_id.is_zero(self.amount_residual):
            # The invoice itself is settled but a late fee is still open: Pay now settles the fee.
            pending = self.transaction_ids.filtered(lambda tx: tx.state in ("pending", "authorized"))
            return self.billing_state in BILLING_OPEN_STATES and not pending
        return super()._has_to_be_paid()

    def _billing_has_online_payment(self):
        self.ensure_one()
        return bool(
            self.env["payment.provider"]
            .sudo()
            .search_count(
                [
                    *self.env["payment.provider"]._check_company_domain(self.company_id),
                    ("state", "in", ("enabled", "test")),
                    ("is_published", "=", True),
                ],
                limit=1,
            )
        )

    @api.model
    def get_views(self, views, options=None):
        """Billing → Invoices shows the seed's actions only, as buttons on the
        invoice: Odoo's gear actions (Pay, Debit Note, Switch into credit note,
        Print, ...) are not offered there. Odoo's own menus keep them."""
        result = super().get_views(views, options)
        if self.env.context.get("billing_family_screens"):
            for view in result["views"].values():
                if "toolbar" in view:
                    view["toolbar"] = {}
        return result

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

    def action_billing_open_write_in(self):
        return self._billing_wizard_action("account.move.billing.write.in", self.env._("Add Write-in"))

    def _billing_add_write_in(self, name, units, rate):
        """Add a manual line (write-in, e.g. a one-time materials fee) to a draft."""
        self.ensure_one()
        self._billing_check_transition("edit")
        name = (name or "").strip()
        if not name:
            raise UserError(self.env._("A write-in line on invoice %s needs a description.", self.display_name))
        if not (math.isfinite(units) and units > 0):
            raise UserError(self.env._("The units of a write-in line must be a number above zero."))
        if not (math.isfinite(rate) and rate > 0):
            raise UserError(self.env._("The rate of a write-in line must be an amount above zero."))
        product = self.env.ref("parent_billing.product_billing_write_in")
        self.write(
            {
                "invoice_line_ids": [
                    fields.Command.create(
                        {
                            "product_id": product.id,
                            "name": name,
                            "quantity": units,
                            "price_unit": rate,
                            "tax_ids": [fields.Command.clear()],
                        }
                    )
                ]
            }
        )
        return True

    def action_billing_open_extend_due(self):
        return self._billing_wizard_action("account.move.billing.extend.due", self.env._("Extend Due Date"))

    def action_billing_open_adjust(self):
        return self._billing_wizard_action("account.move.billing.adjust", self.env._("Discount or Surcharge"))
