# shellcheck shell=bash
# Sourced by bin/test: the addon installs with demo data (the demo walks the
# whole workflow: send, PDF, payments, void, late fees) and uninstalls cleanly.
install_check() {
    local db="${DB}_demo" log="$PB_LOCAL/install-check-$DB.log"
    say "install check: parent_billing with demo data into $db"
    drop_db "$db"
    odoo_bin -d "$db" -i parent_billing --stop-after-init --log-level=warn "--logfile=$log" \
        || { drop_db "$db"; die "installing with demo data failed; see $log"; }
    say "install check: uninstalling parent_billing"
    odoo_bin shell -d "$db" --no-http --log-level=warn "--logfile=$log" <<'PY' \
        || { drop_db "$db"; die "uninstalling parent_billing failed; see $log"; }
env["ir.module.module"].search([("name", "=", "parent_billing")]).button_immediate_uninstall()
env.cr.commit()
PY
    local left
    left=$("$(pg_bin)/psql" -h 127.0.0.1 -p "$PB_PGPORT" -U "$PB_PGUSER" -d "$db" -tAc "
        SELECT (SELECT count(*) FROM ir_model WHERE model LIKE 'practice.%')
             + (SELECT count(*) FROM information_schema.columns
                 WHERE table_name = 'account_move' AND column_name IN ('practice_client_id', 'billing_state'))
             + (SELECT count(*) FROM ir_module_module WHERE name = 'parent_billing' AND state = 'installed')")
    drop_db "$db"
    [ "$left" = 0 ] || die "uninstall left $left parent_billing model(s) or column(s) behind"
    say "install check: installs with demo data and uninstalls cleanly"
}
