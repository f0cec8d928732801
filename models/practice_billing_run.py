import logging

from odoo import api, fields, models
from odoo.exceptions import UserError

_logger = logging.getLogger(__name__)

RUN_BATCH_SIZE = 50  # clients per transaction in the background
RUN_SYNC_LIMIT = 20  # up to this many clients, the run is done while the clerk waits
RUN_STATES = [("draft", "Draft"), ("running", "In Progress"), ("done", "Done")]


class PracticeBillingRun(models.Model):
    """Billing run: "bill everything unbilled up to <date>" for all clients
    of a practice, or those of one bill-to mode, or chosen clients.

    ``action_start()`` fixes the clients in scope (one line each). Small runs
    are done at once; larger ones by a scheduled action triggered at once,
    which commits each batch of clients and reports progress (the run's form
    shows clients done / total). A client with guardians has a line per
    guardian. Every draft comes from
    ``practice.charge._create_invoices()``, as Create Invoice does. Only
    unbilled charges are taken, row-locked first, so a second run, a clerk's
    Create Invoice or a second worker at the same moment bill nothing twice.
    """

    _name = "practice.billing.run"
    _inherit = ["parent_billing.background.run.mixin"]
    _description = "Billing Run"
    _order = "id desc"

    company_id = fields.Many2one(
        "res.company", string="Practice", required=True, readonly=True, default=lambda self: self.env.company
    )
    date_to = fields.Date(string="Charges Up To", required=True, readonly=True)
    bill_to_mode = fields.Selection(
        lambda self: self.env["practice.client"]._fields["bill_to_mode"].selection,
        string="Bill-to",
        readonly=True,
        help="Only clients of this bill-to mode; empty: all.",
    )
    client_ids = fields.Many2many("practice.client", string="Chosen Clients", readonly=True, help="Empty: all clients.")
    due_date = fields.Date(readonly=True, help="Empty: each invoice is due after the practice's payment terms.")
    notes = fields.Html(readonly=True)
    state = fields.Selection(RUN_STATES, string="Status", required=True, readonly=True, default="draft")
    line_ids = fields.One2many("practice.billing.run.line", "run_id", string="Clients in the Run", readonly=True)
    client_total = fields.Integer(string="Clients", compute="_compute_counts")
    client_done = fields.Integer(string="Clients Done", compute="_compute_counts")
    created_count = fields.Integer(string="Invoices Created", compute="_compute_counts")
    skipped_count = fields.Integer(string="Clients Skipped", compute="_compute_counts")
    progress = fields.Float(compute="_compute_counts", help="Share of the clients already processed, in percent.")

    @api.depends("line_ids.state")
    def _compute_counts(self):
        counts = self._billing_run_counts("practice.billing.run.line", "run_id", "pending", "created")
        for run, (_pending, created, skipped, total, progress) in counts.items():
            run.update(
                {
                    "client_total": total,
                    "client_done": created + skipped,
                    "created_count": created,
                    "skipped_count": skipped,
                    "progress": progress,
                }
            )

    # ------------------------------------------------------------------
    # Scope
    # ------------------------------------------------------------------
    def _get_client_domain(self):
        self.ensure_one()
        domain = [("company_id", "=", self.company_id.id)]
        if self.bill_to_mode:
            domain.append(("bill_to_mode", "=", self.bill_to_mode))
        if self.client_ids:
            domain.append(("id", "in", self.client_ids.ids))
        return domain

    def _get_charge_domain(self, clients=None):
        """The unbilled charges this run bills (of ``clients`` when given)."""
        self.ensure_one()
        domain = [
            ("state", "=", "unbilled"),
            ("company_id", "=", self.company_id.id),
            ("date", "<=", self.date_to),
        ]
        if clients is not None:
            return [*domain, ("client_id", "in", clients.ids)]
        return [*domain, ("client_id", "any", self._get_client_domain())]

    def _get_scope(self):
        """The (client, billed parent) pairs of this run, one invoice each:
        those of the unbilled charges up to its date, and every client chosen
        by name with its responsible parent (even with nothing to bill, so
        the summary says so)."""
        self.ensure_one()
        Charge = self.env["practice.charge"]
        pairs = set(Charge._read_group(self._get_charge_domain(), ["client_id", "partner_id"]))
        if self.client_ids:
            billed = {client for client, _partner in pairs}
            for client in self.env["practice.client"].search(self._get_client_domain()):
                if client not in billed:
                    pairs.add((client, client.partner_id))
        return sorted(pairs, key=lambda pair: (pair[0].id, pair[1].id or 0))

    # ------------------------------------------------------------------
    # Run
    # ------------------------------------------------------------------
    def action_start(self):
        """Fix the clients in scope, then bill them: at once for a small
        run, else in the background. Opens the run (progress, summary)."""
        self.ensure_one()
        if self.state != "draft":
            raise UserError(self.env._("Billing run %(run)s has already started.", run=self.name))
        scope = self._get_scope()
        self.sudo().write(
            {
                "state": "running",
                "line_ids": [
                    fields.Command.create({"client_id": client.id, "partner_id": partner.id})
                    for client, partner in scope
                ],
            }
        )
        if len(scope) <= RUN_SYNC_LIMIT:
            self._billing_process(commit=False)
        else:
            self.env.ref("parent_billing.ir_cron_practice_billing_run").sudo()._trigger()
        return self._get_form_action()

    def _get_form_action(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Billing Run"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    @api.model
    def _cron_billing_run(self, batch_size=RUN_BATCH_SIZE):
        """Work through the runs in progress, a batch of clients per
        transaction (committed outside tests)."""
        for run in self.sudo().search([("state", "=", "running")], order="id"):
            run._billing_process(batch_size=batch_size, commit=True)
        return True

    def _billing_process(self, batch_size=RUN_BATCH_SIZE, commit=True):
        """Bill the waiting clients of this run, as the clerk who started it.
        Lines another worker holds are left to it."""
        self.ensure_one()
        run = self.sudo()
        Line = self.env["practice.billing.run.line"].sudo()
        pending = [("run_id", "=", run.id), ("state", "=", "pending")]
        busy = Line.browse()
        done = 0
        while lines := Line.search([*pending, ("id", "not in", busy.ids)], limit=batch_size):
            locked = lines._billing_try_lock().filtered(lambda l: l.state == "pending")
            busy |= lines - locked
            if locked:
                run._billing_invoice_lines(locked)
                done += len(locked)
            if commit:
                self.env["account.move"]._billing_commit_batch(done, Line.search_count(pending))
        if not Line.search_count(pending):
            run.state = "done"
            _logger.info(
                "Billing run %s: %d invoice(s) created, %d client(s) skipped",
                run.name,
                run.created_count,
                run.skipped_count,
            )
            if commit:
                self.env["account.move"]._billing_commit_batch(done, 0)

    def _billing_invoice_lines(self, lines):
        """One draft per client and billed parent of these (locked, waiting) lines."""
        self.ensure_one()
        charges_env = self.env["practice.charge"].with_user(self.create_uid).with_company(self.company_id)
        charges = charges_env.search(self._get_charge_domain(lines.client_id))
        locked = charges._billing_try_lock().filtered(lambda c: c.state == "unbilled")
        results = {}  # line -> (move, reason)
        to_bill = charges_env
        for line in lines:
            client = line.client_id
            mine = charges.filtered(
                lambda c, line=line: c.client_id == line.client_id and c.partner_id == line.partner_id
            )
            if not mine:
                results[line] = (
                    False,
                    self.env._(
                        "%(client)s has nothing unbilled up to %(date)s.", client=client.name, date=self.date_to
                    ),
                )
            elif not line.partner_id:
                results[line] = (
                    False,
                    self.env._(
                        "%(client)s has no responsible parent: set one on the client, then run the billing again.",
                        client=client.name,
                    ),
                )
            elif mine - locked:
                results[line] = (
                    False,
                    self.env._(
                        "The charges of %(client)s were being invoiced by another user or run at the same time; "
                        "run the billing again to pick up anything left.",
                        client=client.name,
                    ),
                )
            else:
                to_bill |= mine
        if to_bill:
            try:
                with self.env.cr.savepoint():
                    moves = to_bill._create_invoices(due_date=self.due_date, notes=self.notes)
            except UserError:
                # One client's problem must not cost the others their invoice: one by one.
                moves = self.env["account.move"]
                for line in lines.filtered(lambda l: l not in results):
                    mine = to_bill.filtered(
                        lambda c, line=line: c.client_id == line.client_id and c.partner_id == line.partner_id
                    )
                    try:
                        with self.env.cr.savepoint():
                            moves |= mine._create_invoices(due_date=self.due_date, notes=self.notes)
                    except UserError as error:
                        results[line] = (False, error.args[0])
            for move in moves:
                line = lines.filtered(
                    lambda l, move=move: l.client_id == move.practice_client_id and l.partner_id == move.partner_id
                )
                results[line] = (move, False)
        for line, (move, reason) in results.items():
            line.write(
                {"state": "created" if move else "skipped", "move_id": move and move.id, "reason": reason or False}
            )

    def action_open_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.account_move_action_family_invoices")
        action["domain"] = [("id", "in", self.line_ids.move_id.ids)]
        return action
