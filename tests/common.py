import json
import re
import shutil
import subprocess
import tempfile
import unittest
from contextlib import closing, contextmanager
from datetime import date, timedelta
from pathlib import Path

from freezegun import freeze_time

from odoo import SUPERUSER_ID, Command, api, fields
from odoo.exceptions import AccessError, UserError
from odoo.sql_db import db_connect
from odoo.tests import TransactionCase
from odoo.tools import html2plaintext, mute_logger

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


# What no email, PDF name or log line to the parent may carry (see the privacy rule).
PHI_MARKERS = ("Sofia", "ABA treatment", "97153", "Tolerated transitions")
# The due date of the invoices the overdue, reminder and AR tests age.
DUE = date(2026, 3, 2)


# html2plaintext marks these with * and /: the tests read the words only.
_EMPHASIS = re.compile(r"<(/?)(?:strong|b|em|h1|h2|h3)>")


def html_text(html):
    """The words of an HTML page or email on one line, as a reader sees them
    (Odoo's ``html2plaintext``, spaces collapsed, links without their URLs)."""
    if isinstance(html, bytes):
        html = html.decode("utf-8", "replace")
    text = html2plaintext(_EMPHASIS.sub(r"<\1span>", html or ""), include_references=False)
    return " ".join(word for word in text.split() if word.strip("*"))


def ledger_balance(env, partner, company=None, as_of=None):
    """The parent's balance in Odoo's partner ledger: posted receivable items
    of ``company`` (any company if not given), dated up to ``as_of`` if given."""
    domain = [
        ("partner_id", "=", partner.commercial_partner_id.id),
        ("parent_state", "=", "posted"),
        ("account_id.account_type", "=", "asset_receivable"),
    ]
    if company:
        domain.append(("company_id", "=", company.id))
    if as_of:
        domain.append(("date", "<=", as_of))
    lines = env["account.move.line"].search(domain)
    return (company or env.company).currency_id.round(sum(lines.mapped("balance")))


def billing_ar(env, partner, as_of=None):
    """The parent's open amount in the Billing AR report (as of ``as_of``)."""
    # rows are keyed by invoice: drop what an earlier "as of" put in the cache
    env["practice.ar.aging"].invalidate_model()
    Report = env["practice.ar.aging"].with_context(billing_as_of=as_of) if as_of else env["practice.ar.aging"]
    rows = Report.search([("partner_id", "=", partner.commercial_partner_id.id)])
    return env.company.currency_id.round(sum(rows.mapped("amount_residual")))


def pay_now_transaction(
    env, provider, moves, amount=None, method="payment_demo.payment_method_demo", operation="online_direct"
):
    """What Pay now does: a ``provider`` transaction on ``moves``, for their
    balance unless ``amount`` is given (``method``: a payment method's xmlid)."""
    return (
        env["payment.transaction"]
        .sudo()
        .create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref(method).id,
                "amount": sum(moves.mapped("billing_amount_due")) if amount is None else amount,
                "currency_id": moves[:1].currency_id.id,
                "partner_id": moves[:1].partner_id.id,
                "operation": operation,
                "invoice_ids": [Command.set(moves.ids)],
            }
        )
    )


def demo_card(env, provider, partner, state="done", digits="4242"):
    """A card saved by ``partner`` with the demo ``provider``; every charge on
    it ends in ``state`` (done: accepted, error: declined, pending)."""
    return (
        env["payment.token"]
        .sudo()
        .create(
            {
                "provider_id": provider.id,
                "payment_method_id": env.ref("payment_demo.payment_method_demo").id,
                "partner_id": partner.id,
                "payment_details": digits,
                "provider_ref": f"demo-{digits}",
                "demo_simulated_state": state,
            }
        )
    )


def abandon_transaction(env, tx):
    """Date ``tx`` in 2000: a click abandoned long ago, not a live charge."""
    env.cr.execute("UPDATE payment_transaction SET create_date = '2000-01-01' WHERE id = %s", [tx.id])
    tx.invalidate_recordset(["create_date"])


class JsonRpcMixin:
    """Real JSON-RPC calls for an HttpCase, as the browser or a script logged
    in with ``authenticate`` sends them. Core's ``make_jsonrpc_request`` keeps
    only the error's class, these tests read its message too."""

    def _jsonrpc(self, url, params):
        """The raw JSON-RPC answer: ``result`` or ``error`` (refusals not logged)."""
        payload = {"jsonrpc": "2.0", "method": "call", "id": 1, "params": params}
        with mute_logger("odoo.http"):
            response = self.url_open(url, data=json.dumps(payload), headers={"Content-Type": "application/json"})
        return response.json()

    def _call(self, model, method, args, kwargs=None):
        """One call_kw call; returns the decoded response (result or error)."""
        params = {"model": model, "method": method, "args": args, "kwargs": kwargs or {}}
        return self._jsonrpc(f"/web/dataset/call_kw/{model}/{method}", params)

    def _rpc(self, model, method, args, kwargs=None):
        answer = self._call(model, method, args, kwargs)
        self.assertNotIn("error", answer, answer.get("error", {}).get("data", {}).get("message"))
        return answer["result"]

    def _refused(self, model, method, args, kwargs=None, match=""):
        """The call fails with a clear error (UserError, AccessError, ValidationError) saying ``match``."""
        answer = self._call(model, method, args, kwargs)
        self.assertIn("error", answer, f"{model}.{method} {args} was accepted")
        error = answer["error"]["data"]
        self.assertIn(
            error["name"],
            ("odoo.exceptions.UserError", "odoo.exceptions.AccessError", "odoo.exceptions.ValidationError"),
            error["message"],
        )
        self.assertIn(match, error["message"])
        return error["message"]


class CollectionRunsMixin:
    """A flat 10.00 late fee five days past due, the Rivera and Chen parents in
    the user's language, and ``_daily(day)``: the daily runs of ``day`` as
    scheduled (overdue with late fees, reminders, autopay)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.parent_rivera.lang = cls.parent_chen.lang = cls.env.user.lang
        cls.company.write(
            {"billing_late_fee_type": "flat", "billing_late_fee_amount": 10.0, "billing_late_fee_days": 5}
        )

    def _daily(self, day):
        with freeze_time(day):
            for run in self._daily_runs():
                run()
        self.env.invalidate_all()

    def _daily_runs(self):
        Move = self.env["account.move"]
        return [Move._cron_billing_overdue, Move._cron_billing_reminders, Move._cron_billing_autopay]


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

    @classmethod
    def _portal_family_users(cls):
        """Portal logins for Maria (the Riveras) and David (the Chens), and
        for Jose, a second contact under Maria's record."""
        cls.user_maria = cls._portal_user("maria", cls.parent_rivera)
        cls.user_david = cls._portal_user("david", cls.parent_chen)
        cls._portal_second_contact()

    @classmethod
    def _portal_second_contact(cls):
        """Jose, a second contact under Maria's record (same commercial
        partner), with his own portal login."""
        cls.jose = cls.env["res.partner"].create(
            {"name": "Jose Rivera", "email": "jose@example.com", "parent_id": cls.parent_rivera.id, "type": "contact"}
        )
        cls.user_jose = cls._portal_user("jose", cls.jose)

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

    def _invoice_due(self, due=DUE, client=None, units=2.0, count=2, **kwargs):
        """A sent invoice (4 x 32.50 = 130.00 by default) dated 30 days before ``due``."""
        move = self._draft_invoice(client=client, units=units, count=count, **kwargs)
        move.write({"invoice_date": due - timedelta(days=30), "invoice_date_due": due})
        move.action_billing_send()
        self.assertEqual(move.billing_state, "sent")
        return move

    def _draft_paid_voided(self, method="check", reference="1001"):
        """Three invoices due on DUE that no run may touch: a draft, one paid
        in full before it fell due and a voided one."""
        draft = self._draft_invoice()
        draft.write({"invoice_date": DUE - timedelta(days=30), "invoice_date_due": DUE})
        paid = self._invoice_due()
        paid._billing_register_payment(130.0, DUE - timedelta(days=5), method, reference)
        voided = self._invoice_due()
        voided._billing_void("duplicate")
        return draft, paid, voided

    def _demo_pay_params(self, provider, amount, landing_route, **extra):
        """What a portal payment form posts for a new demo card (Pay now, pay ahead)."""
        return {
            "provider_id": provider.id,
            "payment_method_id": self.env.ref("payment_demo.payment_method_demo").id,
            "token_id": None,
            "amount": amount,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": landing_route,
            **extra,
        }

    def _demo_transaction(self, provider, moves, amount):
        """What Pay now does with Odoo's demo provider: a transaction on ``moves``."""
        return pay_now_transaction(self.env, provider, moves, amount)

    def _abandon(self, tx):
        """Date ``tx`` over 30 minutes back: an abandoned click, no longer a
        payment in flight (staff may then record the money by hand)."""
        abandon_transaction(self.env, tx)

    def _demo_card(self, provider, partner, state="done", digits="4242"):
        """A card saved by ``partner`` with the demo provider; every charge on
        it ends in ``state`` (done: accepted, error: declined, pending)."""
        return demo_card(self.env, provider, partner, state, digits)

    def _receivable_balance(self, partner, as_of=None):
        """The parent's balance in Odoo's partner ledger (posted receivable items)."""
        return ledger_balance(self.env, partner, self.company, as_of)

    def _billing_ar(self, partner, as_of=None):
        return billing_ar(self.env, partner, as_of)

    def _pdf_text(self, pdf):
        """The words of a PDF as pdftotext lays them out, on one line."""
        if not shutil.which("pdftotext"):
            self.fail("pdftotext is missing: apt-get install poppler-utils")
        self.assertTrue(pdf.startswith(b"%PDF"))
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp, "document.pdf")
            path.write_bytes(pdf)
            return re.sub(r"\s+", " ", subprocess.check_output(["pdftotext", "-layout", str(path), "-"]).decode())

    def assertMoneyAgrees(self, partner, amount):
        """The parent's partner ledger and Billing AR both say ``amount``."""
        self.assertEqual(self._receivable_balance(partner), amount, "partner ledger")
        self.assertEqual(self._billing_ar(partner), amount, "Billing AR")

    def assertAccountMoney(self, account, ledger, invoices_due=None):
        """Per account: its partner ledger and Billing AR say ``ledger``, and
        its family invoices' balances add up to ``invoices_due`` (``ledger``
        unless the account holds an unapplied credit)."""
        self.env.invalidate_all()
        moves = self.env["account.move"].search(
            self.env["account.move"]._billing_family_domain()
            + [("commercial_partner_id", "=", account.commercial_partner_id.id), ("state", "=", "posted")]
        )
        due = self.currency.round(sum(moves.mapped("billing_amount_due")))
        self.assertEqual(self._receivable_balance(account), ledger, f"ledger of {account.name}")
        self.assertEqual(due, ledger if invoices_due is None else invoices_due, f"invoices of {account.name}")
        self.assertEqual(self._billing_ar(account), ledger, f"Billing AR of {account.name}")

    def assertManagerWithReason(self, record, method, reason):
        """``record.<method>(reason)`` is refused to a billing user, refused to
        a manager without a reason, and done by a manager with ``reason``."""
        with self.assertRaises(AccessError):
            getattr(record.with_user(self.billing_user), method)(reason)
        with self.assertRaisesRegex(UserError, "requires a reason"):
            getattr(record.with_user(self.billing_manager), method)("  ")
        getattr(record.with_user(self.billing_manager), method)(reason)

    def assertPrivacyMinimal(self, mail, move, amount="130.00"):
        """The email to the parent names no child, service, code or note; it
        says the invoice number, the amount, the due date and the portal link."""
        subject, body = mail.subject, html_text(mail.body_html)
        for marker in PHI_MARKERS:
            self.assertNotIn(marker, subject, f"{marker!r} in the email subject")
            self.assertNotIn(marker, body, f"{marker!r} in the email body")
        self.assertIn(move.name, body)
        self.assertIn(amount, body)
        self.assertIn(self.env["ir.qweb.field.date"].value_to_html(move.invoice_date_due, {}), body)
        self.assertIn(f"/my/invoices/{move.id}?access_token={move.access_token}", mail.body_html)
        return body


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
        self._cleanup_committed(self._remove_family, ids)
        return ids

    def _cleanup_committed(self, remove, ids):
        """When the test ends, run ``remove(env, ids)`` on a second connection
        with the seal open, and commit: test cleanup of what the test committed."""

        def cleanup():
            with self._connection() as env, env["account.move"]._billing_transition():
                remove(env, ids)
                env.cr.commit()  # pylint: disable=invalid-commit

        self.addCleanup(cleanup)

    def _remove_family(self, env, ids):
        parent = env["res.partner"].browse(ids["parent"])
        env["account.payment.register"].search([("partner_id", "=", parent.id)]).unlink()
        self._remove_payments(env, parent)
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

    @staticmethod
    def _remove_payments(env, parent):
        """Test cleanup: the parent's payments and transactions."""
        payments = env["account.payment"].search([("partner_id", "=", parent.id)])
        payments.action_draft()
        payments.unlink()
        env["payment.transaction"].search([("partner_id", "=", parent.id)]).unlink()
