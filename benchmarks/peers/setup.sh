#!/usr/bin/env bash
# Builds one virtual environment per peer toolkit from the pinned requirements
# beside this script, so the peer benchmark can run each system in its own
# interpreter. The peers are never dependencies of the workspace.
#
# Usage:  benchmarks/peers/setup.sh [PEER ...]
#   PEER: lenskit-2025.8.1 | lenskit-2026.4.0 | implicit   (default: all three)
#
# Interpreters: CPython 3.11 for LensKit 2025.8.1 and implicit; for LensKit
# 2026.4.0 a GIL CPython >= 3.12.5 (its abi3 wheel), or with
# LK_PEER_2026_FREE_THREADED=1 (or when there is none) the free-threaded 3.13
# from ../shared/tools/python-ft, building the sdist (Rust, and nasm, which this
# script installs with apt-get). That route fails with LensKit 2026.4.0: it
# builds with PyO3 0.29, which supports free-threaded CPython only from 3.14.
# Override the interpreters with LK_PEER_PY311, LK_PEER_PY312PLUS, LK_PEER_PY_FT.
#
# Result per peer, all under benchmarks/peers/ (gitignored):
#   .venv-PEER/                 the environment
#   .venv-status/PEER.ok        versions, written after an import check passed
#   .venv-status/PEER.failed    one line saying why it could not be installed
#   .venv-status/PEER.log       the full install log
# A peer that fails does not stop the others; the exit code is non-zero if any failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
status_dir="$here/.venv-status"
mkdir -p "$status_dir"
export UV_PYTHON_DOWNLOADS=never

all_peers=(lenskit-2025.8.1 lenskit-2026.4.0 implicit)

fail() { # peer, reason
  printf '%s\n' "$2" >"$status_dir/$1.failed"
  printf 'setup %s: FAILED: %s (log: %s)\n' "$1" "$2" "$status_dir/$1.log" >&2
  return 1
}

# CPython 3.11 for LensKit 2025.8.1 and implicit (their wheels target it).
find_python311() {
  local exe
  for exe in "${LK_PEER_PY311:-}" python3.11 /root/.pyenv/versions/3.11*/bin/python3.11; do
    [ -n "$exe" ] || continue
    if command -v "$exe" >/dev/null 2>&1 &&
      "$exe" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      "$exe" -c 'import sys; print(sys.executable)' # the real binary, not a pyenv shim
      return 0
    fi
  done
  return 1
}

# LensKit 2026.4.0 needs Python >= 3.12.5. Its abi3 wheel serves any GIL CPython
# >= 3.12.5; the free-threaded 3.13 needs its sdist, which PyO3 0.29 refuses to
# build for free-threaded CPython < 3.14, so a GIL interpreter comes first.
find_python_312plus() {
  local exe
  for exe in "${LK_PEER_PY312PLUS:-}" python3.13 python3.12 /root/.pyenv/versions/3.1[2-9]*/bin/python3.1[2-9]; do
    [ -n "$exe" ] || continue
    if command -v "$exe" >/dev/null 2>&1 && "$exe" -c 'import sys, sysconfig
ok = sys.version_info >= (3, 12, 5) and not sysconfig.get_config_var("Py_GIL_DISABLED")
sys.exit(0 if ok else 1)' 2>/dev/null; then
      "$exe" -c 'import sys; print(sys.executable)'
      return 0
    fi
  done
  return 1
}

find_python_ft() {
  if [ -n "${LK_PEER_PY_FT:-}" ]; then
    echo "$LK_PEER_PY_FT"
    return 0
  fi
  local installer="$repo/../shared/tools/python-ft/install.sh"
  [ -x "$installer" ] || return 1
  "$installer"
}

# isal (a LensKit 2026 dependency) builds from source with the nasm assembler.
ensure_nasm() {
  command -v nasm >/dev/null 2>&1 && return 0
  command -v apt-get >/dev/null 2>&1 || return 1
  apt-get update -qq && apt-get install -y -qq nasm
}

check_imports() { # peer, python
  case "$1" in
  lenskit-*)
    "$2" -c 'import importlib.metadata as m, json, lenskit.knn, lenskit.batch, pyarrow
print(json.dumps({p: m.version(p) for p in ("lenskit", "torch", "numpy", "scipy", "pandas")}))'
    ;;
  implicit)
    "$2" -c 'import importlib.metadata as m, json, implicit.nearest_neighbours, pyarrow
print(json.dumps({p: m.version(p) for p in ("implicit", "numpy", "scipy")}))'
    ;;
  esac
}

setup_peer() {
  local peer=$1 python venv="$here/.venv-$1" req="$here/requirements-$1.txt" log="$status_dir/$1.log"
  rm -f "$status_dir/$peer.ok" "$status_dir/$peer.failed"
  : >"$log"
  [ -f "$req" ] || { fail "$peer" "no pinned requirements file $req"; return 1; }
  case "$peer" in
  lenskit-2025.8.1 | implicit)
    python=$(find_python311) || { fail "$peer" "no CPython 3.11 found (set LK_PEER_PY311)"; return 1; }
    ;;
  lenskit-2026.4.0)
    if [ -z "${LK_PEER_2026_FREE_THREADED:-}" ] && python=$(find_python_312plus); then
      :
    else
      printf 'setup %s: no GIL CPython >= 3.12.5; trying the free-threaded 3.13 and the sdist\n' "$peer" >&2
      req="$here/requirements-$peer-ft.txt"
      python=$(find_python_ft 2>>"$log") ||
        { fail "$peer" "no CPython >= 3.12.5 (set LK_PEER_PY312PLUS) and no free-threaded 3.13"; return 1; }
      ensure_nasm >>"$log" 2>&1 || { fail "$peer" "nasm (needed to build isal) could not be installed with apt-get"; return 1; }
      command -v cargo >/dev/null 2>&1 || { fail "$peer" "cargo not found: its sdist needs a Rust toolchain"; return 1; }
    fi
    ;;
  *)
    fail "$peer" "unknown peer (known: ${all_peers[*]})"
    return 1
    ;;
  esac
  printf 'setup %s: %s -> %s\n' "$peer" "$python" "$venv" >&2
  local started=$SECONDS
  rm -rf "$venv"
  if ! uv venv -q -p "$python" "$venv" >>"$log" 2>&1; then
    fail "$peer" "uv venv failed for $python"
    return 1
  fi
  if ! nice -n 19 uv pip install --python "$venv/bin/python" -r "$req" >>"$log" 2>&1; then
    local why
    why=$(grep -m1 -E 'PyO3 does not support' "$log" || grep -m1 -iE 'error|failed' "$log")
    fail "$peer" "uv pip install -r $(basename "$req") failed: $(echo "$why" | sed 's/^ *//' | cut -c1-200)"
    return 1
  fi
  local versions
  if ! versions=$(check_imports "$peer" "$venv/bin/python" 2>>"$log"); then
    fail "$peer" "installed, but importing it failed: $(tail -n1 "$log" | cut -c1-200)"
    return 1
  fi
  printf '%s\n' "$versions" >"$status_dir/$peer.ok"
  printf 'setup %s: ok in %ss, %s, %s\n' "$peer" $((SECONDS - started)) "$versions" "$(du -sh "$venv" | cut -f1)" >&2
}

peers=("$@")
[ ${#peers[@]} -gt 0 ] || peers=("${all_peers[@]}")
rc=0
for peer in "${peers[@]}"; do
  setup_peer "$peer" || rc=1
done
exit $rc
