#!/usr/bin/env bash
# pre-commit hook (see .pre-commit-config.yaml): OCA's oca-checks-odoo-module.
# It looks for a module's manifest below the git top level only, and this
# repository's root is the module itself: the checks run on a copy of the
# tracked files in .local/oca-checks/parent_billing, paths shown as in the repo.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
copy="$root/.local/oca-checks/parent_billing"
rm -rf "$copy"
mkdir -p "$copy"
(cd "$root" && git ls-files -z --cached --others --exclude-standard | xargs -0 tar -cf -) | tar -xf - -C "$copy"
cd "$copy"
oca-checks-odoo-module "$@" __manifest__.py 2>&1 | sed "s#\.local/oca-checks/parent_billing/##g; s#$copy/##g"
