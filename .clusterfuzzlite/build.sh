#!/bin/bash -eu
# Builds every hanko fuzz target for ClusterFuzzLite and OSS-Fuzz, and puts next to each
# binary in $OUT its seed corpus ($OUT/<target>_seed_corpus.zip, from corpus/<target>/) and
# its dictionary ($OUT/<target>.dict, from fuzz/dict/, written by `cargo xtask dict`).
#
# The environment is OSS-Fuzz's: $OUT (required), $SRC, $WORK, $SANITIZER (address,
# memory, coverage, none), $FUZZING_ENGINE (libfuzzer only: cargo-fuzz targets),
# $CARGO_BUILD_TARGET (the triple; default x86_64-unknown-linux-gnu). No Docker needed:
# .ci/oss-fuzz-build-check.sh runs this script directly and checks what it leaves.
#
# The targets compile the spec in (fuzz/targets/build.rs): the binaries read no file of the
# source tree at run time.

# The repository: this script's parent when run from the tree, else the build's working
# directory (ClusterFuzzLite copies this script to $SRC/build.sh, WORKDIR is the repo),
# else $SRC/hanko.
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for root in "${HANKO_ROOT:-}" "$here/.." "$PWD" "${SRC:-/src}/hanko"; do
    if [ -n "$root" ] && [ -f "$root/fuzz/Cargo.toml" ]; then
        break
    fi
done
root="$(cd "$root" && pwd)"
cd "$root"
: "${OUT:?OUT must name the folder for the binaries}"
mkdir -p "$OUT"

triple="${CARGO_BUILD_TARGET:-x86_64-unknown-linux-gnu}"
case "${FUZZING_ENGINE:-libfuzzer}" in
    libfuzzer) ;;
    *) echo "build.sh: FUZZING_ENGINE=$FUZZING_ENGINE: hanko's targets are libFuzzer targets (cargo-fuzz)" >&2; exit 1 ;;
esac
# OSS-Fuzz's cargo wrapper turns `cargo fuzz build` into a coverage build when
# SANITIZER=coverage; elsewhere `none` plus the RUSTFLAGS given does the same.
wanted="${SANITIZER:-address}"
case "$wanted" in
    address | memory) sanitizer="$wanted" ;;
    coverage | none | introspector) sanitizer=none ;;
    *) echo "build.sh: SANITIZER=$wanted is not available for Rust targets (address, memory, coverage, none)" >&2; exit 1 ;;
esac

# -O --debug-assertions: optimised, with debug assertions and overflow checks, as OSS-Fuzz
# builds Rust. These are the rustc flags of a plain `cargo fuzz build`, so
# `cargo xtask fuzz-smoke` reuses this build instead of compiling again.
cargo fuzz build -O --debug-assertions --sanitizer "$sanitizer" --target "$triple"

bin_dir="fuzz/target/$triple/release"
count=0
for target in $(cargo fuzz list); do
    cp "$bin_dir/$target" "$OUT/$target"
    if [ -d "corpus/$target" ] && [ -n "$(ls -A "corpus/$target")" ]; then
        rm -f "$OUT/${target}_seed_corpus.zip"
        # -j: the seeds at the top of the archive, where ClusterFuzz expects them.
        zip -q -j "$OUT/${target}_seed_corpus.zip" "corpus/$target"/*
    else
        echo "build.sh: corpus/$target is missing or empty (cargo xtask corpus)" >&2
        exit 1
    fi
    if [ -f "fuzz/dict/$target.dict" ]; then
        cp "fuzz/dict/$target.dict" "$OUT/$target.dict"
    else
        echo "build.sh: fuzz/dict/$target.dict is missing (cargo xtask dict)" >&2
        exit 1
    fi
    count=$((count + 1))
done
echo "build.sh: $count targets in $OUT (sanitizer $sanitizer, $triple)"
