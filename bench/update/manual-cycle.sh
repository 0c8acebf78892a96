#!/usr/bin/env bash
# The seeds' monthly update cycle (../shared/seeds/000_*.txt, "Monthly Update Cycle"), by hand
# with pip, as a user scripts it; what bench/update/run.sh times against `tend update`.
#
#   manual-cycle.sh PROJECT VENV TARGETS INDEX_URL
#
# PROJECT holds requirements.txt and smoke.py (the test both cycles run); VENV is the live
# environment, only read (its `pip freeze` is the backup); TARGETS names the packages to
# upgrade as name==version lines (the versions `tend update` kept, so both do the same work).
# pip's cache is wherever PIP_CACHE_DIR says (run.sh sets it). Exits non-zero when a step
# fails, as the seed's script stops there.
set -euo pipefail

project="$1"
venv="$2"
targets="$3"
index_url="$4"
cd "$project"
stamp="$(date +%Y%m%d)"

# 1. Back up the current environment.
"$venv/bin/python" -m pip freeze > "backup_requirements_$stamp.txt"

# 2. A test environment from the same interpreter.
"$venv/bin/python" -m venv monthly_update_test
# shellcheck disable=SC1091
source monthly_update_test/bin/activate

# 3. The current requirements, then the updates.
pip install -q --index-url "$index_url" -r requirements.txt
mapfile -t upgrades < "$targets"
pip install -q --index-url "$index_url" --upgrade "${upgrades[@]}"

# 4. The test suite (the project's smoke test; the same command tend's `tests` gate runs).
python smoke.py

# 5. Compatibility report.
pip check > "compatibility_report_$stamp.txt"

# 6. Tests and check passed: the new requirements.
pip freeze > "requirements_updated_$stamp.txt"
echo "monthly update successful - ready for staging deployment"
