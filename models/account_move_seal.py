"""The seal of the family invoice.

A family invoice is an Odoo customer invoice underneath, so every generic
control Odoo offers on it (reset to draft, cancel, post, Send & Print,
register payment, credit and debit notes, duplicate, delete, direct writes)
would go around the billing state machine. This file is the one place that
says what may change a family document:

- ``_billing_transition_fields()`` (set only by the billing actions) and
  ``_billing_frozen_fields()`` (frozen once sent), and their line
  counterparts, say which fields are protected. They start in
  ``account_move.py`` / ``account_move_line.py``; this file adds Odoo's own
  fields and each feature file adds its fields with ``super()``, so a new
  feature never edits this file.
- ``BILLING_TRANSITIONS`` is the table of billing actions: from which billing
  states each is allowed and whether it needs a billing manager. The model
  checks (``_billing_check_transition``) and the buttons' ``invisible``
  conditions (the ``billing_can_*`` fields) both read it.
- ``BILLING_STATE_ERRORS``, ``BILLING_MANAGER_ERRORS`` and ``BILLING_REFUSALS``
  hold the whole sentences of the refusals (translated when raised).
- The billing actions do their work inside ``_billing_transition()``. Outside
  of it, on family documents (the invoice and what is made from it: late
  fees, reversals, credit notes), Odoo's generic controls are routed to the
  billing action that owns the step or refused with a clear error, the fields
  only transitions set cannot be written, and after Send the lines, amounts,
  parent, client, notes and due date are frozen.

The transition flag lives on the database cursor, not in the context: a
context travels over RPC and can be forged, the cursor's own state cannot.
"""

import functools
from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import LazyTranslate, format_date

from .account_move import BILLING_OPEN_STATES

_lt = LazyTranslate(__name__)

# action: (billing states it is allowed from, needs a billing manager)
BILLING_TRANSITIONS = {
    "send": (("draft",), False),
    "edit": (("draft",), False),
    "resend": (BILLING_OPEN_STATES, False),
    "record_payment": (BILLING_OPEN_STATES, False),
    "void": (("draft", *BILLING_OPEN_STATES), True),
    # voided: money that reached the invoice after the void is the parent's credit, refundable
    "refund": ((*BILLING_OPEN_STATES, "paid", "voided"), True),
    "waive": (BILLING_OPEN_STATES, True),
    "extend_due": (BILLING_OPEN_STATES, True),
    # a parent's dispute of the bill (account_move_dispute.py): never refused for age
    "dispute": ((*BILLING_OPEN_STATES, "paid"), True),
}
# The refusal sentences are module-level tables, so lazy translations (as core's
# sms/tools/sms_api.py): there is no env here; self.env._() translates them when raised.
# pylint: disable=prefer-env-translation
# action: the whole sentence saying why it is refused in another billing state
BILLING_STATE_ERRORS = {
    "send": _lt("Invoice %(move)s cannot be sent: it is %(state)s."),
    "edit": _lt("Invoice %(move)s cannot be edited: it is %(state)s. Only drafts can change."),
    "resend": _lt("The email of invoice %(move)s cannot be sent again: it is %(state)s."),
    "record_payment": _lt("Invoice %(move)s cannot take a payment: it is %(state)s."),
    "void": _lt("Invoice %(move)s cannot be voided: it is %(state)s."),
    "refund": _lt("Invoice %(move)s cannot be refunded: it is %(state)s."),
    "waive": _lt("The late fee of invoice %(move)s cannot be waived: the invoice is %(state)s."),
    "extend_due": _lt("The due date of invoice %(move)s cannot be extended: it is %(state)s."),
}
# manager-only action: the whole sentence refusing it to a billing user
BILLING_MANAGER_ERRORS = {
    "void": _lt("Only a billing manager can void an invoice."),
    "refund": _lt("Only a billing manager can refund an invoice."),
    "waive": _lt("Only a billing manager can waive a late fee."),
    "extend_due": _lt("Only a billing manager can extend the due date of a sent invoice."),
}
# Odoo's generic control: the whole sentence refusing it on a family document
# outside a billing action (the billing action that owns the step)
BILLING_REFUSALS = {
    "copy": _lt("Family invoice %(move)s cannot be duplicated: create invoices from Unbilled Charges."),
    "draft": _lt(
        "Family document %(move)s cannot be reset to draft: void the invoice (with a reason) "
        "and invoice the charges again."
    ),
    "cancel": _lt(
        "Family invoice %(move)s is cancelled with Void, which asks for a reason "
        "and returns its charges to Unbilled Charges."
    ),
    "post": _lt("Family invoice %(move)s is posted by Send only."),
    "reverse": _lt("Family invoice %(move)s is corrected with Void or Issue Refund, not with a credit note."),
    "generic": _lt(
        "%(control)s is not available on family invoice %(move)s: use its billing actions "
        "(Send, Record Payment, Void, Issue Refund)."
    ),
}
# pylint: enable=prefer-env-translation

_TRANSITION_KEY = "parent_billing.transition"


def billing_transition(method):
    """Decorate a billing action: it runs with the seal open."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self.env["account.move"]._billing_transition():
            return method(self, *args, **kwargs)

    return wrapper


class AccountMove(models.Model):
    _inherit = "account.move"

    billing_origin_id = fields.Many2one(
        "account.move",
        string="Family Invoice",
        compute="_compute_billing_origin_id",
        store=True,
        recursive=True,
        index="btree_not_null",
        help="On a document made from a family invoice (late fee, reversal, credit note): that invoice.",
    )
    billing_can_send = fields.Boolean(compute="_compute_billing_can")
    billing_can_edit = fields.Boolean(compute="_compute_billing_can")
    billing_can_resend = fields.Boolean(compute="_compute_billing_can")
    billing_can_record_payment = fields.Boolean(compute="_compute_billing_can")
    billing_can_void = fields.Boolean(compute="_compute_billing_can")
    billing_can_refund = fields.Boolean(compute="_compute_billing_can")
    billing_can_waive = fields.Boolean(compute="_compute_billing_can")
    billing_can_extend_due = fields.Boolean(compute="_compute_billing_can")

    @api.depends(
        "debit_origin_id.practice_client_id",
        "debit_origin_id.move_type",
        "reversed_entry_id.practice_client_id",
        "reversed_entry_id.billing_origin_id",
    )
    def _compute_billing_origin_id(self):
        for move in self:
            origin = move.debit_origin_id or move.reversed_entry_id
            move.billing_origin_id = origin if origin._billing_family() else origin.billing_origin_id

    @api.depends("billing_state")
    @api.depends_context("uid")
    def _compute_billing_can(self):
        is_manager = self.env.user.has_group("parent_billing.parent_billing_group_manager")
        is_user = self.env.user.has_group("parent_billing.parent_billing_group_user")
        for move in self:
            for action, (states, manager_only) in BILLING_TRANSITIONS.items():
                move[f"billing_can_{action}"] = bool(
                    move.billing_state in states and (is_manager if manager_only else is_user)
                )

    # ------------------------------------------------------------------
    # The transition table and the flag
    # ------------------------------------------------------------------
    def _billing_check_transition(self, action):
        """Raise a clear error naming the invoice when ``action`` is not
        allowed: not a family invoice, the wrong billing state, or the role."""
        states, manager_only = BILLING_TRANSITIONS[action]
        if manager_only and not self.env.user.has_group("parent_billing.parent_billing_group_manager"):
            raise AccessError(self._billing_manager_error(action))
        labels = dict(self._fields["billing_state"]._description_selection(self.env))
        for move in self:
            if not move._billing_family():
                raise UserError(self.env._("%(move)s is not a family invoice.", move=move.display_name))
            if move.billing_state not in states:
                raise UserError(
                    move._billing_state_error(action, move.display_name, labels.get(move.billing_state, "-"))
                )

    def _billing_state_error(self, action, move, state):
        """The whole sentence saying why ``action`` is refused in this state."""
        # A lazy text takes no arguments in self.env._(): its placeholders are filled once translated.
        return self.env._(BILLING_STATE_ERRORS[action]) % {"move": move, "state": state}  # pylint: disable=translation-not-lazy

    def _billing_manager_error(self, action):
        return self.env._(BILLING_MANAGER_ERRORS[action])

    @contextmanager
    def _billing_transition(self):
        """Open the seal for the duration of a billing action (re-entrant)."""
        cache = self.env.cr.cache
        cache[_TRANSITION_KEY] = cache.get(_TRANSITION_KEY, 0) + 1
        try:
            yield
        finally:
            cache[_TRANSITION_KEY] -= 1

    def _billing_in_transition(self):
        return bool(self.env.cr.cache.get(_TRANSITION_KEY))

    def _billing_transition_fields(self):
        return super()._billing_transition_fields() | {"billing_origin_id"}

    def _billing_frozen_fields(self):
        return super()._billing_frozen_fields() | {
            "partner_id",
            "commercial_partner_id",
            "partner_shipping_id",
            "narration",
            "invoice_date",
            "invoice_date_due",
            "invoice_payment_term_id",
            "date",
            "name",
            "ref",
            "payment_reference",
            "journal_id",
            "company_id",
            "currency_id",
            "move_type",
            "fiscal_position_id",
            "invoice_cash_rounding_id",
            "invoice_line_ids",
            "line_ids",
            "state",
            "debit_origin_id",
            "reversed_entry_id",
        }

    def _billing_documents(self):
        """Family invoices and the documents made from them."""
        return self.filtered(lambda m: m._billing_family() or m.billing_origin_id)

    def _billing_sealed(self):
        """The family documents of these moves that can no longer change."""
        if self._billing_in_transition():
            return self.browse()
        return self._billing_documents().filtered(lambda m: m.state != "draft")

    # ------------------------------------------------------------------
    # Writes
    # ------------------------------------------------------------------
    def write(self, vals):
        if not self._billing_in_transition() and (
            self._billing_transition_fields().intersection(vals)
            or "practice_client_id" in vals
            or self._billing_documents()
        ):
            self.check_access("write")  # who may not write at all hears that first
            self._billing_check_write(vals)
        return super().write(vals)

    def _billing_check_write(self, vals):
        if protected := self._billing_transition_fields().intersection(vals):
            raise UserError(
                self.env._(
                    "%(fields)s can only be changed by the billing actions (Send, Record Payment, Void, "
                    "Issue Refund, the daily overdue and reminder runs).",
                    fields=self._billing_field_labels(protected),
                )
            )
        documents = self._billing_documents()
        if not documents:
            if "practice_client_id" in vals and self.filtered(lambda m: m.state != "draft"):
                raise UserError(self.env._("Only a draft invoice can become a family invoice."))
            return
        if "state" in vals:
            raise UserError(
                self.env._(
                    "The status of family invoice %(move)s changes through Send and Void only.",
                    move=documents[0].display_name,
                )
            )
        frozen = self._billing_frozen_fields().intersection(vals)
        if frozen and (sealed := self._billing_sealed()):
            if frozen == {"invoice_date_due"}:
                raise UserError(
                    self.env._(
                        "Invoice %(move)s has been sent: only a billing manager can extend its due date, "
                        "with Extend Due Date.",
                        move=sealed[0].display_name,
                    )
                )
            raise UserError(
                self.env._(
                    "Invoice %(move)s has been sent: %(fields)s can no longer change. "
                    "Void it and invoice the charges again to correct it.",
                    move=sealed[0].display_name,
                    fields=self._billing_field_labels(frozen),
                )
            )

    def copy_data(self, default=None):
        self._billing_refuse("copy")
        return super().copy_data(default=default)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sealed(self):
        if sealed := self._billing_sealed():
            raise UserError(
                self.env._(
                    "Family document %(move)s has been sent and is kept for audit: void it instead of deleting it.",
                    move=sealed[0].display_name,
                )
            )

    # ------------------------------------------------------------------
    # Odoo's generic controls: routed or refused
    # ------------------------------------------------------------------
    def _billing_refuse(self, refusal, **values):
        """Refuse one of Odoo's generic controls on family documents outside a
        billing action: raise ``BILLING_REFUSALS[refusal]`` naming the first."""
        if not self._billing_in_transition() and (documents := self._billing_documents()):
            sentence = BILLING_REFUSALS[refusal]
            values["move"] = documents[0].display_name
            raise UserError(self.env._(sentence) % values)  # pylint: disable=translation-not-lazy

    def _check_draftable(self):
        self._billing_refuse("draft")
        return super()._check_draftable()

    def button_cancel(self):
        self._billing_refuse("cancel")
        return super().button_cancel()

    def action_post(self):
        if self._billing_in_transition():
            return super().action_post()
        family = self._billing_family()
        if derived := self._billing_documents() - family:
            raise UserError(self.env._("%(move)s is posted by its billing action only.", move=derived[0].display_name))
        res = super(AccountMove, self - family).action_post() if self - family else False
        if family:
            # Confirming a family invoice is Send: post, PDF, email, portal.
            family.action_billing_send()
        return res

    def _post(self, soft=True):
        self._billing_refuse("post")
        return super()._post(soft=soft)

    def _reverse_moves(self, default_values_list=None, cancel=False):
        self._billing_refuse("reverse")
        return super()._reverse_moves(default_values_list=default_values_list, cancel=cancel)

    def action_register_payment(self):
        family = self._billing_documents()
        if not family or self._billing_in_transition():
            return super().action_register_payment()
        invoice = family._billing_family() or family.billing_origin_id
        if len(self) == 1 and len(invoice) == 1:
            # Odoo's Pay button on a family invoice is Record Payment.
            return invoice.action_billing_record_payment()
        raise UserError(
            self.env._(
                "Payments on family invoice %(move)s are recorded one invoice at a time with Record Payment.",
                move=family[0].display_name,
            )
        )

    def action_force_register_payment(self):
        # The form's gear menu "Pay": the same as the Pay button.
        if self._billing_documents() and not self._billing_in_transition():
            return self.action_register_payment()
        return super().action_force_register_payment()

    def action_send_and_print(self):
        return self._billing_generic(self.env._("Send & Print"), super().action_send_and_print)

    def action_invoice_sent(self):
        return self._billing_generic(self.env._("Send & Print"), super().action_invoice_sent)

    def action_reverse(self):
        return self._billing_generic(self.env._("Credit Note"), super().action_reverse)

    def action_debit_note(self):
        return self._billing_generic(self.env._("Debit Note"), super().action_debit_note)

    def action_switch_move_type(self):
        return self._billing_generic(self.env._("Switch into credit note"), super().action_switch_move_type)

    def js_assign_outstanding_line(self, line_id):
        """Odoo's "Add" on an outstanding credit of the parent: applying the
        parent's credit is a payment of the invoice, so it is allowed where
        Record Payment is, and logged."""
        family = self._billing_documents()
        if not family or self._billing_in_transition():
            return super().js_assign_outstanding_line(line_id)
        self._billing_check_transition("record_payment")
        credit = self.env["account.move.line"].browse(line_id)
        with self._billing_transition():
            res = super().js_assign_outstanding_line(line_id)
            self.message_post(
                body=self.env._(
                    "Credit %(credit)s of the parent applied by %(user)s.",
                    credit=credit.move_id.display_name,
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return res

    def js_remove_outstanding_partial(self, partial_id):
        return self._billing_generic(self.env._("Unreconcile"), super().js_remove_outstanding_partial, partial_id)

    def _billing_refuse_generic(self, control):
        self._billing_refuse("generic", control=control)

    def _billing_generic(self, control, method, *args):
        """Odoo's generic ``method`` (named ``control`` to the user): refused
        on family documents outside a billing action."""
        self._billing_refuse_generic(control)
        return method(*args)

    # ------------------------------------------------------------------
    # Due date: a logged manager action
    # ------------------------------------------------------------------
    def _billing_extend_due_date(self, due_date, reason):
        """Manager: move the due date of a sent invoice later, with a reason.
        An overdue invoice whose new due date is ahead is no longer overdue."""
        self.ensure_one()
        self._billing_check_transition("extend_due")
        due_date = fields.Date.to_date(due_date)
        if not due_date:
            raise UserError(self.env._("Extending the due date of %s needs the new date.", self.display_name))
        if not (reason or "").strip():
            raise UserError(self.env._("Extending the due date of %s requires a reason.", self.display_name))
        self._billing_lock()
        old = self.invoice_date_due
        if due_date <= old:
            raise UserError(
                self.env._(
                    "The new due date %(new)s of invoice %(move)s must be after the current one, %(old)s.",
                    new=format_date(self.env, due_date),
                    move=self.display_name,
                    old=format_date(self.env, old),
                )
            )
        with self._billing_transition():
            receivable = self.line_ids.filtered(lambda l: l.account_id.account_type == "asset_receivable")
            receivable.write({"date_maturity": due_date})
            vals = {"invoice_date_due": due_date}
            if self.billing_overdue and due_date >= fields.Date.context_today(self):
                vals["billing_overdue"] = False
            self.write(vals)
            self.message_post(
                body=self.env._(
                    "Due date extended from %(old)s to %(new)s by %(user)s: %(reason)s",
                    old=format_date(self.env, old),
                    new=format_date(self.env, due_date),
                    user=self.env.user.name,
                    reason=reason.strip(),
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    def _billing_frozen_line_fields(self):
        """The lines of a sent family document: frozen."""
        return super()._billing_frozen_line_fields() | {
            "move_id",
            "name",
            "product_id",
            "product_uom_id",
            "quantity",
            "price_unit",
            "discount",
            "tax_ids",
            "account_id",
            "partner_id",
            "currency_id",
            "debit",
            "credit",
            "balance",
            "amount_currency",
            "price_subtotal",
            "price_total",
            "date_maturity",
            "display_type",
        }

    @api.model_create_multi
    def create(self, vals_list):
        Move = self.env["account.move"]
        if not Move._billing_in_transition():
            moves = Move.browse({vals["move_id"] for vals in vals_list if vals.get("move_id")})
            if sealed := moves._billing_sealed():
                raise UserError(
                    self.env._(
                        "Invoice %(move)s has been sent: its lines are read-only. Void it to correct it.",
                        move=sealed[0].display_name,
                    )
                )
            if any(self._billing_transition_line_fields().intersection(vals) for vals in vals_list):
                raise UserError(self.env._("Charges are put on an invoice with Create Invoice only."))
        return super().create(vals_list)

    def write(self, vals):
        Move = self.env["account.move"]
        if not Move._billing_in_transition():
            if self._billing_transition_line_fields().intersection(vals):
                raise UserError(self.env._("Charges are put on an invoice with Create Invoice only."))
            frozen = self._billing_frozen_line_fields().intersection(vals)
            if frozen and (sealed := self.move_id._billing_sealed()):
                raise UserError(
                    self.env._(
                        "Invoice %(move)s has been sent: its lines are read-only (%(fields)s). Void it to correct it.",
                        move=sealed[0].display_name,
                        fields=self._billing_field_labels(frozen),
                    )
                )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sealed(self):
        if sealed := self.move_id._billing_sealed():
            raise UserError(
                self.env._(
                    "Invoice %(move)s has been sent: its lines are read-only. Void it to correct it.",
                    move=sealed[0].display_name,
                )
            )


class AccountPayment(models.Model):
    _inherit = "account.payment"

    def _billing_check_sealed(self, control):
        if self.env["account.move"]._billing_in_transition():
            return
        if logged := self.filtered("billing_move_id"):
            raise UserError(
                self.env._(
                    "Payment %(payment)s is in the payment log of family invoice %(move)s: %(control)s is not "
                    "available. A billing manager corrects it with Issue Refund.",
                    payment=logged[0].display_name,
                    move=logged[0].billing_move_id.display_name,
                    control=control,
                )
            )

    def action_draft(self):
        self._billing_check_sealed(self.env._("Reset to draft"))
        return super().action_draft()

    def action_cancel(self):
        self._billing_check_sealed(self.env._("Cancel"))
        return super().action_cancel()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billing_log(self):
        self._billing_check_sealed(self.env._("Delete"))


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.ondelete(at_uninstall=False)
    def _unlink_except_billing(self):
        if self.env["account.move"]._billing_in_transition():
            return
        lines = self.debit_move_id | self.credit_move_id
        if family := lines.move_id._billing_documents():
            raise UserError(
                self.env._(
                    "The payments of family invoice %(move)s are matched by the billing actions only: "
                    "use Issue Refund or Void.",
                    move=family[0].display_name,
                )
            )


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _check_move_constrains(self, moves):
        # Odoo's Send & Print wizards (single and batch) on a family invoice.
        moves._billing_refuse_generic(self.env._("Send & Print"))
        return super()._check_move_constrains(moves)
