#!/usr/bin/env bash
# Kept for old habits: `cargo xtask fuzz-smoke` does the work (xtask/src/fuzz_smoke.rs).
#
#   FUZZ_SECONDS=60 fuzz/smoke.sh            # every target, 60 s each
#   fuzz/smoke.sh capdu ef                   # only these targets
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
args=(--seconds "${FUZZ_SECONDS:-20}")
if [ "$#" -gt 0 ]; then
    args+=(--targets "$(IFS=,; echo "$*")")
fi
exec cargo xtask fuzz-smoke "${args[@]}"
