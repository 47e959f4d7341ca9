#!/usr/bin/env bash
# CPython's test_socket under the shim against known_failures.txt: fails
# when a test fails (FAIL or ERROR) that the list does not name, when a
# listed test passes (the list stays honest; "flaky" ones may do either),
# and when the run does not reach its end (a hang or a crash). Skipped
# (exit 77) while the daemon hands inet stream sockets to the host kernel.
# Usage: check.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d /tmp/tunsock-cpython-check.XXXXXX)
trap 'rm -rf "$out"' EXIT
BUILD=$build TSK_PY_TIMEOUT=${TSK_PY_TIMEOUT:-280} \
  "$here/../../scripts/cpython_test_socket.sh" --only shim --out "$out" || true
counts=$(cat "$out/shim.counts" 2>/dev/null || echo "no result")
echo "shim: $counts"
if grep -q "inet stream socket.*the host kernel's" "$out/daemon.log" 2>/dev/null; then
  echo "SKIP: this daemon hands inet stream sockets to the host kernel (the list is for TCP in the stack)"
  exit 77
fi
# Those listed as slow or hang are left out of the run: not expected to
# fail; those listed as flaky may fail or pass.
grep -E '^test\.test_socket\.' "$here/known_failures.txt" | grep -Ev '^[^ ]+ +(slow|hang|flaky)' |
  awk '{ print $1 }' | sort -u >"$out/known"
{ grep -E '^test\.test_socket\.[^ ]+ +flaky' "$here/known_failures.txt" || true; } | awk '{ print $1 }' | sort -u >"$out/flaky"
fail=0
case $counts in
  run=[0-9]*" "*" success "*|run=[0-9]*" "*" failure "*) ;;
  *) echo "FAIL: the run did not reach its end"; fail=1 ;;
esac
new=$(comm -13 "$out/known" "$out/shim.failed" | comm -23 - "$out/flaky")
gone=$(comm -23 "$out/known" "$out/shim.failed")
if [ -n "$new" ]; then
  echo "FAIL: failing under the shim, not in known_failures.txt:"
  sed 's/^/  /' <<<"$new"
  fail=1
fi
if [ -n "$gone" ] && [ $fail -eq 0 ]; then
  echo "FAIL: listed in known_failures.txt but passed (take them off the list):"
  sed 's/^/  /' <<<"$gone"
  fail=1
elif [ -n "$gone" ]; then
  echo "also listed but passed:"; sed 's/^/  /' <<<"$gone"
fi
if [ $fail -ne 0 ]; then
  for t in $new; do
    echo "--- $t"
    python3 - "$out/shim.log" "$t" <<'PY'
import re, sys
log, t = open(sys.argv[1], errors="replace").read(), sys.argv[2]
m = re.search(r"^(?:FAIL|ERROR): \S+ \(" + re.escape(t) + r"\).*?(?=^={20,}|^-{20,}\nRan )", log, re.M | re.S)
print(m.group(0)[-1500:] if m else "(no traceback found)")
PY
  done
  echo "--- daemon log (tail)"; tail -20 "$out/daemon.log" 2>/dev/null || true
  echo FAIL
else
  echo PASS
fi
exit $fail
