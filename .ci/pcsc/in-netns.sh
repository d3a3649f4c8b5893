#!/usr/bin/env bash
# Runs a command where start.sh's vpcd can be reached at 127.0.0.1:35963: inside its network
# namespace (see common.sh). For the card side only; PC/SC clients run anywhere. The
# namespace has no route out, so build first (cargo cannot fetch crates in there).
#
#   .ci/pcsc/in-netns.sh target/debug/hanko sim card --vpcd 127.0.0.1:35963
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
[ $# -gt 0 ] || { echo "usage: in-netns.sh COMMAND [ARG]..." >&2; exit 2; }
if [ "$HANKO_PCSC_NETNS" = none ]; then exec "$@"; fi
exec nsenter --net="/run/netns/$HANKO_PCSC_NETNS" -- "$@"
