#!/usr/bin/env bash
# Live capture from a running daemon (tunsockctl capture), in a namespace of
# its own: two captures at once (all packets, and "icmp") while ping, UDP
# and TCP run under the shim, stopped with SIGINT and read back with
# tcpdump -n -r and tshark -r (the packets are there, the filter held);
# `tunsockctl capture -c 4 -w - udp | tcpdump -n -r -` streaming; -i lo on
# the stack's loopback; a bad filter is libpcap's message and status 1; a
# killed capture is noticed by the daemon, which keeps serving and
# captures again; a reader that does not read makes the daemon drop (and
# count) records, never wait.
# Usage: tun_capture.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/tun_ns.sh"
tun_enter_netns "$@"

for t in tcpdump tshark socat; do
  command -v $t >/dev/null || { echo "SKIP: $t is not installed (scripts/install-deps.sh)"; exit 0; }
done
# The --pcap file of the daemon's start is written beside the live captures.
boot_pcap=$(mktemp /tmp/tunsock-capture-boot.XXXXXX)
trap 'rm -f "$boot_pcap"' EXIT  # tun_begin's own trap replaces this one; it is removed at the end too
TUN_EXTRA_ARGS="--pcap $boot_pcap" TUNSOCK_LOG=info tun_begin tun-capture
ctl=$build/bin/tunsockctl  # a variable, not a function: $! must be tunsockctl itself
log=$work/daemon.log
fail=0
no() { echo "FAIL: $*"; fail=1; }
# started N: the daemon has logged its N-th capture.
started() { wait_for 5 grep -q "capture $1 on " "$log"; }
ended() { wait_for 5 grep -q "capture $1 on .* ended (reader closed)" "$log"; }

kernel_bg timeout 60 socat -T10 "UDP-LISTEN:5002,bind=$HOST_IP,fork" PIPE
udp_srv=$BG_PID
kernel_bg timeout 60 socat -u "TCP-LISTEN:7003,bind=$HOST_IP,reuseaddr" "OPEN:$work/tcp.got,creat"
tcp_srv=$BG_PID
wait_for 5 sh -c "ss -lun | grep -q '$HOST_IP:5002' && ss -ltn | grep -q '$HOST_IP:7003'" ||
  no "kernel servers did not start"

echo "=== two captures at once, stopped with SIGINT"
"$ctl" capture -w "$work/all.pcap" 2>"$work/all.err" &
all=$!
"$ctl" capture -w "$work/icmp.pcap" icmp 2>"$work/icmp.err" &
icmp=$!
started 1 && started 2 || no "captures did not start"
shim timeout 15 ping -c 3 -i 0.2 -W 2 "$HOST_IP" >/dev/null || no "ping under the shim"
out=$(shim timeout 5 socat -T1 - "UDP:$HOST_IP:5002" <<<"udp through the stack" 2>>"$work/client.err") || true
[ "$out" = "udp through the stack" ] || no "UDP echo: '$out'"
shim timeout 10 socat -u - "TCP:$HOST_IP:7003" <<<"tcp through the stack" || no "TCP client under the shim"
wait_for 5 grep -q "tcp through the stack" "$work/tcp.got" || no "TCP data did not arrive"
sleep 0.3  # the last FIN/ACKs
kill -INT $all $icmp
wait $all || no "capture (all) exited $?"
wait $icmp || no "capture (icmp) exited $?"
cat "$work/all.err" "$work/icmp.err"
ended 1 && ended 2 || no "the daemon did not end both captures"
grep -q "listening on $TUN_DEV, link-type RAW (Raw IP)" "$work/all.err" || no "no 'listening on' line"
n_all=$(sed -n 's/^\([0-9]*\) packets captured$/\1/p' "$work/all.err")
grep -q "^0 packets dropped by tunsockd$" "$work/all.err" || no "drops without a slow reader"

echo "--- tcpdump -n -r all.pcap"
tcpdump -n -r "$work/all.pcap" >"$work/all.txt" 2>"$work/all.tcpdump.err" || no "tcpdump cannot read all.pcap"
cat "$work/all.txt"
[ "$(wc -l <"$work/all.txt")" = "$n_all" ] || no "tcpdump read $(wc -l <"$work/all.txt") packets, we said $n_all"
for re in "IP $STACK_IP > $HOST_IP: ICMP echo request, id [0-9]*, seq 3, length 64" \
          "IP $HOST_IP > $STACK_IP: ICMP echo reply, id [0-9]*, seq 3, length 64" \
          "IP $STACK_IP\.[0-9]* > $HOST_IP\.5002: UDP, length 22" \
          "IP $HOST_IP\.5002 > $STACK_IP\.[0-9]*: UDP, length 22" \
          "IP $STACK_IP\.[0-9]* > $HOST_IP\.7003: Flags \[S\], seq [0-9]*, win [0-9]*, options \[mss" \
          "IP $HOST_IP\.7003 > $STACK_IP\.[0-9]*: Flags \[S\.\]" \
          "IP $STACK_IP\.[0-9]* > $HOST_IP\.7003: Flags \[P\.\], seq 1:23, ack 1, win [0-9]*" \
          "IP $STACK_IP\.[0-9]* > $HOST_IP\.7003: Flags \[F\.\]"; do
  grep -q "$re" "$work/all.txt" || no "all.pcap lacks /$re/"
done
echo "--- tshark -r all.pcap"
tshark -r "$work/all.pcap" >"$work/all.tshark" 2>"$work/tshark.err" || no "tshark cannot read all.pcap"
[ "$(wc -l <"$work/all.tshark")" = "$n_all" ] || no "tshark read $(wc -l <"$work/all.tshark") packets, we said $n_all"
grep -q "$STACK_IP → $HOST_IP *ICMP .*Echo (ping) request" "$work/all.tshark" || no "tshark: no echo request"
grep -q "$STACK_IP → $HOST_IP *UDP .* → 5002 Len=22" "$work/all.tshark" || no "tshark: no UDP datagram"
grep -q "$STACK_IP → $HOST_IP *TCP .* → 7003 \[SYN\]" "$work/all.tshark" || no "tshark: no SYN"
if grep -qi "malformed\|bogus" "$work/all.tshark"; then no "tshark found malformed packets"; fi

echo "--- the icmp filter held"
tcpdump -n -r "$work/icmp.pcap" >"$work/icmp.txt" 2>/dev/null || no "tcpdump cannot read icmp.pcap"
cat "$work/icmp.txt"
[ "$(wc -l <"$work/icmp.txt")" = 6 ] || no "icmp.pcap: $(wc -l <"$work/icmp.txt") packets, not 6"
if grep -v ": ICMP echo" "$work/icmp.txt"; then no "icmp.pcap holds other packets"; fi
[ "$(tshark -r "$work/icmp.pcap" -Y 'not icmp' 2>/dev/null | wc -l)" = 0 ] || no "tshark: non-ICMP in icmp.pcap"
grep -q "^6 packets received by filter$" "$work/icmp.err" || no "icmp capture: not 6 received by filter"

echo "=== streaming: tunsockctl capture -c 4 -w - udp | tcpdump -n -r -"
("$ctl" capture -c 4 -w - udp 2>"$work/stream.err" | tcpdump -n -r - >"$work/stream.txt" 2>/dev/null) &
stream=$!
started 3 || no "streaming capture did not start"
for i in 1 2; do
  out=$(shim timeout 5 socat -T1 - "UDP:$HOST_IP:5002" <<<"stream $i" 2>>"$work/client.err") || true
  [ "$out" = "stream $i" ] || no "UDP echo $i: '$out'"
done
timeout 10 tail --pid=$stream -f /dev/null || no "the streaming pipeline did not end after 4 packets"
wait $stream || no "streaming pipeline exited $?"
cat "$work/stream.txt"
[ "$(grep -c ": UDP, length 9$" "$work/stream.txt")" = 4 ] || no "streamed: not 4 UDP lines"
[ "$(wc -l <"$work/stream.txt")" = 4 ] || no "streamed more than 4 lines"
grep -q "^4 packets captured$" "$work/stream.err" || no "stream: not '4 packets captured'"
ended 3 || no "the daemon did not end the streaming capture"

echo "=== -i lo: the stack's loopback"
shim_bg timeout 30 socat -T10 UDP-LISTEN:5005,bind=127.0.0.1 PIPE
spid=$BG_PID
"$ctl" capture -i lo -c 2 -w "$work/lo.pcap" udp 2>"$work/lo.err" &
lo=$!
started 4 || no "lo capture did not start"
for i in $(seq 20); do
  out=$(shim timeout 5 socat -T1 - UDP:127.0.0.1:5005 <<<"lo" 2>/dev/null) || true
  [ "$out" = lo ] && break
  sleep 0.2
done
timeout 10 tail --pid=$lo -f /dev/null || no "lo capture did not end"
wait $lo || no "lo capture exited $?"
kill "$spid" 2>/dev/null || true; wait "$spid" 2>/dev/null || true; spid=
tcpdump -n -r "$work/lo.pcap" 2>/dev/null | tee "$work/lo.txt"
grep -q "IP 127.0.0.1\.[0-9]* > 127.0.0.1\.5005: UDP, length 3" "$work/lo.txt" || no "lo: no datagram to 5005"
grep -q "IP 127.0.0.1\.5005 > 127.0.0.1\.[0-9]*: UDP, length 3" "$work/lo.txt" || no "lo: no echo from 5005"
grep -q "listening on lo," "$work/lo.err" || no "lo: not listening on lo"
out=$("$ctl" capture -i nosuch -w "$work/x.pcap" 2>&1) && no "an unknown interface was accepted"
grep -q "nosuch: No such device exists" <<<"$out" || no "unknown interface: '$out'"

echo "=== a bad filter: libpcap's message, status 1"
set +e
out=$("$ctl" capture -w "$work/bad.pcap" tcp port 2>&1)
rc=$?
set -e
echo "$out"
[ $rc = 1 ] || no "bad filter: exit status $rc"
grep -q "syntax error" <<<"$out" || no "bad filter: no libpcap message"

echo "=== a killed capture: the daemon ends its tap and captures again"
"$ctl" capture -w "$work/killed.pcap" 2>/dev/null &
k=$!
started 5 || no "capture 5 did not start"
kill -KILL $k; wait $k 2>/dev/null || true
ended 5 || no "the daemon did not notice the killed capture"
"$ctl" capture -c 2 -w "$work/after.pcap" icmp 2>"$work/after.err" &
after=$!
started 6 || no "capture 6 did not start"
shim timeout 15 ping -c 1 -W 2 "$HOST_IP" >/dev/null || no "ping after the killed capture"
timeout 10 tail --pid=$after -f /dev/null || no "capture 6 did not end"
wait $after || no "capture 6 exited $?"
[ "$(tcpdump -n -r "$work/after.pcap" 2>/dev/null | grep -c 'ICMP echo')" = 2 ] || no "after.pcap: not 2 echoes"

echo "=== a reader that does not read: drops counted, the daemon never waits"
kernel_bg timeout 60 socat -u "TCP-LISTEN:7004,bind=$HOST_IP,reuseaddr" OPEN:/dev/null
sink=$BG_PID
wait_for 5 sh -c "ss -ltn | grep -q '$HOST_IP:7004'" || no "sink did not start"
# The pipe's reader sleeps; tunsockctl blocks on the full pipe, its socket
# fills, and the daemon's queue overflows.
mkfifo "$work/slow.fifo"
"$ctl" capture -w "$work/slow.fifo" tcp port 7004 2>"$work/slow.err" &
slow=$!
(sleep 4; cat >/dev/null) <"$work/slow.fifo" &
reader=$!
started 7 || no "capture 7 did not start"
start=$SECONDS
head -c 30000000 /dev/zero | shim timeout 20 socat -u - "TCP:$HOST_IP:7004" || no "bulk transfer under a slow capture"
echo "30 MB sent in $((SECONDS - start)) s with a stalled capture reader"
kill -INT $slow
timeout 15 tail --pid=$slow -f /dev/null || no "slow capture did not end"
wait $reader 2>/dev/null || true
cat "$work/slow.err"
d=$(sed -n 's/^\([0-9]*\) packets dropped by tunsockd$/\1/p' "$work/slow.err")
[ -n "$d" ] && [ "$d" -gt 0 ] || no "no drops counted for a stalled reader"
kill -0 "$TUNSOCKD_PID" || no "the daemon died"
shim timeout 15 ping -c 1 -W 2 "$HOST_IP" >/dev/null || no "the daemon does not serve after the slow capture"

echo "=== --pcap FILE (the same writer) holds the first ping too"
[ "$(tcpdump -n -r "$boot_pcap" icmp 2>/dev/null | grep -c 'ICMP echo request, id [0-9]*, seq [123], length 64')" -ge 3 ] ||
  no "--pcap file lacks the echo requests"
rm -f "$boot_pcap"

kill $udp_srv $tcp_srv $sink 2>/dev/null || true
wait $udp_srv $tcp_srv $sink 2>/dev/null || true
[ $fail -eq 0 ] || { echo "--- daemon log (tail)"; tail -30 "$log"; }
exit $fail
