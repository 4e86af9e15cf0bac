#!/usr/bin/env bash
# Runs the test suite on one supported interpreter in a venv of its own.
#   bash .ci/test-python.sh LABEL VENV [pytest args...]
# LABEL is one of `python3 .ci/supported_pythons.py` (3.11, 3.12, 3.13, 3.13t).
# Third-party packages are installed from loose requirements as wheels only,
# so uv picks versions that ship wheels for that interpreter (the lock's pins
# may not); Ray is added where it has a wheel for the interpreter, and Ray tests
# skip elsewhere. The lenskit packages come from LK_WHEELS (a folder built by
# .ci/wheels.sh; nothing is compiled) when it is set, else from the checkout.
set -euo pipefail
cd "$(dirname "$0")/.."
label=${1:?usage: bash .ci/test-python.sh LABEL VENV [pytest args...]}
venv=${2:?usage: bash .ci/test-python.sh LABEL VENV [pytest args...]}
shift 2

python=$(python3 .ci/supported_pythons.py "$label")
rm -rf "$venv"
uv venv --quiet -p "$python" "$venv"

ray_requirements=$(python3 .ci/third_party_requirements.py --extra ray)
extra=""
# shellcheck disable=SC2086
if probe=$(uv pip install --dry-run --quiet --python "$venv" --only-binary :all: $ray_requirements 2>&1); then
  extra="[ray]"
  echo "Ray has wheels for Python $label: installing the ray extras, Ray tests run"
elif grep -q "has no wheels" <<<"$probe"; then
  echo "Ray has no wheels for Python $label: Ray tests skip ($(grep -m1 'has no wheels' <<<"$probe" | sed 's/^ *cause: //'))"
else
  echo "$probe" >&2
  exit 1
fi

# shellcheck disable=SC2046
if [ -n "${LK_WHEELS:-}" ]; then
  # A rebuilt wheel keeps its file name, and uv's cache would hand back the
  # last build it saw under that name: refresh ours.
  refresh=()
  for dir in packages/*/; do refresh+=(--refresh-package "$(basename "$dir")"); done
  uv pip install --quiet --compile-bytecode --python "$venv" --no-build --find-links "$LK_WHEELS" \
    "${refresh[@]}" "lenskit-parallel$extra" $(python3 .ci/third_party_requirements.py)
else
  uv pip install --quiet --compile-bytecode --python "$venv" --only-binary :all: \
    $(python3 .ci/third_party_requirements.py) ${extra:+$ray_requirements}
  packages=()
  for dir in packages/*/; do packages+=("./$dir"); done
  uv pip install --quiet --compile-bytecode --python "$venv" "${packages[@]}"
fi

"$venv/bin/python" -c 'import sys; print(sys.version, "GIL enabled" if getattr(sys, "_is_gil_enabled", lambda: True)() else "GIL disabled")'
"$venv/bin/python" -m pytest -p no:cacheprovider "$@"
