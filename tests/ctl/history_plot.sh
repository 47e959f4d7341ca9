#!/usr/bin/env bash
# tunsockctl plot on a recorded history JSON and on a pcap of the same
# transfer under 2 % loss (history_example: the in-memory link, virtual
# clock, seeded): each writes a PNG, and the series the script plotted
# (--dump) agree with the input: from the history every retransmission with
# its cause, every cwnd value and every ACK sample, in order; from the pcap
# the sender's segments and the receiver's ACKs as tcpdump counts them, the
# SACK blocks as tshark reads them, the retransmissions tshark flags (at the
# same sequence numbers the history names); and -f picks a conversation.
# Usage: history_plot.sh BUILD_DIR
set -euo pipefail
build=$(cd "$1" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
py=/usr/bin/python3
ctl=$build/bin/tunsockctl
"$build/bin/history_example" --json "$work/h.json" --pcap "$work/t.pcap" >/dev/null
"$ctl" plot "$work/h.json" -o "$work/h.png" --dump >"$work/h.dump"
"$ctl" plot "$work/t.pcap" -o "$work/t.png" --dump >"$work/t.dump"

tcpdump -n -r "$work/t.pcap" 'src host 198.18.0.1 and tcp and (tcp[tcpflags] & (tcp-syn|tcp-fin) != 0 or ip[2:2] - ((ip[0]&0xf)<<2) - ((tcp[12]&0xf0)>>2) != 0)' \
  2>/dev/null | wc -l >"$work/sent.count"
tcpdump -n -r "$work/t.pcap" 'src host 198.18.0.2 and tcp[tcpflags] & tcp-ack != 0 and tcp[tcpflags] & tcp-syn == 0' \
  2>/dev/null | wc -l >"$work/acks.count"
tshark -r "$work/t.pcap" -Y 'ip.src==198.18.0.2' -T fields -e tcp.options.sack_le 2>/dev/null |
  tr ',' '\n' | grep -c . >"$work/sack.count" || true
tshark -r "$work/t.pcap" -Y 'ip.src==198.18.0.1 && (tcp.analysis.retransmission || tcp.analysis.fast_retransmission || tcp.analysis.out_of_order)' \
  -T fields -e tcp.seq 2>/dev/null >"$work/rexmit.seqs"

"$py" - "$work" <<'PY'
import json, sys
w = sys.argv[1]
fail = []
def check(ok, what):
    print(('ok: ' if ok else 'FAIL: ') + what)
    if not ok:
        fail.append(what)
for png in ('h.png', 't.png'):
    check(open('%s/%s' % (w, png), 'rb').read(8) == b'\x89PNG\r\n\x1a\n', png + ' is a PNG')
doc = json.load(open(w + '/h.json'))
conn = doc['connections'][0]
iss = conn['iss']
rel = lambda s: (s - iss) & 0xffffffff
ev = conn['events']
h = json.load(open(w + '/h.dump'))
want = [[round(e['t_us'] / 1e6, 6), rel(e['seq']), e['len'], e['cause']] for e in ev if e['kind'] == 'retransmit']
check(h['retransmits'] == want and len(want) > 0, 'history: %d retransmissions with their causes' % len(want))
causes = {r[3] for r in want}
check({'fast-retransmit', 'rto'} <= causes, 'history: fast retransmit and RTO among the causes (%s)' % sorted(causes))
want = [e['cwnd'] for e in ev if e['kind'] in ('cwnd', 'ack')]
check([c for _t, c in h['cwnd']] == want, 'history: %d cwnd values in order' % len(want))
want = [rel(e['una']) for e in ev if e['kind'] == 'ack']
check([a for _t, a in h['acks']] == want, 'history: %d ACK samples' % len(want))
want = sum(len(e['blocks']) for e in ev if e['kind'] == 'sack-rcvd')
check(len(h['sack']) == want, 'history: %d SACK blocks' % want)
check(conn['events_dropped'] == 0, 'history: the ring kept every event of this transfer')
p = json.load(open(w + '/t.dump'))
n = int(open(w + '/sent.count').read())
check(len(p['sent']) == n, 'pcap: %d segments sent (tcpdump: %d)' % (len(p['sent']), n))
n = int(open(w + '/acks.count').read())
check(len(p['acks']) == n, 'pcap: %d ACKs (tcpdump: %d)' % (len(p['acks']), n))
n = int(open(w + '/sack.count').read())
check(len(p['sack']) == n, 'pcap: %d SACK blocks (tshark: %d)' % (len(p['sack']), n))
seqs = [int(x) for x in open(w + '/rexmit.seqs').read().split()]
check([r[1] for r in p['retransmits']] == seqs, 'pcap: retransmissions at %s (tshark: %s)' % ([r[1] for r in p['retransmits']], seqs))
check(sorted(r[1] for r in p['retransmits']) == sorted(r[1] for r in h['retransmits']),
      'pcap and history: the same sequence numbers retransmitted')
check(all(c >= 0 for _t, c in p['cwnd']) and max(c for _t, c in p['cwnd']) > 0, 'pcap: bytes in flight plotted')
sys.exit(1 if fail else 0)
PY

# -f picks the conversation (an ss filter on the pcap's 4-tuples).
if "$ctl" plot "$work/t.pcap" -f 'dport = :5001' --dump >"$work/f.dump" 2>"$work/f.err"; then
  "$py" -c "import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d['title'].endswith(':5001') else 1)" "$work/f.dump" &&
    echo "ok: -f 'dport = :5001' picks the transfer" || { echo "FAIL: -f picked $(head -c 200 "$work/f.dump")"; exit 1; }
  if "$ctl" plot "$work/t.pcap" -f 'dport = :9' --dump >/dev/null 2>&1; then
    echo "FAIL: -f 'dport = :9' matched nothing yet succeeded"; exit 1
  fi
  echo "ok: -f 'dport = :9' matches no conversation: an error"
else
  echo "FAIL: -f: $(cat "$work/f.err")"; exit 1
fi
