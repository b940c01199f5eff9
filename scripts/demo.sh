#!/usr/bin/env bash
# The main job on embedded defaults: assess the bundled example cases in the terminal, then start the
# tumour-board web app on an embedded SQLite registry seeded with a synthetic demo cohort
# (nelm-demo.sqlite). The address and the demo logins (fresh random passwords) are printed.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/nelm assess examples/cases
if [ "${NELM_DEMO_NO_SERVER:-0}" = "1" ]; then
  exit 0
fi
exec .venv/bin/nelm serve --demo
