#!/usr/bin/env bash
# Runs the test suite on a free-threaded CPython (3.13t from ../shared/tools/python-ft/)
# in its own venv: third-party wheels chosen by uv among those built for
# free-threading, the five lenskit packages built from this checkout, no Ray.
set -euo pipefail
cd "$(dirname "$0")/.."

py_ft=$(../shared/tools/python-ft/install.sh)
venv=.venv-ft
rm -rf "$venv"
uv venv --quiet -p "$py_ft" "$venv"

# shellcheck disable=SC2046
uv pip install --quiet --python "$venv" --only-binary :all: $(python3 .ci/third_party_requirements.py)
uv pip install --quiet --python "$venv" \
  ./packages/lenskit-config ./packages/lenskit-data ./packages/lenskit-rs \
  ./packages/lenskit-batch ./packages/lenskit-cli

"$venv/bin/python" -c 'import sys; assert not sys._is_gil_enabled(), "GIL enabled"; print(sys.version)'
"$venv/bin/python" -m pytest -p no:cacheprovider "$@"
