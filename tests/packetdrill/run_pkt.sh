#!/usr/bin/env bash
# Run one packetdrill script, against the stack or against Linux.
# Usage: run_pkt.sh stack|linux PACKETDRILL_SRC OUTDIR LIB SCRIPT
#   PACKETDRILL_SRC  ../shared/tools/packetdrill (build.sh, src/): missing -> skipped
#   OUTDIR           where build.sh put (or puts) the packetdrill binary
#   LIB              build/lib/libtunsock-packetdrill.so (stack mode)
# Both modes use the same addresses: the stack (or the kernel's TUN device)
# is 198.18.0.1/16, packetdrill's remote end 198.19.0.1 (so packets go by
# the default route). Linux mode runs in a network namespace of its own
# (unshare -n), as root. Exit 77 = skipped (ctest SKIP_RETURN_CODE).
set -uo pipefail
mode=$1 src=$2 out=$3 lib=$4 script=$5
if [ ! -x "$src/build.sh" ]; then
  echo "SKIP: packetdrill source not found at $src (../shared/tools/packetdrill beside the checkout)"
  exit 77
fi
pd=$out/packetdrill
if [ ! -x "$pd" ]; then
  # The fixture test builds it; build here too when run alone (-R).
  "$src/build.sh" "$out" >/dev/null || { echo "FAIL: building packetdrill"; exit 1; }
fi
common=(--local_ip=198.18.0.1 --remote_ip=198.19.0.1 --gateway_ip=198.18.0.2 --netmask_ip=255.255.0.0)
case $mode in
  stack)
    # PD_SO_FLAGS: other flags (the adapter's own tests).
    exec timeout 120 "$pd" "${common[@]}" --so_filename="$lib" --so_flags="${PD_SO_FLAGS:-ip=198.18.0.1/16}" "$script" ;;
  linux)
    if [ "$(id -u)" != 0 ] || [ ! -c /dev/net/tun ] || ! unshare -n true 2>/dev/null; then
      echo "SKIP: linux mode needs root, /dev/net/tun and unshare -n"
      exit 77
    fi
    # Linux's default buffer limits (a big machine raises tcp_rmem's maximum
    # and with it the window scale): wscale 7 as on a usual host. SYN
    # retransmissions back off exponentially from the first (Linux >= 6.14
    # retransmits the first four linearly unless tcp_syn_linear_timeouts=0).
    # No tail loss probe (RFC 8985 TLP, tcp_early_retrans=0): the scripts
    # test RFC 6298's timer, which the stack has (TLP is not in its scope).
    # Real time on a shared, loaded machine: 100 ms of tolerance instead of 4.
    exec timeout 120 unshare -n sh -c 'ip link set lo up &&
      sysctl -q -w net.ipv4.tcp_rmem="4096 131072 6291456" net.ipv4.tcp_wmem="4096 16384 4194304" &&
      { sysctl -q -w net.ipv4.tcp_syn_linear_timeouts=0 2>/dev/null || true; } &&
      sysctl -q -w net.ipv4.tcp_early_retrans=0 &&
      exec "$@"' sh "$pd" "${common[@]}" --tolerance_usecs=100000 "$script" ;;
  *) echo "usage: $0 stack|linux SRC OUTDIR LIB SCRIPT" >&2; exit 2 ;;
esac
