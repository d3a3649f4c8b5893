# Sourced by the scripts beside it: where things live, and how to enter the network namespace.
#
# HANKO_PCSC_DIR    pid file and logs (default: ${TMPDIR:-/tmp}/hanko-pcsc)
# HANKO_PCSC_NETNS  network namespace pcscd and the cards run in (default: hanko-pcsc);
#                   "none" runs them in the host's. vpcd listens on 0.0.0.0 (INADDR_ANY,
#                   hard-coded), so in the host's namespace the virtual reader is open to
#                   the whole network; in its own namespace only that namespace's loopback
#                   reaches it. PC/SC clients are unaffected either way: they talk to pcscd
#                   through the file-system socket /run/pcscd/pcscd.comm.
HANKO_PCSC_DIR=${HANKO_PCSC_DIR:-${TMPDIR:-/tmp}/hanko-pcsc}
HANKO_PCSC_NETNS=${HANKO_PCSC_NETNS:-hanko-pcsc}
PCSCD_PID_FILE=$HANKO_PCSC_DIR/pcscd.pid
PCSCD_LOG=$HANKO_PCSC_DIR/pcscd.log
VPCD_PORT=35963

# Runs "$@" inside the namespace (or as is, with HANKO_PCSC_NETNS=none).
in_netns() {
    if [ "$HANKO_PCSC_NETNS" = none ]; then
        "$@"
    else
        nsenter --net="/run/netns/$HANKO_PCSC_NETNS" -- "$@"
    fi
}

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }

# Waits until pcscd sees a card ("Yes") or none ("No") in the first virtual reader: it
# notices a card come or go only at its next poll, up to 400 ms later.
wait_card() {
    local want=${1:-Yes}
    for _ in $(seq 50); do
        opensc-tool -l 2>/dev/null | grep -q "$want .*Virtual PCD 00 00" && return 0
        sleep 0.1
    done
    echo "the virtual reader never showed card: $want" >&2
    opensc-tool -l >&2 || true
    return 1
}
