from datetime import timedelta

from odoo import api, fields, models


class PracticeClient(models.Model):
    _name = "practice.client"
    _description = "Practice Client"
    _inherit = ["mail.thread"]
    _order = "name, id"

    name = fields.Char(required=True, tracking=True)
    active = fields.Boolean(default=True)
    partner_id = fields.Many2one(
        "res.partner",
        string="Responsible Parent",
        tracking=True,
        index=True,
        help="The parent billed for this client; invite them to the portal to let them pay online.",
    )
    bill_to_mode = fields.Selection(
        [("insurance", "Insurance"), ("client", "Client (private pay)"), ("hybrid", "Hybrid")],
        string="Bill-to",
        required=True,
        default="client",
        tracking=True,
        help="Insurance: finalized sessions become claims; the family is invoiced only for "
        "what the payer leaves.\nClient: finalized sessions become unbilled charges.\n"
        "Hybrid: the claim goes out first; patient responsibility becomes an unbilled charge.",
    )
    payer_id = fields.Many2one("res.partner", string="Insurance Payer", tracking=True)
    company_id = fields.Many2one("res.company", required=True, default=lambda self: self.env.company, index=True)
    currency_id = fields.Many2one(related="company_id.currency_id")
    session_ids = fields.One2many("practice.session", "client_id", string="Sessions")
    charge_ids = fields.One2many("practice.charge", "client_id", string="Charges")
    invoice_ids = fields.One2many("account.move", "practice_client_id", string="Invoices")
    unbilled_count = fields.Integer(compute="_compute_billing_figures")
    unbilled_amount = fields.Monetary(compute="_compute_billing_figures")
    invoice_count = fields.Integer(compute="_compute_billing_figures")

    @api.depends("charge_ids.state", "charge_ids.amount", "invoice_ids")
    def _compute_billing_figures(self):
        charges = {
            client.id: (count, amount)
            for client, count, amount in self.env["practice.charge"]._read_group(
                [("client_id", "in", self.ids), ("state", "=", "unbilled")], ["client_id"], ["__count", "amount:sum"]
            )
        }
        invoices = dict(
            self.env["account.move"]._read_group(
                [("practice_client_id", "in", self.ids)], ["practice_client_id"], ["__count"]
            )
        )
        for client in self:
            client.unbilled_count, client.unbilled_amount = charges.get(client.id, (0, 0.0))
            client.invoice_count = invoices.get(client, 0)

    def action_view_unbilled_charges(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.practice_charge_action_unbilled")
        action["domain"] = [("client_id", "=", self.id), ("state", "=", "unbilled")]
        action["context"] = {"default_client_id": self.id}
        return action

    def action_view_invoices(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("parent_billing.account_move_action_family_invoices")
        action["domain"] = [("practice_client_id", "=", self.id)]
        return action

    # ------------------------------------------------------------------
    # Demo
    # ------------------------------------------------------------------
    @api.model
    def _billing_load_demo(self):
        """Demo only: sessions and invoices that show every state of the
        workflow and every AR bucket, dated relative to today."""
        ref = self.env.ref
        today = fields.Date.context_today(self)
        aba, speech, ot = (
            ref("parent_billing.product_aba_97153"),
            ref("parent_billing.product_speech_92507"),
            ref("parent_billing.product_ot_97530"),
        )
        sofia, mateo, lily, noah, ava = (
            ref(f"parent_billing.client_{x}")
            for x in ("sofia_rivera", "mateo_rivera", "lily_chen", "noah_okafor", "ava_okafor")
        )
        Session = self.env["practice.session"]

        def sessions(client, product, units, days_ago):
            return Session.create(
                [
                    {
                        "client_id": client.id,
                        "product_id": product.id,
                        "units": units,
                        "date": today - timedelta(days=d),
                    }
                    for d in days_ago
                ]
            )

        # Invoices aged into each bucket: (client, days ago, days past due at today, final state)
        plan = [
            (lily, (150, 148), 100, "overdue"),  # 90+
            (ava, (100, 97), 75, "overdue"),  # 61-90
            (sofia, (70, 68), 45, "overdue"),  # 31-60
            (lily, (45, 43), 10, "overdue"),  # 0-30
            (ava, (20, 18), -10, "sent"),  # not yet due
            (sofia, (35, 33), 5, "paid"),
            (lily, (60, 58), 30, "voided"),
        ]
        for client, days, past_due, final in plan:
            batch = sessions(client, aba if client != lily else ot, 4, days)
            batch.action_finalize()
            move = batch.charge_ids._create_invoices()
            invoice_date = today - timedelta(days=max(days))
            move.write(
                {"invoice_date": invoice_date, "invoice_date_due": max(today - timedelta(days=past_due), invoice_date)}
            )
            move.action_billing_send()
            if final == "paid":
                move._billing_register_payment(move.billing_amount_due, today, "check", "Check 1042")
            elif final == "voided":
                move._billing_void("Duplicate of another invoice")
        # Apply the overdue run (and the demo's flat late fee) as the cron would.
        self.env["account.move"].with_context(billing_no_commit=True)._cron_billing_overdue()

        # Hybrid: a claim posts with patient responsibility -> unbilled charge.
        hybrid = sessions(mateo, speech, 1, (6,))
        claim = hybrid.action_finalize()
        claim.patient_responsibility = 35.0
        claim.action_post()
        # Insurance only: claim fully paid by the payer -> nothing for the family.
        sessions(noah, speech, 1, (5,)).action_finalize().action_post()
        # Unbilled private-pay charges waiting for the next billing run.
        sessions(sofia, aba, 4, (3, 2)).action_finalize()
        sessions(ava, aba, 2, (4,)).action_finalize()
        # Two drafts still editable.
        draft_sessions = sessions(lily, ot, 3, (8, 7))
        draft_sessions.action_finalize()
        draft_sessions.charge_ids._create_invoices(notes="<p>Thank you! Sessions for this week.</p>")
        second = sessions(sofia, speech, 1, (10,))
        second.action_finalize()
        second.charge_ids._create_invoices()
        # bin/run installs Odoo's demo payment provider with the demo: Pay now works end to end.
        provider = ref("payment.payment_provider_demo", raise_if_not_found=False)
        if provider and provider.module_state == "installed" and provider.state == "disabled":
            provider.write({"state": "test", "is_published": True})
