import unittest
from contextlib import closing, contextmanager

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase

from odoo.addons.account.tests.common import AccountTestInvoicingCommon


def skip_unless_installed(env, *modules):
    """Skip the test (or the class, from setUpClass) when an optional module it
    needs is not installed, as core's payment tests do for account_payment.
    ``payment_demo`` and ``payment_stripe`` are test needs, not dependencies:
    bin/test and bin/test-odoo install them (a skip fails bin/test), a bare
    ``odoo-bin -i parent_billing --test-enable`` does not."""
    states = dict(env["ir.module.module"].sudo().search([("name", "in", modules)]).mapped(lambda m: (m.name, m.state)))
    missing = [m for m in modules if states.get(m) not in ("installed", "to upgrade")]
    if missing:
        raise unittest.SkipTest(f"needs {', '.join(missing)}, which is not installed")


class BillingCommon(AccountTestInvoicingCommon):
    """A small practice: two families (the Riveras have two children), one
    insured family, three services with CPT codes, a billing user and a
    billing manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        # The accountant running the tests is also a billing manager.
        cls.env.user.groups_id |= cls.env.ref("parent_billing.parent_billing_group_manager")
        cls.currency = cls.company.currency_id
        cls.company.write(
            {
                "billing_payment_term_id": cls.env.ref("account.account_payment_term_30days").id,
                "billing_payment_instructions": "Mail check to: Bright Steps, 1 Main St.",
                "billing_invoice_footer": "Bright Steps Therapy - thank you!",
                "billing_late_fee_type": "none",
            }
        )
        cls.service_aba = cls._billing_service("ABA treatment", "97153", 32.50)
        cls.service_speech = cls._billing_service("Speech therapy", "92507", 125.00)
        cls.service_ot = cls._billing_service("Therapeutic activities", "97530", 41.25)
        cls.parent_rivera = cls._billing_parent("Maria Rivera", "maria@example.com")
        cls.parent_chen = cls._billing_parent("David Chen", "david@example.com")
        cls.payer = cls.env["res.partner"].create({"name": "Cascade Health", "is_company": True})
        cls.client_sofia = cls._billing_client("Sofia Rivera", cls.parent_rivera, "client")
        cls.client_mateo = cls._billing_client("Mateo Rivera", cls.parent_rivera, "hybrid")
        cls.client_lily = cls._billing_client("Lily Chen", cls.parent_chen, "client")
        cls.client_noah = cls._billing_client("Noah Chen", cls.parent_chen, "insurance")
        cls.billing_user = cls._billing_staff("clerk", "parent_billing.parent_billing_group_user")
        cls.billing_manager = cls._billing_staff("boss", "parent_billing.parent_billing_group_manager")

    @classmethod
    def _billing_service(cls, name, code, price):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": code,
                "type": "service",
                "list_price": price,
                "taxes_id": [Command.clear()],
            }
        )

    @classmethod
    def _billing_parent(cls, name, email):
        return cls.env["res.partner"].create({"name": name, "email": email})

    @classmethod
    def _billing_client(cls, name, parent, mode):
        return cls.env["practice.client"].create(
            {
                "name": name,
                "partner_id": parent.id,
                "bill_to_mode": mode,
                "payer_id": cls.payer.id,
                "company_id": cls.company.id,
            }
        )

    @classmethod
    def _billing_staff(cls, login, group):
        return cls.env["res.users"].create(
            {
                "name": login.title(),
                "login": login,
                "password": login,  # HttpCase tours log in with login = password
                "email": f"{login}@practice.example.com",
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [Command.set([cls.env.ref("base.group_user").id, cls.env.ref(group).id])],
            }
        )

    @classmethod
    def _portal_user(cls, login, partner):
        """A portal login for ``partner``; the password is ``<login>-pass-1234``."""
        return cls.env["res.users"].create(
            {
                "login": login,
                "password": f"{login}-pass-1234",
                "partner_id": partner.id,
                "company_id": cls.company.id,
                "company_ids": [Command.set(cls.company.ids)],
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )

    def _enable_demo_provider(self):
        """Odoo's demo payment provider for this practice: Pay now works."""
        skip_unless_installed(self.env, "payment_demo")
        provider = (
            self.env.ref("payment.payment_provider_demo")
            .sudo()
            .copy({"company_id": self.company.id, "name": "Demo (Bright Steps)"})
        )
        method = self.env.ref("payment_demo.payment_method_demo").sudo()
        method.active = True
        provider.write({"state": "test", "is_published": True, "payment_method_ids": [Command.set(method.ids)]})
        return provider

    def _sessions(self, client, service, units=1.0, dates=None, unit_price=None):
        dates = dates or [fields.Date.today()]
        vals = [{"client_id": client.id, "product_id": service.id, "units": units, "date": d} for d in dates]
        if unit_price is not None:
            for v in vals:
                v["unit_price"] = unit_price
        return self.env["practice.session"].create(vals)

    def _charges(self, client, service, units=1.0, count=1, unit_price=None):
        """Finalize ``count`` private-pay sessions and return their unbilled charges."""
        sessions = self._sessions(client, service, units, [fields.Date.today()] * count, unit_price)
        sessions.action_finalize()
        return sessions.charge_ids

    def _draft_invoice(self, client=None, service=None, units=2.0, count=2, **kwargs):
        charges = self._charges(client or self.client_sofia, service or self.service_aba, units, count)
        return charges._create_invoices(**kwargs)

    def _sent_invoice(self, **kwargs):
        move = self._draft_invoice(**kwargs)
        move.action_billing_send()
        return move

    def _mark_overdue(self, move):
        """What the overdue run does to one invoice, without running it."""
        with move._billing_transition():
            move.billing_overdue = True

    def _receivable_balance(self, partner):
        """The parent's balance in Odoo's partner ledger (posted receivable items)."""
        lines = self.env["account.move.line"].search(
            [
                ("partner_id", "=", partner.id),
                ("parent_state", "=", "posted"),
                ("account_id.account_type", "=", "asset_receivable"),
                ("company_id", "=", self.company.id),
            ]
        )
        return self.currency.round(sum(lines.mapped("balance")))


class RealConnectionsCase(TransactionCase):
    """Concurrency needs several real database connections: the test's own
    transaction is only one. Data those connections share is committed by
    ``_commit_family`` and removed again when the test ends."""

    @contextmanager
    def _connection(self):
        """A second, real connection to the test database, as superuser."""
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def _commit_family(self, name, price=50.0, sessions=1, invoice=False):
        """Commit a private-pay family: a service, a parent, a client and
        finalized sessions (unbilled charges), plus its draft invoice when
        ``invoice``. Returns their ids."""
        with self._connection() as env:
            product = env["product.product"].create(
                {"name": f"{name} service", "type": "service", "list_price": price, "taxes_id": False}
            )
            parent = env["res.partner"].create({"name": f"{name} Parent", "email": "parent@example.com"})
            client = env["practice.client"].create(
                {"name": f"{name} Kid", "partner_id": parent.id, "bill_to_mode": "client"}
            )
            records = env["practice.session"].create(
                [{"client_id": client.id, "product_id": product.id, "units": 1.0} for _i in range(sessions)]
            )
            records.action_finalize()
            ids = {
                "charges": records.charge_ids.ids,
                "sessions": records.ids,
                "client": client.id,
                "parent": parent.id,
                "product": product.id,
            }
            if invoice:
                ids["move"] = records.charge_ids._create_invoices().id
            # The other connections must see this data.
            env.cr.commit()  # pylint: disable=invalid-commit
        self.addCleanup(self._remove_family, ids)
        return ids

    def _remove_family(self, ids):
        # Test cleanup only: the seal is opened to delete what the test committed.
        with self._connection() as env, env["account.move"]._billing_transition():
            parent = env["res.partner"].browse(ids["parent"])
            env["account.payment.register"].search([("partner_id", "=", parent.id)]).unlink()
            payments = env["account.payment"].search([("partner_id", "=", parent.id)])
            payments.action_draft()
            payments.unlink()
            env["payment.transaction"].search([("partner_id", "=", parent.id)]).unlink()
            moves = env["account.move"].search([("partner_id", "=", parent.id)])
            env["mail.mail"].search([("model", "=", "account.move"), ("res_id", "in", moves.ids)]).unlink()
            moves.filtered(lambda m: m.state != "draft").button_draft()
            moves.with_context(force_delete=True).unlink()
            env["practice.charge"].browse(ids["charges"]).unlink()
            # Finalized sessions refuse deletion by design; this is test cleanup.
            env.cr.execute("DELETE FROM practice_session WHERE id IN %s", [tuple(ids["sessions"])])
            env.cr.execute("DELETE FROM practice_client WHERE id = %s", [ids["client"]])
            parent.unlink()
            env["product.product"].browse(ids["product"]).unlink()
            env.cr.commit()  # pylint: disable=invalid-commit
