#!/usr/bin/env bash
# The same program on the kernel with ss and under the shim with
# tunsockctl ss: tests/programs/ss_hold opens a TCP listener (backlog 7), a
# connection to it with 100 and 5000 bytes left unread, a bound and a
# connected UDP socket and a unix listener (backlog 3). On the kernel (a
# namespace of its own, address 198.18.1.2 on lo) `ss -tanp`, `-uanp`,
# `-xanp` and `-tin` are taken; under the shim (the stack at 198.18.0.2 over
# TUN) `tunsockctl ss` with the same flags. The columns must match: state,
# Recv-Q, Send-Q, addresses (each side's own address and ephemeral ports,
# pids, fds, paths and inodes replaced by placeholders), process name; for
# -i the field names the stack prints must be names ss prints, and the
# core ones must be there.
# Usage: ss_compare.sh BUILD_DIR [--kernel-side OUTDIR]
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
TCP_PORT=8080
UDP_PORT=5353
KERNEL_IP=198.18.1.2
FLAGS=(-tanp -uanp -xanp -tin)

# hold_and_run OUTDIR ADDR SS...: start ss_hold (under $WRAP), wait for
# "ready", run SS with each of FLAGS into OUTDIR/<flag>.txt, stop it.
hold_and_run() {
  local out=$1 addr=$2
  shift 2
  "${WRAP[@]}" "$build/bin/ss_hold" "$addr" $TCP_PORT $UDP_PORT "$out/x.sock" >"$out/hold.out" 2>"$out/hold.err" &
  local pid=$! i f
  for i in $(seq 100); do
    grep -q ready "$out/hold.out" 2>/dev/null && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  grep -q ready "$out/hold.out" || { echo "FAIL: ss_hold did not get ready:"; cat "$out/hold.err"; kill "$pid" 2>/dev/null; return 1; }
  for f in "${FLAGS[@]}"; do "$@" "$f" >"$out/$f.txt" 2>&1 || echo "(exit $?)" >>"$out/$f.txt"; done
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

if [ "${2:-}" = --kernel-side ]; then
  # In a namespace of our own: the kernel's TCP, UDP and unix sockets.
  ip link set lo up
  ip addr add "$KERNEL_IP/24" dev lo
  WRAP=(env)
  hold_and_run "$3" "$KERNEL_IP" ss
  exit 0
fi

# shellcheck source=../e2e/tun_tcp_lib.sh
source "$here/../e2e/tun_tcp_lib.sh"
tun_enter_netns "$@"
tcp_begin ctl-ss
mkdir -p "$work/kernel" "$work/stack"
fail=0
unshare -n -- bash "$0" "$build" --kernel-side "$work/kernel" || fail=1
WRAP=(env LD_PRELOAD="$build/lib/libtunsock.so")
hold_and_run "$work/stack" "$STACK_IP" "$build/bin/tunsockctl" ss || fail=1

python3 - "$work" "$KERNEL_IP" "$STACK_IP" "$TCP_PORT" "$UDP_PORT" <<'PY' || fail=1
import re, sys
work, kip, sip, tport, uport = sys.argv[1:]
keep_ports = {tport, uport}

def norm_addr(a, ip):
    if a.startswith("/"):
        return "PATH"
    host, _, port = a.rpartition(":")
    host = "ADDR" if host == ip else host
    if port not in keep_ports and port != "*":
        port = "EPH"
    return host + ":" + port

def rows(side, flag, ip):
    lines = open(f"{work}/{side}/{flag}.txt").read().splitlines()
    if not lines or not lines[0].startswith(("State", "Netid")):
        print(f"FAIL: {side} {flag}: no table:\n" + "\n".join(lines[:10]))
        return None, []
    out, info = [], []
    for line in lines[1:]:
        if line.startswith("\t"):
            info.append(line.split())
            continue
        f = line.split()
        proc = [x for x in f if x.startswith("users:")]
        f = [x for x in f if not x.startswith("users:")]
        if flag == "-xanp":
            # Netid State Recv-Q Send-Q Path Ino Peer PeerIno: the program's only
            if not proc or '"ss_hold"' not in proc[0]:
                continue
            f = f[:4] + ["PATH" if f[4] != "*" else "*", "INO", f[6], "INO" if f[7] != "0" else "0"]
        else:
            if ip not in f[3] and ip not in f[4]:
                continue
            f = f[:3] + [norm_addr(f[3], ip), norm_addr(f[4], ip)]
        p = re.sub(r"pid=\d+", "pid=PID", proc[0]) if proc else ""
        p = re.sub(r"fd=\d+", "fd=FD", p)
        out.append(" ".join(f + ([p] if p else [])))
    return sorted(out), info

fail = 0
for flag in ["-tanp", "-uanp", "-xanp"]:
    k, _ = rows("kernel", flag, kip)
    s, _ = rows("stack", flag, sip)
    if k is None or s is None:
        fail = 1
        continue
    if k != s or not k:
        fail = 1
        print(f"FAIL: ss {flag} differs (kernel, then stack):")
        for r in k: print("  k  " + r)
        for r in s: print("  s  " + r)
    else:
        print(f"ok: ss {flag}: {len(k)} rows match")
        for r in k: print("     " + r)

def names(tokens):
    n = set()
    for i, t in enumerate(tokens):
        m = re.match(r"^([a-z_]+):", t)
        if m: n.add(m.group(1))
        elif t in ("send", "pacing_rate", "delivery_rate", "app_limited", "ts", "sack", "ecn"): n.add(t)
        elif i == 0: n.add("cc")  # the algorithm: the kernel's default may differ (bbr here)
    return n

_, kinfo = rows("kernel", "-tin", kip)
_, sinfo = rows("stack", "-tin", sip)
core = {"cc", "wscale", "rto", "rtt", "mss", "pmtu", "rcvmss", "advmss", "cwnd", "bytes_sent",
        "bytes_acked", "bytes_received", "segs_out", "segs_in", "data_segs_out", "data_segs_in", "send",
        "lastsnd", "lastrcv", "lastack", "rcv_space", "rcv_ssthresh", "minrtt", "snd_wnd"}
if len(kinfo) != 2 or len(sinfo) != 2:
    fail = 1
    print(f"FAIL: ss -tin: {len(kinfo)} kernel and {len(sinfo)} stack info lines (want 2 each)")
else:
    kn = set().union(*[names(t) for t in kinfo])
    for t in sinfo:
        sn = names(t)
        extra, missing = sn - kn - {"ato"}, core - sn
        if extra or missing:
            fail = 1
            print(f"FAIL: ss -tin: names not ss's: {sorted(extra)}; core names missing: {sorted(missing)}")
    print(f"ok: ss -tin: the stack's names are ss's; ss's not printed by the stack: {sorted(kn - set().union(*[names(t) for t in sinfo]))}")
sys.exit(fail)
PY
if [ "$fail" -ne 0 ]; then
  for f in "$work"/kernel/*.txt "$work"/stack/*.txt; do echo "--- $f"; cat "$f"; done
fi
tcp_end_check $fail
