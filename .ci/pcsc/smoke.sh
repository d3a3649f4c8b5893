#!/usr/bin/env bash
# End-to-end check of the PC/SC path with sim/examples/stub_card: pcscd + vpcd + OpenSC's
# jpki driver + a pyscard client, including the card reconnecting across a pcscd restart.
# Prints the APDU rate with and without TCP_QUICKACK. Starts and stops everything itself.
#
#   INSTALL=1 .ci/pcsc/smoke.sh     # also apt-get installs pcscd, vsmartcard-vpcd, opensc, pyscard
#   N=20000 N_SLOW=200 .ci/pcsc/smoke.sh   # APDUs per measurement
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
. "$here/common.sh"
export OPENSC_CONF=$here/opensc.conf

# STUB_CARD=path skips the build (a binary built earlier, or elsewhere).
card_bin=${STUB_CARD:-}
if [ -z "$card_bin" ]; then
    cargo build -q --release -p hanko-sim --example stub_card --manifest-path "$root/Cargo.toml"
    card_bin=$root/target/release/examples/stub_card
fi
card_pid=

stop_card() {
    if pid_alive "$card_pid"; then kill "$card_pid"; wait "$card_pid" 2>/dev/null || true; fi
    card_pid=
}
cleanup() {
    stop_card
    "$here/stop.sh" >/dev/null
}
trap cleanup EXIT


start_card() {
    "$here/in-netns.sh" "$card_bin" "127.0.0.1:$VPCD_PORT" -q "$@" &
    card_pid=$!
    wait_card
}

"$here/start.sh"
start_card --trace "$HANKO_PCSC_DIR/trace.jsonl"
opensc-tool -l
driver=$(opensc-tool -n)
[ "$driver" = jpki ] || { echo "smoke.sh: opensc-tool -n said '$driver', not jpki" >&2; exit 1; }
echo "opensc-tool -n: $driver"
out=$(opensc-tool -s 00A4040C0AD392F000260100000001 -s 00A4020C020018 -s 00200080)
echo "$out"
[ "$(grep -c 'SW1=0x90, SW2=0x00' <<<"$out")" = 2 ] && grep -q 'SW1=0x63, SW2=0xC3' <<<"$out"
grep -q '"capdu":"00200080"' "$HANKO_PCSC_DIR/trace.jsonl"

# The card survives pcscd going away and coming back.
"$here/stop.sh" >/dev/null
"$here/start.sh" >/dev/null
wait_card
echo "reconnected after a pcscd restart"

echo "with TCP_QUICKACK:"
/usr/bin/python3 "$here/apdu_rate.py" "${N:-5000}"
stop_card
wait_card No
start_card --no-quickack
echo "without TCP_QUICKACK:"
/usr/bin/python3 "$here/apdu_rate.py" "${N_SLOW:-100}"
echo "smoke.sh: ok"
