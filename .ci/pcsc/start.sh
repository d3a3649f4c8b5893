#!/usr/bin/env bash
# Starts pcscd with Debian's vsmartcard-vpcd reader driver in the background, for hanko's
# virtual card to plug into, and returns once the virtual reader accepts a card.
#
#   .ci/pcsc/start.sh                       # pcscd in netns "hanko-pcsc" (see common.sh)
#   .ci/pcsc/in-netns.sh target/debug/examples/stub_card &   # or: hanko sim card --vpcd ...
#   OPENSC_CONF=.ci/pcsc/opensc.conf opensc-tool -n          # -> jpki
#   .ci/pcsc/stop.sh
#
# Needs: apt-get install pcscd vsmartcard-vpcd opensc (INSTALL=1 does it), root for the
# namespace. HANKO_PCSC_APDU_LOG=1 makes pcscd log every APDU (slow: for debugging only).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

if [ "${INSTALL:-0}" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends pcscd vsmartcard-vpcd opensc python3-pyscard iproute2 >/dev/null
fi
for tool in pcscd nsenter ip ss; do
    command -v "$tool" >/dev/null || { echo "start.sh: $tool missing (INSTALL=1 installs it)" >&2; exit 1; }
done
# The stock file makes vpcd listen on 35963 (0x8C7B) and 35964; without it pcscd has no
# virtual reader at all.
grep -qs '^DEVICENAME *[^ ]*:0x8C7B' /etc/reader.conf.d/vpcd ||
    { echo "start.sh: /etc/reader.conf.d/vpcd missing or changed (package vsmartcard-vpcd)" >&2; exit 1; }

mkdir -p "$HANKO_PCSC_DIR"
if pid_alive "$(cat "$PCSCD_PID_FILE" 2>/dev/null)"; then
    echo "start.sh: pcscd already running (pid $(cat "$PCSCD_PID_FILE")); .ci/pcsc/stop.sh first" >&2
    exit 1
fi
# One pcscd per machine: its socket path is fixed.
if pid_alive "$(tr -d '\0\n' 2>/dev/null </run/pcscd/pcscd.pid)"; then
    echo "start.sh: another pcscd runs (pid $(tr -d '\0\n' </run/pcscd/pcscd.pid)); stop it (systemctl stop pcscd.socket pcscd)" >&2
    exit 1
fi

if [ "$HANKO_PCSC_NETNS" != none ] && [ ! -e "/run/netns/$HANKO_PCSC_NETNS" ]; then
    ip netns add "$HANKO_PCSC_NETNS"
    ip -n "$HANKO_PCSC_NETNS" link set lo up
fi

args=(--foreground)
[ "${HANKO_PCSC_APDU_LOG:-0}" = 1 ] && args+=(--apdu --debug)
# pcscd keeps its pid file and socket in /run/pcscd, which it creates itself when missing.
# setsid: detached from this shell's session, so that it outlives the caller's terminal.
# nsenter and setsid exec rather than fork here, so $! is pcscd itself.
if [ "$HANKO_PCSC_NETNS" = none ]; then
    setsid pcscd "${args[@]}" >"$PCSCD_LOG" 2>&1 </dev/null &
else
    nsenter --net="/run/netns/$HANKO_PCSC_NETNS" -- setsid pcscd "${args[@]}" >"$PCSCD_LOG" 2>&1 </dev/null &
fi
pid=$!
echo "$pid" >"$PCSCD_PID_FILE"

# Ready: pcscd's client socket exists and vpcd listens for a card.
for _ in $(seq 100); do
    if ! pid_alive "$pid"; then
        echo "start.sh: pcscd exited; its log:" >&2
        cat "$PCSCD_LOG" >&2
        rm -f "$PCSCD_PID_FILE"
        exit 1
    fi
    # pcscd writes its own pid there: proof that the socket beside it is this pcscd's.
    if [ "$(tr -d '\0\n' 2>/dev/null </run/pcscd/pcscd.pid)" = "$pid" ] && [ -S /run/pcscd/pcscd.comm ] &&
        in_netns ss -Hltn "sport = :$VPCD_PORT" | grep -q .; then
        echo "pcscd running, pid $pid (log $PCSCD_LOG); vpcd waits for a card on port $VPCD_PORT (netns $HANKO_PCSC_NETNS)"
        exit 0
    fi
    sleep 0.1
done
echo "start.sh: pcscd (pid $pid) not ready after 10 s; log $PCSCD_LOG" >&2
exit 1
