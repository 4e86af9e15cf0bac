#!/usr/bin/env bash
# Builds every distributable of the workspace into OUTDIR:
#   - each pure-Python package (hatchling): an sdist, and its wheel built from that sdist;
#   - lenskit-rs (maturin): an sdist, and from that sdist one binary wheel per
#     ABI among the supported CPythons on this machine (.ci/supported_pythons.py):
#     a single abi3 wheel for every GIL-enabled CPython >= 3.11 and one wheel
#     per free-threaded interpreter (which has no stable ABI).
# Binary wheels are linked through zig (the locked `wheels` dependency group) for
# glibc 2.17, so they carry the manylinux2014 tag and run on any Linux with glibc
# 2.17 or newer, not only on this machine's glibc. Building from the sdists
# proves the sdists are complete. Usage: bash .ci/wheels.sh OUTDIR
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(realpath -m "${1:?usage: bash .ci/wheels.sh OUTDIR}")
cd "$root"
mkdir -p "$out"
rm -f "$out"/lenskit_*.whl "$out"/lenskit_*.tar.gz

binary_packages=()
for dir in packages/*/; do
  name=$(basename "$dir")
  if grep -q '^build-backend = "maturin"' "$dir/pyproject.toml"; then
    binary_packages+=("$name")
  else
    uv build --quiet --package "$name" -o "$out"
  fi
done

supported=$(python3 .ci/supported_pythons.py)
interpreter_args=()
while read -r _label python; do interpreter_args+=(-i "$python"); done <<<"$supported"

unpacked=$(mktemp -d)
trap 'rm -rf "$unpacked"' EXIT
for name in "${binary_packages[@]}"; do
  uv build --quiet --package "$name" --sdist -o "$out"
  sdist=$(ls "$out/${name//-/_}"-*.tar.gz)
  tar xzf "$sdist" -C "$unpacked"
  # The checkout's Cargo target folder: dependencies compiled once are reused.
  (cd "$unpacked/$(basename "$sdist" .tar.gz)" &&
    CARGO_TARGET_DIR="$root/rust/target" uv run --project "$root" --locked --isolated \
      --only-group wheels maturin build --quiet --release --zig --compatibility manylinux2014 \
      "${interpreter_args[@]}" --out "$out")
done

ls -l "$out"
