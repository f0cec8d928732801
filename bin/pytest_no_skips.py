"""pytest hooks: a skipped test is a failure here. Odoo skips browser tours
silently when Chromium or websocket-client is missing; this run must not
pass without them."""


def pytest_sessionfinish(session, exitstatus):
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter else []
    if skipped and exitstatus == 0:
        for report in skipped:
            reporter.write_line(f"SKIPPED counts as a failure: {report.nodeid}: {report.longrepr}", red=True)
        session.exitstatus = 1
