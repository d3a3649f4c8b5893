#!/usr/bin/env bash
# Runs .clusterfuzzlite/build.sh the way OSS-Fuzz and ClusterFuzzLite do, without Docker: the
# environment variables they set, a scratch $OUT. Then checks, for every fuzz target of
# fuzz/Cargo.toml, what they rely on: an executable binary that runs its seed corpus, a valid
# non-empty seed corpus zip, a dictionary libFuzzer accepts.
#
# Where the kernel lets it (root, `unshare --mount`), the binaries run with spec/ and
# corpus/ hidden under empty folders: on OSS-Fuzz they run without the source tree.
#
# Uses the toolchain `cargo xtask fuzz-smoke` uses (nightly if rustup has it, else stable with
# RUSTC_BOOTSTRAP=1): build.sh's flags are a plain `cargo fuzz build`'s, so the smoke run
# afterwards reuses this build.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
export SRC="$scratch/src" OUT="$scratch/out" WORK="$scratch/work"
export CARGO_BUILD_TARGET=x86_64-unknown-linux-gnu SANITIZER=address FUZZING_ENGINE=libfuzzer ARCHITECTURE=x86_64
mkdir -p "$SRC" "$OUT" "$WORK"

if rustup run nightly rustc --version >/dev/null 2>&1; then
    export RUSTUP_TOOLCHAIN=nightly
else
    export RUSTC_BOOTSTRAP=1
fi

start=$(date +%s)
bash .clusterfuzzlite/build.sh
echo "oss-fuzz-build-check: build.sh took $(( $(date +%s) - start )) s"

# Runs a command with spec/ and corpus/ hidden, if this machine allows a mount namespace.
hidden() { "$@"; }
if unshare --mount true 2>/dev/null; then
    hidden() {
        unshare --mount bash -c 'mount -t tmpfs none "$1/spec" && mount -t tmpfs none "$1/corpus" && shift && exec "$@"' \
            hide "$root" "$@"
    }
    echo "oss-fuzz-build-check: running the binaries with spec/ and corpus/ hidden"
fi

failed=()
targets=$(cargo fuzz list)
for t in $targets; do
    problems=()
    [ -x "$OUT/$t" ] || problems+=("no executable $OUT/$t")
    zip="$OUT/${t}_seed_corpus.zip"
    if ! unzip -tq "$zip" >/dev/null 2>&1; then
        problems+=("$zip is missing or not a valid zip")
    elif [ "$(unzip -Z1 "$zip" | wc -l)" -eq 0 ]; then
        problems+=("$zip is empty")
    fi
    [ -s "$OUT/$t.dict" ] || problems+=("no dictionary $OUT/$t.dict")
    if [ "${#problems[@]}" -eq 0 ]; then
        seeds="$WORK/seeds/$t"
        mkdir -p "$seeds"
        unzip -q -o "$zip" -d "$seeds"
        log="$WORK/$t.log"
        # -runs=1: every seed once, then one mutation; with the dictionary, which libFuzzer
        # refuses to start with if a line does not parse.
        if (cd "$WORK" && hidden "$OUT/$t" -runs=1 -dict="$OUT/$t.dict" "$seeds") >"$log" 2>&1; then
            grep -q "^#[0-9]*[[:space:]]*DONE" "$log" || problems+=("$t ran but never reached DONE (log below)")
        else
            problems+=("$OUT/$t fails on its seeds (log below)")
        fi
    fi
    if [ "${#problems[@]}" -eq 0 ]; then
        printf '%-22s ok: binary, %s seeds, %s dictionary entries\n' "$t" \
            "$(unzip -Z1 "$zip" | wc -l)" "$(grep -c '^[^#].*"' "$OUT/$t.dict")"
    else
        printf '%-22s FAILED: %s\n' "$t" "${problems[*]}"
        [ -f "$WORK/$t.log" ] && tail -n 30 "$WORK/$t.log" >&2
        failed+=("$t")
    fi
done

if [ "${#failed[@]}" -gt 0 ]; then
    echo "oss-fuzz-build-check: failed: ${failed[*]}" >&2
    exit 1
fi
echo "oss-fuzz-build-check: $(echo "$targets" | wc -w) targets ready for OSS-Fuzz / ClusterFuzzLite"
