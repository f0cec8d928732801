import logging
from datetime import timedelta

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_date, mute_logger

from .account_move import BILLING_OPEN_STATES
from .account_move_seal import billing_transition

_logger = logging.getLogger(__name__)

AUTOPAY_BATCH_SIZE = 50
# A charge in one of these states blocks any other for the same invoice (see
# payment_transaction.py): pending or taken, the invoice is never charged again.
AUTOPAY_BLOCKING_STATES = ("draft", "pending", "authorized", "done")
AUTOPAY_DECLINED_STATES = ("error", "cancel")


class AccountMove(models.Model):
    """Autopay: the balance of a family invoice (late fees included) is
    charged to the parent's saved card at the moment the practice chose (at
    Send or on the due date), through the provider, off-session. A declined
    charge notifies the parent and staff and is tried again on the practice's
    schedule; after the last try the invoice simply stays open.

    One successful charge per invoice at most, whatever reruns, workers or
    webhooks do: the invoice row is locked while deciding, a pending or done
    autopay transaction blocks any other (checked, and enforced by a unique
    index on the transactions), and each try has a unique reference."""

    _inherit = "account.move"

    billing_autopay_transaction_ids = fields.One2many(
        "payment.transaction", "billing_autopay_move_id", string="Autopay Charges", readonly=True
    )
    billing_autopay_next_date = fields.Date(
        string="Next Autopay Charge",
        compute="_compute_billing_autopay_next_date",
        compute_sudo=True,
        help="When autopay charges this invoice next (empty: autopay is off for the parent, the invoice is "
        "settled, already charged, or the declined charges were tried as often as the practice allows).",
    )

    def _compute_billing_autopay_next_date(self):
        for move in self:
            move.billing_autopay_next_date = move._billing_autopay_next_date()

    # ------------------------------------------------------------------
    # When
    # ------------------------------------------------------------------
    def _billing_autopay_next_date(self):
        """The day of this invoice's next autopay try, or False."""
        self.ensure_one()
        if not self._billing_autopay_covered() or self._billing_autopay_skipped():
            return False
        declined = self._billing_autopay_declined_charges()
        if not declined:
            # The first try comes at the chosen moment (the parent had consented by then: see
            # _billing_autopay_skipped).
            if self.company_id.billing_autopay_when == "send":
                return self.billing_sent_date.date()
            return self.invoice_date_due
        retries = self.company_id._billing_autopay_retries()
        return declined[0].billing_autopay_date + timedelta(days=retries[len(declined) - 1])

    def _billing_autopay_covered(self):
        """The open family invoices among these, with a balance, whose parent
        has autopay on: what autopay charges unless ``_billing_autopay_skipped``
        names them."""
        return self.filtered(
            lambda m: m._billing_family()
            and m.billing_state in BILLING_OPEN_STATES
            and not m.billing_send_pending  # half-sent by a bulk send: charged once the parent has it
            and m.currency_id.compare_amounts(m.billing_amount_due, 0) > 0
            and m.sudo().partner_id.billing_autopay_token_id.active
            and m.sudo().partner_id.billing_autopay_consent_id
        )

    def _billing_autopay_declined_charges(self):
        self.ensure_one()
        charges = self.sudo().billing_autopay_transaction_ids
        return charges.filtered(lambda tx: tx.state in AUTOPAY_DECLINED_STATES).sorted("billing_autopay_try")

    def _billing_autopay_skipped(self):
        """{invoice: reason} for the invoices among these that autopay covers
        (``_billing_autopay_covered``) but does not charge, with the reason in
        the parent's words. The one rule: the autopay run
        (``_billing_autopay_next_date``), the parent's autopay page and the
        autopay confirmation email read it."""
        covered = self._billing_autopay_covered()
        held = covered._billing_collection_held()
        reasons = {}
        for move in covered:
            reason = move._billing_autopay_skip_reason(move in held)
            if reason:
                reasons[move] = reason
        return reasons

    def _billing_autopay_skip_reason(self, held):
        """Why autopay does not charge this covered invoice (``held``: its
        collections are held), or False."""
        self.ensure_one()
        if held:
            if self.billing_dispute_state == "open":
                return self.env._("It is under dispute: nothing is charged while the dispute is open.")
            if any(plan.state == "active" for plan in self.sudo().billing_payment_plan_ids):
                return self.env._("It is in your payment plan: the plan's installments are charged instead.")
            if self.sudo().commercial_partner_id.billing_collections_paused:
                return self.env._("The practice has paused collections on your account.")
            return self.env._("The practice has put collections on it on hold.")
        charges = self.sudo().billing_autopay_transaction_ids
        if charges.filtered(lambda tx: tx.state == "done"):
            return self.env._("Autopay has already charged it once.")
        if charges.filtered(lambda tx: tx.state in AUTOPAY_BLOCKING_STATES) or self._billing_live_transactions():
            return self.env._("A payment for it is being processed.")
        declined = self._billing_autopay_declined_charges()
        if declined and len(declined) > len(self.company_id._billing_autopay_retries()):
            return self.env._("Your card was declined for it and is not tried again: pay it from the invoice.")
        consent = self.sudo().partner_id.billing_autopay_consent_id
        if not declined:
            if self.company_id.billing_autopay_when == "send":
                if not self.billing_sent_date or self.billing_sent_date < consent.date:
                    return self.env._("It was sent before you turned autopay on.")
            elif not self.invoice_date_due or self.invoice_date_due < consent.date.date():
                return self.env._("It was due before you turned autopay on.")
        return False

    def _billing_after_send(self):
        res = super()._billing_after_send()
        # "At Send": the charge is made by the autopay run right after Send is
        # committed, in a transaction of its own, so a card is never charged
        # for a Send that is rolled back.
        if self.filtered(
            lambda m: m.company_id.billing_autopay_when == "send" and m.partner_id.billing_autopay_token_id
        ):
            self.env.ref("parent_billing.ir_cron_billing_autopay")._trigger()
        return res

    # ------------------------------------------------------------------
    # The run
    # ------------------------------------------------------------------
    @api.model
    def _cron_billing_autopay(self, batch_size=AUTOPAY_BATCH_SIZE):
        """Charge every family invoice whose autopay try is due today."""
        today = fields.Date.context_today(self)
        candidates = self.search(
            [
                ("billing_state", "in", BILLING_OPEN_STATES),
                ("billing_send_pending", "=", False),
                ("partner_id.billing_autopay_token_id", "!=", False),
            ],
            order="invoice_date_due, id",
        )
        due = candidates.filtered(lambda m: (day := m._billing_autopay_next_date()) and day <= today)
        charged = 0
        for start in range(0, len(due), batch_size):
            for move in due[start : start + batch_size]:
                charged += bool(move._billing_autopay_charge(today))
            done = min(start + batch_size, len(due))
            self.env["ir.cron"]._notify_progress(done=done, remaining=len(due) - done)
        _logger.info("Family billing autopay run: %d charge(s) made of %d due", charged, len(due))
        return True

    @billing_transition
    def _billing_autopay_charge(self, today=None):
        """Try one autopay charge of this invoice's balance; returns the
        transaction, or an empty recordset when there is nothing to charge
        now (already charged or pending, busy elsewhere, not due)."""
        self.ensure_one()
        today = today or fields.Date.context_today(self)
        Transaction = self.env["payment.transaction"].sudo()
        if not self._billing_try_lock():
            _logger.info("Autopay of %s skipped: in use by another transaction", self.display_name)
            return Transaction
        self.billing_autopay_transaction_ids.invalidate_recordset()
        day = self._billing_autopay_next_date()
        if not day or day > today:
            return Transaction
        token = self.partner_id.sudo().billing_autopay_token_id
        attempt = len(self.sudo().billing_autopay_transaction_ids) + 1
        return Transaction._billing_charge_token(
            token,
            self._billing_open_moves(),
            self,
            reference=f"{self.name}-autopay-{attempt}",
            amount=self.billing_amount_due,
            currency_id=self.currency_id.id,
            partner_id=self.partner_id.id,
            billing_autopay_move_id=self.id,
            billing_autopay_try=attempt,
            billing_autopay_date=today,
        )

    def _billing_charge_not_sent(self, tx, error):
        """Note that charge ``tx`` could not be sent to the provider."""
        values = tx._billing_not_sent_values(error)
        self.message_post(
            body=self.env._(
                "Autopay charge %(ref)s could not be sent to %(provider)s (%(error)s). No other charge is made "
                "for this invoice until the processor's dashboard is checked.",
                **values,
            ),
            subtype_xmlid="mail.mt_note",
        )

    # ------------------------------------------------------------------
    # Declined
    # ------------------------------------------------------------------
    def _billing_autopay_declined(self, tx):
        """Tell the parent (update the card / pay now) and staff."""
        self.ensure_one()
        next_date = self._billing_autopay_next_date()
        template = self.env.ref("parent_billing.mail_template_autopay_declined")
        self._portal_ensure_token()
        charge = tx._billing_declined_values(next_date)
        note = (
            self.env._(
                "Autopay charge %(ref)s of %(amount)s was declined (%(reason)s). The parent was told; "
                "it is tried again on %(date)s.",
                **charge,
            )
            if next_date
            else self.env._(
                "Autopay charge %(ref)s of %(amount)s was declined (%(reason)s). The parent was told; "
                "it is not tried again and the invoice stays open.",
                **charge,
            )
        )
        self._billing_notify_declined(
            template,
            self.partner_id,
            note,
            self.env._("Autopay declined"),
            self.invoice_user_id or self.env.ref("base.user_admin"),
            # The email's header says "Your Invoice", not Odoo's "Journal Entry".
            model_description=self.with_context(lang=self.partner_id.lang or self.env.lang).type_name,
        )


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    billing_autopay_move_id = fields.Many2one(
        "account.move",
        "Autopay Of",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The family invoice this autopay charge is for.",
    )
    billing_autopay_try = fields.Integer(string="Autopay Try", readonly=True, copy=False)
    billing_autopay_date = fields.Date(string="Autopay Date", readonly=True, copy=False)

    def _billing_charge_indexes(self):
        """The records charged off-session, one live charge each: {column: its unique index}."""
        return {"billing_autopay_move_id": "payment_transaction_billing_autopay_uniq"}

    def init(self):
        res = super().init()
        for column, index_name in self._billing_charge_indexes().items():
            self._billing_create_charge_index(index_name, column)
        return res

    def _billing_create_charge_index(self, index_name, column):
        """At most one live (draft, pending, authorized) or done charge per
        record of ``column`` (an invoice's autopay, an installment): a unique
        index decides between workers charging at the same time."""
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS %s ON payment_transaction (%s) WHERE %s IS NOT NULL AND state IN %s",
                SQL.identifier(index_name),
                SQL.identifier(column),
                SQL.identifier(column),
                AUTOPAY_BLOCKING_STATES,
            )
        )

    def _billing_not_sent_values(self, error):
        """The placeholders of the note saying this charge could not be sent
        to its provider: its reference, the provider and ``error``."""
        self.ensure_one()
        return {
            "ref": self.reference,
            "provider": self.provider_id.name,
            "error": error.args[0] if error.args else error,
        }

    def _billing_declined_values(self, next_date):
        """The placeholders of this declined charge's note: its reference,
        amount, reason and the day it is tried again (``next_date``)."""
        self.ensure_one()
        return {
            "ref": self.reference,
            "amount": self.currency_id.format(self.amount),
            "reason": self.state_message or self.state,
            "date": next_date and format_date(self.env, next_date),
        }

    @api.model
    def _billing_charge_token(self, token, moves, log_on, **vals):
        """Charge ``moves`` off-session through the saved card ``token``
        (``_billing_charge_offsession``); ``vals`` gives the reference,
        amount, currency, partner and the try's own fields."""
        return self._billing_charge_offsession(
            {
                "provider_id": token.provider_id.id,
                "payment_method_id": token.payment_method_id.id,
                "token_id": token.id,
                "operation": "offline",
                "invoice_ids": [fields.Command.set(moves.ids)],
                **vals,
            },
            log_on,
        )

    @api.model
    def _billing_charge_offsession(self, vals, log_on):
        """Create the off-session charge ``vals`` (a saved card, a reference
        unique per try) and ask the provider; returns the transaction, or an
        empty recordset when a unique index says another worker made this try
        or holds a live charge. Autopay and payment plan installments charge
        through here; ``log_on`` (an invoice, a plan) notes it with
        ``_billing_charge_not_sent`` when the provider could not be asked.

        The charge is committed before the provider is asked and after its
        answer, so a crash never loses a charge made."""
        Transaction = self.sudo()
        Move = self.env["account.move"]
        try:
            # A second worker losing this race is expected (the unique index
            # decides): not a "bad query" for the server log.
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint():
                tx = Transaction.create(vals)
                tx.flush_recordset()
        except errors.UniqueViolation:
            _logger.info("Charge %s skipped: already made by another worker", vals.get("reference"))
            return Transaction.browse()
        Move._billing_commit()
        try:
            with self.env.cr.savepoint():
                tx._send_payment_request()
        except UserError as error:
            # The provider could not be asked (or did not answer): the card may
            # or may not have been charged. The charge stays open and blocks any
            # other until the provider's notification or staff settle it.
            _logger.warning("Charge %s could not be sent to the provider", tx.reference)
            log_on._billing_charge_not_sent(tx, error)
            Move._billing_commit()
            return tx
        if tx.state in ("done", *AUTOPAY_DECLINED_STATES) and not tx.is_post_processed:
            tx._post_process()
        Move._billing_commit()
        return tx

    def _post_process(self):
        declined = self.filtered(
            lambda tx: tx.billing_autopay_move_id and tx.state in AUTOPAY_DECLINED_STATES and not tx.is_post_processed
        )
        res = super()._post_process()
        for tx in declined:
            move = tx.billing_autopay_move_id
            with move._billing_transition():
                move._billing_autopay_declined(tx)
        return res
