#!/usr/bin/env bash
# CPython's own test_socket (Debian's libpython3.11-testsuite) on the kernel
# and under the shim, each in a network namespace of its own (unshare -n);
# the kernel's with lo up, the shim's with the kernel's lo down and every
# domain in the stack: a tunsockd serving unix, inet and inet6 on its own
# loopback and a TUN device (198.18.0.2/24, 2001:db8::2/64). VSOCK tests are left out
# (-i '*VSOCK*': they hang without a VSOCK host). Prints, for both runs, the
# number of tests run, failed, errors and skipped, then each test that fails
# (FAIL or ERROR) only under the shim.
# Usage: scripts/cpython_test_socket.sh [--only kernel|shim] [--out DIR]
#   --only   one of the two runs (tests/cpython uses --only shim)
#   --out    keep the results in DIR: KIND.log (regrtest's output),
#            KIND.failed (ids of failing tests, sorted), KIND.counts,
#            daemon.log; without it they go to a temporary directory
#   BUILD=DIR  build directory (default: build)
# Needs root (or unprivileged user namespaces). Each run is bounded: regrtest's
# --timeout 120 per test and `timeout` over the whole run (TSK_PY_TIMEOUT s,
# default 900).
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${BUILD:-$top/build}" && pwd)
only='' out=''
while [ $# -gt 0 ]; do
  case $1 in
    --only) only=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--only kernel|shim] [--out DIR]" >&2; exit 2 ;;
  esac
done
case $only in ''|kernel|shim) ;; *) echo "--only kernel|shim" >&2; exit 2 ;; esac
testpy=/usr/lib/python3.11/test/test_socket.py
[ -f "$testpy" ] || { echo "missing $testpy (apt-get install libpython3.11-testsuite)" >&2; exit 2; }

if [ -n "$out" ]; then
  mkdir -p "$out"; out=$(cd "$out" && pwd); keep=1
else
  out=$(mktemp -d /tmp/tunsock-cpython.XXXXXX); keep=0
fi
[ $keep = 1 ] || trap 'rm -rf "$out"' EXIT
u=-n
[ "$(id -u)" -eq 0 ] || u=-rn
limit=${TSK_PY_TIMEOUT:-900}
py=/usr/bin/python3   # Debian's, whose test package is libpython3.11-testsuite (not a pyenv one in PATH)
pytest_cmd=("$py" -m test test_socket -v --timeout "${TSK_PY_TEST_TIMEOUT:-120}" -i '*VSOCK*')
# Tests that hang or are very slow under the shim would end the whole run at
# regrtest's --timeout (it exits) or make it last 10 min; the shim's run
# leaves out those that tests/cpython/known_failures.txt lists with a cause
# starting "hang" or "slow" (TSK_PY_ALL=1: run them too).
hangs=()
while read -r id _; do hangs+=(-i "$id"); done < <([ "${TSK_PY_ALL:-0}" = 1 ] || grep -E '^test\.test_socket\.[^ ]+ +(hang|slow)' "$top/tests/cpython/known_failures.txt" 2>/dev/null || true)

# run KIND: regrtest in a fresh namespace; the shim's with its own daemon,
# started and stopped by pid inside that namespace (it dies with it anyway).
run() {
  local kind=$1 rc=0
  local t0=$SECONDS
  if [ "$kind" = kernel ]; then
    timeout -k 10 "$limit" unshare $u -- bash -c 'ip link set lo up && cd /tmp && exec "$@"' bash \
      "${pytest_cmd[@]}" >"$out/kernel.log" 2>&1 || rc=$?
  else
    # The kernel's lo stays down: nothing of the run can use the kernel's
    # inet or inet6 (no address, no route). The stack has lo (127.0.0.1/8,
    # ::1) and a TUN device tsk0 with 198.18.0.2/24 and 2001:db8::2/64 (its
    # kernel side 198.18.0.1/24 and 2001:db8::1/64), no default route.
    TSK_BUILD=$build TSK_OUT=$out timeout -k 10 "$limit" unshare $u -- bash -c '
      set -e
      ip link set lo down
      export TUNSOCK_SOCKET=$TSK_OUT/ctl.sock
      rm -f "$TUNSOCK_SOCKET"
      sysctl -qw net.ipv6.conf.default.accept_dad=0 2>/dev/null || true
      TUNSOCK_LOG=${TUNSOCK_LOG:-info} "$TSK_BUILD/bin/tunsockd" --socket "$TUNSOCK_SOCKET" --tun tsk0 \
        --address 198.18.0.2/24 --address 2001:db8::2/64 --host-address 198.18.0.1/24 >"$TSK_OUT/daemon.log" 2>&1 &
      d=$!
      for _ in $(seq 200); do [ -S "$TUNSOCK_SOCKET" ] && break; sleep 0.025; done
      ip -6 addr add 2001:db8::1/64 dev tsk0 nodad 2>/dev/null || true
      ip link set tsk0 up
      cd /tmp
      rc=0
      "$TSK_BUILD/bin/tunsock" "$@" || rc=$?
      kill -TERM $d; for _ in $(seq 50); do kill -0 $d 2>/dev/null || break; sleep 0.1; done
      kill -KILL $d 2>/dev/null || true; wait $d 2>/dev/null || true
      exit $rc' bash "${pytest_cmd[@]}" "${hangs[@]}" >"$out/shim.log" 2>&1 || rc=$?
  fi
  echo "$rc $((SECONDS - t0))" >"$out/$kind.rc"
}

# summarize KIND: KIND.failed and KIND.counts from regrtest's output.
summarize() {
  python3 - "$out" "$1" <<'EOF'
import re, sys
out, kind = sys.argv[1], sys.argv[2]
log = open(f"{out}/{kind}.log", errors="replace").read()
rc, secs = open(f"{out}/{kind}.rc").read().split()
failed = set()
for m in re.finditer(r"^(FAIL|ERROR): (\S+) \((\S+)\)", log, re.M):
    failed.add(m.group(3))
ran = re.findall(r"^Ran (\d+) tests? in", log, re.M)
fails = errs = skips = 0
m = re.search(r"^(?:FAILED|OK) \(([^)]*)\)", log, re.M)
if m:
    for part in m.group(1).split(","):
        k, _, v = part.strip().partition("=")
        if k == "failures": fails = int(v)
        elif k == "errors": errs = int(v)
        elif k == "skipped": skips = int(v)
if not ran:  # regrtest stopped before the end: a hang (--timeout) or a crash
    status = "INCOMPLETE"
    last = re.findall(r"^(\S+) \((\S+)\)[^\n]*\.\.\. ?$", log, re.M)
    if last: status += f" (last started: {last[-1][1]})"
else:
    status = "success" if re.search(r"result: SUCCESS", log, re.I) else "failure"
with open(f"{out}/{kind}.failed", "w") as f:
    for t in sorted(failed): print(t, file=f)
with open(f"{out}/{kind}.counts", "w") as f:
    print(f"run={ran[-1] if ran else '?'} failures={fails} errors={errs} skipped={skips} "
          f"{status} exit={rc} {secs}s", file=f)
EOF
}

kinds=(kernel shim)
[ -z "$only" ] || kinds=("$only")
for k in "${kinds[@]}"; do
  echo "== $k: ${pytest_cmd[*]}" >&2
  run "$k"
  summarize "$k"
done

echo
for k in "${kinds[@]}"; do printf '%-7s %s\n' "$k" "$(cat "$out/$k.counts")"; done
[ ${#hangs[@]} -eq 0 ] || [ "$only" = kernel ] || echo "(the shim's run left out $((${#hangs[@]} / 2)) slow or hanging tests: known_failures.txt)"
if [ "$only" != kernel ] && grep -q "inet stream socket.*the host kernel's" "$out/daemon.log" 2>/dev/null; then
  echo "NOTE: the daemon handed inet stream sockets to the host kernel: TCP in the shim's run was the kernel's"
fi
if [ -z "$only" ]; then
  echo
  echo "failing only under the shim:"
  comm -13 "$out/kernel.failed" "$out/shim.failed" | sed 's/^/  /'
  if [ -s "$out/kernel.failed" ]; then
    echo "failing on the kernel too (or only there):"
    sed 's/^/  /' "$out/kernel.failed"
  fi
fi
