#!/usr/bin/env bash
# Stops the pcscd that start.sh started (by its recorded PID, never by name), and removes the
# network namespace once nothing runs in it. A card still running there keeps it: the card
# reconnects to the pcscd of the next start.sh (a pcscd restart), and stays its starter's
# to stop.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"

pid=$(cat "$PCSCD_PID_FILE" 2>/dev/null || true)
if pid_alive "$pid"; then
    kill -TERM "$pid"
    for _ in $(seq 50); do pid_alive "$pid" || break; sleep 0.1; done
    if pid_alive "$pid"; then
        echo "stop.sh: pcscd $pid ignored SIGTERM; killing it" >&2
        kill -KILL "$pid"
    fi
    echo "pcscd $pid stopped"
else
    echo "stop.sh: no pcscd of ours running"
fi
rm -f "$PCSCD_PID_FILE"
if [ "$HANKO_PCSC_NETNS" != none ] && [ -e "/run/netns/$HANKO_PCSC_NETNS" ]; then
    left=$(ip netns pids "$HANKO_PCSC_NETNS" | tr '\n' ' ')
    if [ -z "$left" ]; then
        ip netns del "$HANKO_PCSC_NETNS"
    else
        echo "stop.sh: netns $HANKO_PCSC_NETNS kept: pids $left still run there"
    fi
fi
