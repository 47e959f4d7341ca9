#!/usr/bin/env bash
# Hostile input on the wire: random and truncated packets written into the
# TUN device from the host side (AF_PACKET, past the kernel's IP layer) must
# not crash the daemon, must be counted as drops, and the stack must still
# answer a ping afterwards.
# Usage: tun_bad_packets.sh BUILD_DIR [COUNT] [SEED]
set -euo pipefail
build=$(cd "$1" && pwd)
count=${2:-3000}
seed=${3:-$RANDOM}
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

work=$(mktemp -d /tmp/tunsock-tun-bad.XXXXXX)
cleanup() { tun_stop 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
TUNSOCK_LOG=info tun_start "$work"

fail=0
echo "seed $seed, $count packets"
timeout 60 "$build/bin/tun_inject" "$TUN_DEV" "$count" "$seed" || { echo "FAIL: injection"; fail=1; }
kill -0 "$TUNSOCKD_PID" || { echo "FAIL: daemon died (seed $seed)"; fail=1; }
timeout 10 ping -c 1 -W 2 "$STACK_IP" >/dev/null || { echo "FAIL: stack does not answer after the garbage"; fail=1; }
kill -0 "$TUNSOCKD_PID" || { echo "FAIL: daemon died (seed $seed)"; fail=1; }
tun_stop
line=$(grep -o "$TUN_DEV counters: .*" "$work/daemon.log" || true)
echo "$line"
get() { sed -n "s/.* $1=\([0-9]*\).*/\1/p" <<<"$line"; }
rd=$(get rx_dropped); re=$(get rx_errors)
drops=$(( ${rd:-0} + ${re:-0} ))
# Every injected packet is malformed except by a 1-in-65536 checksum accident.
[ -n "$line" ] && [ "$drops" -ge $((count - 5)) ] || { echo "FAIL: $drops drops counted for $count bad packets"; fail=1; }
[ $fail -eq 0 ] || { echo "--- daemon log (tail)"; tail -40 "$work/daemon.log"; }
exit $fail
