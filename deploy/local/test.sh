#!/usr/bin/env bash
# The whole suite: lint, types, unit, integration, end-to-end and browser tests.
# Starts its own Kafka, FerretDB, services and nginx on the test profile's ports, with fresh
# data, and stops them afterwards whatever happened.
set -uo pipefail
cd "$(dirname "$(readlink -f "$0")")/../.."
PY=.venv/bin/python
export CONTEST_PROFILE=${CONTEST_PROFILE:-test}
P=$CONTEST_PROFILE

cleanup() { "$PY" deploy/local/runner.py down --profile "$P" >/dev/null 2>&1 || true; }
trap cleanup EXIT

status=0
echo "== ruff";  "$PY" -m ruff check . || status=1
echo "== mypy";  "$PY" -m mypy shared services deploy bench tools || status=1

# Without arguments: the tests that need no server first (rules, use cases, the edge, contracts),
# in seconds, before anything starts; then the rest against the stack.
rest=("$@")
if [ $# -eq 0 ]; then
  echo "== unit tests (no servers)"
  "$PY" -m pytest -q -p no:cacheprovider tests/unit || status=1
  rest=(--ignore=tests/unit)
fi

"$PY" deploy/local/runner.py down --profile "$P" >/dev/null 2>&1 || true
rm -rf "var/$P"
echo "== starting the test stack (Kafka, FerretDB, services, nginx) on profile $P"
if ! "$PY" deploy/local/runner.py up --profile "$P" --no-seed; then
  echo "the test stack did not start" >&2
  exit 1
fi

echo "== pytest"
"$PY" -m pytest -q -p no:cacheprovider "${rest[@]}" || status=1

# The plain MongoDB path (store=mongodb, no FerretDB adapter) against the same FerretDB, for the
# tests it is meaningful for (marker plain_store; README: what differs between FerretDB and MongoDB).
if [ $# -eq 0 ]; then
  echo "== pytest, store=mongodb (plain path) on the same stack"
  export CONTEST_STORE=mongodb
  for s in identity submission judging awards notifications; do "$PY" deploy/local/runner.py stop "$s" --profile "$P" >/dev/null; done
  for s in identity submission judging awards notifications; do
    "$PY" deploy/local/runner.py start "$s" --profile "$P" >/dev/null || status=1
  done
  "$PY" -m pytest -q -p no:cacheprovider -m plain_store tests/integration tests/e2e || status=1
fi
exit $status
