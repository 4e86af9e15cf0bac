#!/usr/bin/env bash
# Runs the test suite on the free-threaded CPython (3.13t from ../shared/tools/python-ft/)
# in .venv-ft, with the lenskit packages built from this checkout (or from the
# wheels in LK_WHEELS): .ci/test-python.sh does the work. Usage: bash .ci/free-threaded.sh [pytest args...]
set -euo pipefail
cd "$(dirname "$0")/.."
label=$(python3 .ci/supported_pythons.py | awk '$1 ~ /t$/ { print $1; exit }')
if [ -z "$label" ]; then
  echo "no free-threaded Python found (../shared/tools/python-ft/install.sh)" >&2
  exit 1
fi
exec bash .ci/test-python.sh "$label" .venv-ft "$@"
