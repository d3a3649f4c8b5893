#!/usr/bin/env bash
# Fuzzes every target in fuzz/fuzz_targets/ for FUZZ_SECONDS (default 20) from its seed
# corpus, and fails if any target crashes. Meant for CI and for a quick check before a
# commit; long campaigns use `cargo fuzz run` directly (see fuzz/README.md).
#
#   FUZZ_SECONDS=60 fuzz/smoke.sh            # every target, 60 s each
#   fuzz/smoke.sh capdu ef                   # only these targets
#   FUZZ_ARGS="--sanitizer none" fuzz/smoke.sh   # extra cargo-fuzz flags (faster, no ASan)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
seconds="${FUZZ_SECONDS:-20}"
read -r -a extra <<<"${FUZZ_ARGS:-}"

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

# cargo-fuzz needs nightly-only rustc flags (-Zsanitizer, coverage options). Without a nightly
# toolchain, RUSTC_BOOTSTRAP lets stable accept them.
if rustup run nightly rustc --version >/dev/null 2>&1; then
    fuzz=(cargo +nightly fuzz)
else
    echo "smoke: no nightly toolchain; using stable with RUSTC_BOOTSTRAP=1" >&2
    fuzz=(env RUSTC_BOOTSTRAP=1 cargo fuzz)
fi

if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    targets=()
    for f in fuzz/fuzz_targets/*.rs; do
        targets+=("$(basename "$f" .rs)")
    done
fi

# libFuzzer adds every new interesting input to the corpus folder it is given; the committed
# seeds must stay exactly what `cargo xtask corpus` writes, so each run works on a copy.
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT

# One build for all targets, so that a compile error is reported once, before any run.
"${fuzz[@]}" build ${extra[@]+"${extra[@]}"}

failed=()
for t in "${targets[@]}"; do
    if [ ! -d "corpus/$t" ] || [ -z "$(ls -A "corpus/$t")" ]; then
        echo "smoke: corpus/$t is missing or empty; run \`cargo xtask corpus\`" >&2
        failed+=("$t")
        continue
    fi
    mkdir -p "$scratch/$t"
    cp -R "corpus/$t/." "$scratch/$t/"
    log="$scratch/$t.log"
    status=0
    # The card targets generate the test PKI's RSA keys before their first input: about
    # 12 s under ASan on two cores. Give them that on top, or they would fuzz for nothing.
    budget=$seconds
    case "$t" in card_model | virtual_card) budget=$((seconds + 20)) ;; esac
    "${fuzz[@]}" run ${extra[@]+"${extra[@]}"} "$t" "$scratch/$t" -- \
        -max_total_time="$budget" -print_final_stats=1 >"$log" 2>&1 || status=$?
    # A run that died early prints no stats; that must not stop the script under set -e.
    execs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)" || true
    rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)" || true
    cov="$( (grep -Eo 'cov: [0-9]+' "$log" || true) | tail -n 1 | cut -d' ' -f2)"
    if [ "$status" -eq 0 ]; then
        printf '%-11s ok     %10s execs in %ss (%s/s), cov %s, corpus %s\n' \
            "$t" "${execs:-?}" "$budget" "${rate:-?}" "${cov:-?}" "$(ls "$scratch/$t" | wc -l)"
    else
        printf '%-11s FAILED (exit %s) after %s execs; input saved under fuzz/artifacts/%s/\n' \
            "$t" "$status" "${execs:-?}" "$t"
        # The panic message and the crashing input's path are near the end of the log.
        grep -v '^#' "$log" | tail -n 40 >&2
        failed+=("$t")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "smoke: failed: ${failed[*]}" >&2
    exit 1
fi
