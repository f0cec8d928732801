"""Billing run and bulk send throughput, for ``bin/bench``.

``bench_batch(env, n)`` runs in an ``odoo shell`` on a fresh database without
demo data (it commits: the caller drops the database afterwards). It makes
2 x ``n`` private-pay families (one child, 4 unbilled charges each), then:

- billing run: a ``practice.billing.run`` over the first ``n`` clients,
  processed by its scheduled action (a transaction per batch of clients),
  against the baseline of the same invoices made by one
  ``practice.charge._create_invoices()`` call on the other ``n`` clients
  (Create Invoice with every client ticked, while the clerk waits);
- bulk send: the run's ``n`` drafts queued with ``action_billing_send_batch()``
  and sent by ``_cron_billing_send_batch()`` (post, real PDF through
  wkhtmltopdf, email queued, a transaction per invoice), against the baseline
  of one-at-a-time ``action_billing_send()`` on the other ``n`` drafts, one
  transaction each (a clerk clicking Send on every invoice).

Returns rows ``{"figure", "value", "unit", "baseline", "target"}``.

``bench_send_workers(env, n, odoo_args)`` is the scale-out figure: ``n``
queued drafts drained by one ``_cron_billing_send_batch()`` process, then
``n`` others by two such processes at once on the same database (each a
separate Python process with its own connection, as two Odoo servers or two
cron threads; timed from when all have loaded Odoo), and checks each invoice was sent exactly once (posted, not
pending, one PDF, one email).

Usage from a shell::

    import sys; sys.path.insert(0, "bin")
    from bench_batch import bench_batch
    for row in bench_batch(env, 1000): print(row)
"""

import os
import subprocess
import sys
import time

CHARGES_PER_CLIENT = 4


def bench_families(env, n, tag):
    """``n`` private-pay families, a parent (with an email) and one child
    each; returns the parents and the children."""
    parents = env["res.partner"].create(
        [{"name": f"Bench {tag} parent {i}", "email": f"bench-{tag}-{i}@example.com"} for i in range(n)]
    )
    clients = env["practice.client"].create(
        [
            {"name": f"Bench {tag} kid {i}", "partner_id": parent.id, "bill_to_mode": "client"}
            for i, parent in enumerate(parents)
        ]
    )
    return parents, clients


def _families(env, product, n, tag):
    _parents, clients = bench_families(env, n, tag)
    sessions = env["practice.session"].create(
        [
            {"client_id": client.id, "product_id": product.id, "units": 2.0}
            for client in clients
            for _k in range(CHARGES_PER_CLIENT)
        ]
    )
    sessions.action_finalize()
    return clients


def _timed(env, fn):
    start = time.perf_counter()
    result = fn()
    env.flush_all()
    env.cr.commit()
    return time.perf_counter() - start, result


SEND_SAMPLE = 200


def bench_batch(env, n):
    from odoo import fields  # noqa: PLC0415 - imported inside the Odoo shell

    product = env["product.product"].create(
        {"name": "Bench service", "type": "service", "list_price": 37.5, "taxes_id": False}
    )
    # Warm-up: the first invoice and the first Send of a fresh database fill
    # Odoo's caches (sequences, views, report assets); neither side pays for it.
    warm_up = _families(env, product, 1, "warm-up")
    env["practice.charge"].search([("client_id", "in", warm_up.ids)])._create_invoices().action_billing_send()
    run_clients = _families(env, product, n, "run")
    base_clients = _families(env, product, n, "base")
    env.cr.commit()

    # Billing run: started as from the wizard, processed by its cron.
    def billing_run():
        run = env["practice.billing.run"].create(
            {
                "company_id": env.company.id,
                "date_to": fields.Date.context_today(env["practice.billing.run"]),
                "client_ids": [fields.Command.set(run_clients.ids)],
            }
        )
        run.action_start()
        env["practice.billing.run"]._cron_billing_run()
        return run

    t_run, run = _timed(env, billing_run)
    run_moves = run.line_ids.move_id
    assert len(run_moves) == n and run.state == "done", (len(run_moves), run.state)

    base_charges = env["practice.charge"].search([("client_id", "in", base_clients.ids), ("state", "=", "unbilled")])
    t_create, base_moves = _timed(env, base_charges._create_invoices)
    assert len(base_moves) == n

    # Bulk send: queue, then the cron sends each invoice in its own transaction.
    # Sending is PDF-bound (about 0.3 s of CPU per invoice): a sample of the
    # run's drafts gives the throughput without a half-hour bench.
    send_n = min(n, SEND_SAMPLE)
    run_moves = run_moves[:send_n]
    base_moves = base_moves[:send_n]

    def bulk_send():
        run_moves.action_billing_send_batch()
        env["account.move"]._cron_billing_send_batch()

    t_send, _result = _timed(env, bulk_send)
    run_moves.invalidate_recordset()
    assert set(run_moves.mapped("billing_state")) == {"sent"}, set(run_moves.mapped("billing_state"))

    def one_at_a_time():
        for move in base_moves:
            move.action_billing_send()
            env.cr.commit()

    t_single, _result = _timed(env, one_at_a_time)
    queued_mails = env["mail.mail"].search_count(
        [("model", "=", "account.move"), ("res_id", "in", (run_moves | base_moves).ids)]
    )
    assert queued_mails == 2 * send_n, queued_mails  # one email per invoice, none twice

    return [
        {
            "figure": f"billing run, {n} families x {CHARGES_PER_CLIENT} charges (background, batches of clients)",
            "value": round(n / t_run, 2),
            "unit": "invoices/s",
            "baseline": round(n / t_create, 2),
            "target": "baseline: one _create_invoices call for all clients; within 1.2x of it",
        },
        {
            "figure": f"bulk send, {send_n} of the {n} drafts (queued, cron, PDF + email, one transaction each)",
            "value": round(send_n / t_send, 2),
            "unit": "invoices/s",
            "baseline": round(send_n / t_single, 2),
            "target": "baseline: one-at-a-time Send; at least as fast",
        },
        {
            "figure": "billing run wall time",
            "value": round(t_run, 2),
            "unit": "s",
            "baseline": round(t_create, 2),
            "target": "report",
        },
        {
            "figure": "bulk send wall time",
            "value": round(t_send, 2),
            "unit": "s",
            "baseline": round(t_single, 2),
            "target": "report",
        },
    ]


def _drain(dbname, odoo_args):
    """One worker process: the bulk send cron's method, committing as the cron does."""
    import odoo  # noqa: PLC0415 - a separate process started by bench_send_workers
    from odoo import SUPERUSER_ID, api  # noqa: PLC0415
    from odoo.tools import config  # noqa: PLC0415

    config.parse_config([*odoo_args, "--log-level=warn"])
    registry = odoo.modules.registry.Registry(dbname)
    # Loading the registry is not sending: the workers start together once all are loaded.
    print("ready", flush=True)
    sys.stdin.readline()
    with registry.cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {})["account.move"]._cron_billing_send_batch()


def bench_send_workers(env, n, odoo_args, workers=2):
    """Bulk send of ``n`` drafts by one process, then of ``n`` others by
    ``workers`` processes at once; wall times, and every invoice sent once."""
    product = env["product.product"].create(
        {"name": "Bench workers service", "type": "service", "list_price": 37.5, "taxes_id": False}
    )
    warm_up = _families(env, product, 1, "workers-warm-up")
    env["practice.charge"].search([("client_id", "in", warm_up.ids)])._create_invoices().action_billing_send()
    sets = []
    for tag in ("one", "many"):
        clients = _families(env, product, n, f"workers-{tag}")
        sets.append(env["practice.charge"].search([("client_id", "in", clients.ids)])._create_invoices())
    env.cr.commit()

    def drain(moves, processes):
        moves.action_billing_send_batch()
        env.cr.commit()
        command = [sys.executable, os.path.abspath(__file__), "--drain", env.cr.dbname, *odoo_args]
        running = [
            subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            for _i in range(processes)
        ]
        for worker in running:
            assert worker.stdout.readline().strip() == "ready", "a worker did not start"
        start = time.perf_counter()
        for worker in running:
            worker.stdin.write("go\n")
            worker.stdin.flush()
        assert all(p.wait() == 0 for p in running), "a worker failed"
        elapsed = time.perf_counter() - start
        env.invalidate_all()
        _check_sent_once(env, moves)
        return elapsed

    t_one = drain(sets[0], 1)
    t_many = drain(sets[1], workers)
    return [
        {
            "figure": f"bulk send, {n} drafts, {workers} processes on one database (wall)",
            "value": round(t_many, 2),
            "unit": "s",
            "baseline": round(t_one, 2),
            "target": f"baseline: 1 process; <= 0.65x (limit on 2 cores: {1 / workers:.2f}x)",
        },
        {
            "figure": f"bulk send, {workers} processes: invoices sent exactly once (one PDF, one email)",
            "value": float(2 * n),
            "unit": "invoices",
            "baseline": None,
            "target": f"= {2 * n}",
        },
    ]


def _check_sent_once(env, moves):
    assert set(moves.mapped("billing_state")) == {"sent"}, set(moves.mapped("billing_state"))
    assert not any(moves.mapped("billing_send_pending")), "half-sent invoices left"
    for model, domain in (
        ("mail.mail", [("model", "=", "account.move")]),
        ("ir.attachment", [("res_model", "=", "account.move"), ("mimetype", "=", "application/pdf")]),
    ):
        field = "res_id"
        groups = env[model]._read_group([*domain, (field, "in", moves.ids)], [field], ["__count"])
        counts = dict(groups)
        assert sorted(counts) == sorted(moves.ids) and set(counts.values()) == {1}, (model, counts)


if __name__ == "__main__" and sys.argv[1:2] == ["--drain"]:
    _drain(sys.argv[2], [a for a in sys.argv[3:] if a != "--"])
