from odoo import api, fields, models
from odoo.exceptions import UserError

from .account_move_seal import billing_transition

INVOICE_BATCH_SIZE = 100


class PracticeCharge(models.Model):
    _name = "practice.charge"
    _description = "Family Charge"
    _inherit = ["parent_billing.protected.mixin", "parent_billing.rated.mixin"]
    _order = "date, id"
    _rec_name = "name"

    client_id = fields.Many2one("practice.client", required=True, index=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Parent",
        readonly=True,
        index=True,
        help="The account billed for this charge: the client's responsible parent, or one of its guardians "
        "(their share). Set when the charge is made; frozen once invoiced.",
    )
    share_percent = fields.Float(
        string="Share (%)",
        digits=(5, 2),
        readonly=True,
        help="For a client with guardians: the guardian's share of the session or patient responsibility this "
        "charge bills. Empty for a client billed to one responsible parent.",
    )
    session_id = fields.Many2one("practice.session", index=True, ondelete="restrict")
    claim_id = fields.Many2one("practice.claim", index=True, ondelete="restrict")
    date = fields.Date(required=True, default=fields.Date.context_today)
    product_id = fields.Many2one("product.product", string="Service", domain=[("type", "=", "service")])
    service_code = fields.Char(related="product_id.default_code", string="Code")
    name = fields.Char(
        string="Description", compute="_compute_name", store=True, readonly=False, precompute=True, required=True
    )
    units = fields.Float(required=True, default=1.0, digits="Product Unit of Measure")
    unit_price = fields.Monetary(string="Rate", required=True, aggregator=None)
    amount = fields.Monetary(
        string="Total",
        compute="_compute_amount",
        store=True,
        readonly=False,
        help="Units times rate; a guardian's share is given when the charge is made.",
    )
    state = fields.Selection(
        [("unbilled", "Unbilled"), ("invoiced", "Invoiced")],
        default="unbilled",
        required=True,
        index=True,
        readonly=True,
    )
    move_line_id = fields.Many2one("account.move.line", string="Invoice Line", readonly=True, copy=False, index=True)
    move_id = fields.Many2one(related="move_line_id.move_id", string="Invoice")
    company_id = fields.Many2one(related="client_id.company_id", store=True, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")

    @api.depends("product_id", "claim_id")
    def _compute_name(self):
        for charge in self:
            if not charge.name:
                charge.name = charge.product_id.name or self.env._("Charge")

    @api.depends("units", "unit_price", "currency_id")
    def _compute_amount(self):
        # a guardian's share of the whole is given when the charge is made
        for charge in self.filtered(lambda c: not c.share_percent):
            charge.amount = charge._billing_rated_amount()

    def _billing_rated_errors(self):
        return (
            self.env._("Charge units must be above zero (got %s).", self.units),
            self.env._("A charge rate cannot be negative (got %s).", self.unit_price),
        )

    # ------------------------------------------------------------------
    # Routing: who is billed for a charge
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        return super().create(self._billing_route_vals(vals_list))

    @api.model
    def _billing_route_vals(self, vals_list):
        """The charges to make for ``vals_list``: a charge of a client with
        guardians becomes one charge per guardian in effect on its date, each
        with its share of the amount (``practice.client._billing_split``); a
        charge of a client without guardians is billed to its responsible
        parent. Values that already say who is billed are kept as they are.

        :raise UserError: no guardian in effect on the date, or their shares
            not adding up to 100
        """
        routed = []
        # read the clients and their guardians together, not one charge at a time
        client_ids = list({vals["client_id"] for vals in vals_list if vals.get("client_id")})
        for vals in vals_list:
            if vals.get("partner_id") or vals.get("share_percent") or not vals.get("client_id"):
                routed.append(vals)
                continue
            client = self.env["practice.client"].browse(vals["client_id"]).with_prefetch(client_ids)
            if not client.guardian_ids:
                routed.append({**vals, "partner_id": client.partner_id.id})
                continue
            charge_date = fields.Date.to_date(vals.get("date")) or fields.Date.context_today(self)
            amount = vals.get("amount")
            if amount is None:
                amount = client.currency_id.round(vals.get("units", 1.0) * (vals.get("unit_price") or 0.0))
            routed += [
                {
                    **vals,
                    "date": charge_date,
                    "partner_id": guardian.partner_id.id,
                    "share_percent": guardian.share_percent,
                    "amount": share,
                }
                for guardian, share in client._billing_split(amount, charge_date)
            ]
        return routed

    def write(self, vals):
        if not self.env.context.get("billing_charge_routing"):
            if "client_id" in vals and not {"partner_id", "share_percent"}.intersection(vals):
                # A charge moved to another client is billed to that client's responsible parent.
                client = self.env["practice.client"].browse(vals["client_id"])
                if client.guardian_ids and self.filtered(lambda c: c.client_id != client):
                    raise UserError(
                        self.env._(
                            "%(client)s has guardians who each pay a share: add the charge as a new one for "
                            "%(client)s instead of moving it.",
                            client=client.name,
                        )
                    )
                if not self.filtered("share_percent"):
                    vals = {**vals, "partner_id": client.partner_id.id}
                    self = self.with_context(billing_charge_routing=True)  # noqa: PLW0642
                    return self.write(vals)
            if {"partner_id", "share_percent"}.intersection(vals):
                raise UserError(
                    self.env._(
                        "Who is billed for a charge is set when it is made, from the client's responsible parent "
                        "or guardians; it cannot be changed on the charge."
                    )
                )
            if self.filtered("share_percent") and {"client_id", "date", "units", "unit_price", "amount"}.intersection(
                vals
            ):
                raise UserError(
                    self.env._(
                        "A guardian's share of a charge is split when the session is finalized or the claim posted; "
                        "it cannot be changed on its own."
                    )
                )
            if "amount" in vals and any(
                charge.currency_id.compare_amounts(
                    vals["amount"], vals.get("units", charge.units) * vals.get("unit_price", charge.unit_price)
                )
                for charge in self
            ):
                raise UserError(self.env._("A charge's total is its units times its rate: change those instead."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_invoiced(self):
        if invoiced := self.filtered(lambda c: c.state == "invoiced"):
            raise UserError(
                self.env._(
                    "Charge %(charge)s is on invoice %(invoice)s; remove it from the invoice first.",
                    charge=invoiced[0].name,
                    invoice=invoiced[0].move_id.display_name,
                )
            )

    def _billing_transition_fields(self):
        return {"state", "move_line_id"}

    def _billing_transition_error(self, fields, create=False):
        return self.env._("A charge is invoiced and released by the billing actions only.")

    def _billing_frozen_fields(self):
        return {"client_id", "units", "unit_price", "date", "product_id", "partner_id", "share_percent", "amount"}

    def _billing_frozen_records(self):
        return self.filtered(lambda charge: charge.state == "invoiced")

    def _billing_frozen_error(self, records, fields):
        return self.env._("An invoiced charge cannot be changed; edit its draft invoice line instead.")

    # ------------------------------------------------------------------
    # Invoicing
    # ------------------------------------------------------------------
    @billing_transition
    def _create_invoices(self, due_date=None, notes=None):
        """Create one draft family invoice per client and billed parent (the
        responsible parent, or each guardian) from these charges.

        :param due_date: date the invoices are due; default today plus the
            company's billing payment terms
        :param notes: text printed on the PDF and shown in the portal
        :return: the ``account.move`` records created
        """
        if not self:
            raise UserError(self.env._("Select at least one unbilled charge to invoice."))
        self._billing_lock()
        self._check_can_invoice()
        today = fields.Date.context_today(self)
        if due_date:
            due_date = fields.Date.to_date(due_date)
            if due_date < today:
                raise UserError(
                    self.env._("The due date %(due)s is before the invoice date %(today)s.", due=due_date, today=today)
                )
        charge_ids_by_key = {}  # (client, billed parent) -> charge ids
        for charge in self:
            charge_ids_by_key.setdefault((charge.client_id.id, charge.partner_id.id), []).append(charge.id)
        # The creation message of a family invoice is the note below, logged in one
        # batch per chunk (Odoo's own creation message is one message_post per invoice).
        Move = self.env["account.move"].with_context(default_move_type="out_invoice", mail_create_nolog=True)
        shared_vals, shared_line_vals = self._billing_shared_invoice_vals()
        keys = list(charge_ids_by_key)
        move_ids = []
        for start in range(0, len(keys), INVOICE_BATCH_SIZE):
            chunk = keys[start : start + INVOICE_BATCH_SIZE]
            # read the chunk's charges together, not one client at a time
            chunk_charge_ids = [charge_id for key in chunk for charge_id in charge_ids_by_key[key]]
            vals_list = [
                {
                    **self.browse(charge_ids_by_key[key])
                    .with_prefetch(chunk_charge_ids)
                    ._prepare_invoice_vals(today, due_date, notes),
                    **shared_vals,
                }
                for key in chunk
            ]
            for vals in vals_list:
                for command in vals["invoice_line_ids"]:
                    command[2].update(shared_line_vals)
            batch_moves = Move.create(vals_list)
            lines = batch_moves.invoice_line_ids.filtered("practice_charge_id")
            lines.practice_charge_id.write({"state": "invoiced"})
            for line in lines:
                line.practice_charge_id.move_line_id = line
            batch_moves._message_log_batch(
                bodies={
                    move.id: self.env._(
                        "Draft family invoice created from %s unbilled charge(s).",
                        len(charge_ids_by_key[move.practice_client_id.id, move.partner_id.id]),
                    )
                    for move in batch_moves
                }
            )
            move_ids += batch_moves.ids
            # Memory stays bounded by the chunk, whatever the size of the run.
            self.env.flush_all()
            self.env.invalidate_all()
        return self.env["account.move"].browse(move_ids)

    def _billing_shared_invoice_vals(self):
        """Values Odoo would compute once per invoice (one query each) and that
        are the same for every invoice of the run: given up front.

        :return: (invoice values, line values)
        """
        company = self.company_id
        draft = (
            self.env["account.move"].with_company(company).new({"move_type": "out_invoice", "company_id": company.id})
        )
        vals = {"journal_id": draft.journal_id.id}
        line_vals = {}
        # Without any analytic distribution model, Odoo's per-line search for one finds nothing.
        if not self.env["account.analytic.distribution.model"].sudo().search_count([], limit=1):
            line_vals["analytic_distribution"] = False
        return vals, line_vals

    def _check_can_invoice(self):
        if done := self.filtered(lambda c: c.state != "unbilled"):
            raise UserError(
                self.env._(
                    "Charge %(charge)s (%(client)s) is already on invoice %(invoice)s.",
                    charge=done[0].name,
                    client=done[0].client_id.name,
                    invoice=done[0].move_id.display_name,
                )
            )
        if orphan := self.filtered(lambda c: not c.partner_id):
            raise UserError(
                self.env._(
                    "Client %s has no responsible parent: set one on the client before invoicing.",
                    orphan[0].client_id.name,
                )
            )
        if len(self.company_id) > 1:
            raise UserError(self.env._("Charges of different practices cannot be invoiced together."))

    def _prepare_invoice_vals(self, invoice_date, due_date=None, notes=None):
        """Values of one draft invoice for these charges, all of one client and
        billed to one parent."""
        client = self.client_id
        client.ensure_one()
        self.partner_id.ensure_one()
        company = self.company_id
        return {
            "move_type": "out_invoice",
            "company_id": company.id,
            "partner_id": self.partner_id.id,
            "practice_client_id": client.id,
            "invoice_date": invoice_date,
            "invoice_date_due": due_date or company._billing_default_due_date(invoice_date),
            "invoice_payment_term_id": False,
            "narration": notes or False,
            "invoice_line_ids": [fields.Command.create(charge._prepare_invoice_line_vals()) for charge in self],
        }

    def _prepare_invoice_line_vals(self):
        self.ensure_one()
        vals = {
            "product_id": self.product_id.id,
            "name": f"{self.service_code} {self.name}" if self.service_code else self.name,
            "quantity": self.units,
            "price_unit": self.unit_price,
            "tax_ids": [fields.Command.clear()],
            "practice_charge_id": self.id,
            "practice_service_date": self.date,
        }
        if self.share_percent:
            # A guardian's share is one line of its amount: units times the
            # full rate would tell the guardian the other guardian's share.
            vals.update(quantity=1.0, price_unit=self.amount)
        return vals

    @billing_transition
    def _release(self):
        """Return charges to the unbilled queue (line removed, draft deleted, invoice voided)."""
        if self:
            self.sudo().write({"state": "unbilled", "move_line_id": False})
