#!/usr/bin/env bash
# checkov on deploy/aws, from a virtualenv of its own (.venv-checkov): its dependencies clash with
# the pins dagster and dbt put on the project's .venv. Creates and fills that venv only when the
# pinned version is not already in it, so a second run costs only the scan.
set -euo pipefail

# Exact, never a range: each checkov release adds checks, so a newer one can fail an unchanged template.
CHECKOV_VERSION=3.3.30

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv-checkov"
MARKER="$VENV/.checkov-version"

if [[ "$(cat "$MARKER" 2>/dev/null || true)" != "$CHECKOV_VERSION" ]]; then
    [[ -x "$VENV/bin/python" ]] || "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"
    echo "$CHECKOV_VERSION" >"$MARKER"
fi

cd "$ROOT"
# --quiet: failed checks only; --compact: no code excerpts; --skip-download: no call to Prisma Cloud
# (unreachable here; only adds guideline links). checkov exits non-zero when a check fails.
exec "$VENV/bin/checkov" -d deploy/aws --framework cloudformation --quiet --compact --skip-download
