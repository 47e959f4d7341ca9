#!/usr/bin/python3
"""Draw a TCP connection's time-sequence graph, cwnd and RTT (tunsockctl plot).

Two sources:
  --history FILE   the JSON of `tunsockctl history --json` (docs/ctl-json.md
                   "history"): ACK samples (SND.UNA, SND.MAX, window, cwnd,
                   ssthresh, SRTT, RTT) once per SRTT, every retransmission
                   with its cause, SACK blocks, RTOs and zero windows.
  --pcap FILE      a capture (pcap, raw IP, Ethernet or Linux cooked): every
                   segment of one conversation, seen from its data sender.
                   cwnd cannot be seen on the wire: the graph shows the bytes
                   in flight (highest sequence sent less highest ACK) instead,
                   and RTT by Karn's rule (first transmissions only).

Sequence numbers are relative to the sender's ISN. --dump prints the series
that were plotted as JSON (the tests compare them with the input); --list
prints a capture's TCP conversations (tunsockctl picks one with an ss filter).
Plotting uses matplotlib (Debian python3-matplotlib), nothing hand-drawn.
"""
import argparse
import json
import socket
import struct
import sys

# --- pcap -------------------------------------------------------------------

LINK_NULL, LINK_EN10MB, LINK_RAW, LINK_RAW_BSD, LINK_RAW_OBSD, LINK_SLL, LINK_SLL2 = 0, 1, 101, 12, 14, 113, 276


def read_pcap(path):
    """Yield (time_s, ip_packet_bytes) of the IPv4 packets in a pcap file."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 24:
        raise ValueError('%s: not a pcap file' % path)
    magic = struct.unpack('<I', data[:4])[0]
    if magic in (0xa1b2c3d4, 0xa1b23c4d):
        end = '<'
    elif magic in (0xd4c3b2a1, 0x4d3cb2a1):
        end = '>'
    else:
        raise ValueError('%s: not a pcap file (magic %08x; pcapng is not read)' % (path, magic))
    nano = magic in (0xa1b23c4d, 0x4d3cb2a1)
    linktype = struct.unpack(end + 'I', data[20:24])[0] & 0x0fffffff
    off = 24
    while off + 16 <= len(data):
        sec, frac, incl, _orig = struct.unpack(end + 'IIII', data[off:off + 16])
        off += 16
        pkt = data[off:off + incl]
        off += incl
        t = sec + frac / (1e9 if nano else 1e6)
        ip = link_payload(linktype, pkt)
        if ip is not None and len(ip) >= 20 and ip[0] >> 4 == 4:
            yield t, ip


def link_payload(linktype, pkt):
    if linktype in (LINK_RAW, LINK_RAW_BSD, LINK_RAW_OBSD):
        return pkt
    if linktype == LINK_EN10MB:
        off, etype = 14, struct.unpack('>H', pkt[12:14])[0] if len(pkt) >= 14 else 0
        while etype in (0x8100, 0x88a8) and len(pkt) >= off + 4:
            etype = struct.unpack('>H', pkt[off + 2:off + 4])[0]
            off += 4
        return pkt[off:] if etype == 0x0800 else None
    if linktype == LINK_SLL:
        return pkt[16:] if len(pkt) >= 16 and struct.unpack('>H', pkt[14:16])[0] == 0x0800 else None
    if linktype == LINK_SLL2:
        return pkt[20:] if len(pkt) >= 20 and struct.unpack('>H', pkt[0:2])[0] == 0x0800 else None
    if linktype == LINK_NULL:
        return pkt[4:] if len(pkt) >= 4 and pkt[0] in (2, 0) else None
    return None


def parse_tcp(ip):
    """The TCP segment of an IPv4 packet as a dict, or None."""
    ihl = (ip[0] & 0xf) * 4
    if ip[9] != 6 or len(ip) < ihl + 20:
        return None
    frag = struct.unpack('>H', ip[6:8])[0]
    if frag & 0x1fff:
        return None
    total = min(struct.unpack('>H', ip[2:4])[0], len(ip))
    t = ip[ihl:total]
    sport, dport, seq, ack, offflags, win = struct.unpack('>HHIIHH', t[:16])
    doff = (offflags >> 12) * 4
    seg = {
        'src': socket.inet_ntoa(ip[12:16]), 'dst': socket.inet_ntoa(ip[16:20]),
        'sport': sport, 'dport': dport, 'seq': seq, 'ack': ack,
        'flags': offflags & 0x1ff, 'win': win, 'len': max(0, len(t) - doff),
        'wscale': None, 'sack': [],
    }
    opts = t[20:doff]
    i = 0
    while i < len(opts):
        kind = opts[i]
        if kind == 0:
            break
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(opts) or opts[i + 1] < 2:
            break
        olen = opts[i + 1]
        body = opts[i + 2:i + olen]
        if kind == 3 and len(body) == 1:
            seg['wscale'] = min(body[0], 14)
        elif kind == 5:
            seg['sack'] = [struct.unpack('>II', body[j:j + 8]) for j in range(0, len(body) - 7, 8)]
        i += olen
    return seg


FIN, SYN, RST, ACK = 0x01, 0x02, 0x04, 0x10


def conversations(segments):
    """The TCP conversations in order of first appearance, each oriented from
    its data sender (the side that sent more payload)."""
    convs = {}
    for _t, s in segments:
        a, b = (s['src'], s['sport']), (s['dst'], s['dport'])
        key = (a, b) if (a, b) <= (b, a) else (b, a)
        c = convs.setdefault(key, {'bytes': {}, 'order': len(convs)})
        c['bytes'][a] = c['bytes'].get(a, 0) + s['len']
        c['bytes'].setdefault(b, 0)
    out = []
    for key, c in sorted(convs.items(), key=lambda kv: kv[1]['order']):
        x, y = key
        snd, rcv = (x, y) if c['bytes'][x] >= c['bytes'][y] else (y, x)
        out.append({'src': snd[0], 'sport': snd[1], 'dst': rcv[0], 'dport': rcv[1],
                    'bytes': c['bytes'][snd]})
    return out


def series_from_pcap(path, tuple_text=None):
    segs = [(t, s) for t, ip in read_pcap(path) for s in [parse_tcp(ip)] if s]
    convs = conversations(segs)
    if not convs:
        raise ValueError('%s: no TCP segment' % path)
    conv = convs[0]
    if tuple_text:
        conv = next((c for c in convs if '%s:%d>%s:%d' % (c['src'], c['sport'], c['dst'], c['dport']) == tuple_text), None)
        if conv is None:
            raise ValueError('%s: no conversation %s' % (path, tuple_text))
    snd, rcv = (conv['src'], conv['sport']), (conv['dst'], conv['dport'])
    out = segs_of(segs, snd, rcv)
    t0 = out[0][0]
    iss = None
    snd_scale = rcv_scale = None
    for _t, s in out:
        if s['flags'] & SYN:
            if (s['src'], s['sport']) == snd:
                iss = s['seq']
                snd_scale = s['wscale']
            else:
                rcv_scale = s['wscale']
    if iss is None:  # a capture that began mid-connection
        iss = next(s['seq'] for _t, s in out if (s['src'], s['sport']) == snd)
    scale = rcv_scale if (snd_scale is not None and rcv_scale is not None) else 0

    def rel(x):
        return (x - iss) & 0xffffffff

    ser = new_series('pcap', '%s:%d > %s:%d' % (snd[0], snd[1], rcv[0], rcv[1]))
    ser['notes'] = ('from a capture: cwnd is not on the wire, "cwnd" shows the bytes in flight '
                    '(highest sequence sent - highest ACK); RTT by Karn\'s rule')
    high = None      # highest sequence end sent (relative)
    high_ack = 0
    first_sent = {}  # relative end -> time of the first transmission
    retransmitted = set()
    for t, s in out:
        t -= t0
        if (s['src'], s['sport']) == snd:
            xlen = s['len'] + (1 if s['flags'] & SYN else 0) + (1 if s['flags'] & FIN else 0)
            if xlen == 0:
                continue
            start = rel(s['seq'])
            end = start + xlen
            ser['sent'].append([round(t, 6), start, xlen])
            if high is not None and start < high:
                ser['retransmits'].append([round(t, 6), start, xlen, 'seen-before'])
                for e in list(first_sent):
                    if start < e <= end:
                        retransmitted.add(e)
            else:
                first_sent.setdefault(end, t)
            high = end if high is None else max(high, end)
            ser['cwnd'].append([round(t, 6), max(0, high - high_ack)])
        elif s['flags'] & ACK:
            a = rel(s['ack'])
            if s['flags'] & SYN:
                continue
            ser['acks'].append([round(t, 6), a])
            ser['window'].append([round(t, 6), a + (s['win'] << scale)])
            for l, r in s['sack']:
                ser['sack'].append([round(t, 6), rel(l), rel(r)])
            if a > high_ack:
                for e in sorted(first_sent):
                    if e > a:
                        break
                    if e == a and e not in retransmitted:
                        ser['rtt'].append([round(t, 6), round((t - first_sent[e]) * 1e3, 3)])
                for e in [e for e in first_sent if e <= a]:
                    del first_sent[e]
                high_ack = a
    return ser


def segs_of(segs, a, b):
    return [(t, s) for t, s in segs
            if {(s['src'], s['sport']), (s['dst'], s['dport'])} == {a, b}]


# --- history JSON -----------------------------------------------------------

def pick_connection(doc, conn):
    conns = doc.get('connections', [])
    if conn is not None:
        for c in conns:
            if str(c.get('sock_id')) == str(conn):
                return c
        raise ValueError('no connection with sock_id %s in the history' % conn)
    for c in conns:  # the first that sent data
        if any(e['kind'] == 'ack' for e in c.get('events', [])):
            return c
    if conns:
        return conns[0]
    raise ValueError('the history holds no connection')


def series_from_history(doc, conn=None):
    c = pick_connection(doc, conn)
    iss = c.get('iss', 0)

    def rel(x):
        return (x - iss) & 0xffffffff

    l, r = c['local'], c['remote']
    ser = new_series('history', '%s:%d > %s:%d (sock %s)' % (l['addr'], l['port'], r['addr'], r['port'],
                                                           c.get('sock_id')))
    ser['notes'] = 'from the stack\'s history: ACK samples once per SRTT, every retransmission, SACK block and cwnd change'
    if c.get('events_dropped'):
        ser['notes'] += '; the first %d events were dropped by the ring' % c['events_dropped']
    for e in c.get('events', []):
        t = round(e['t_us'] / 1e6, 6)
        k = e['kind']
        if k == 'ack':
            ser['acks'].append([t, rel(e['una'])])
            ser['sent'].append([t, rel(e['sent']), 0])
            ser['window'].append([t, rel(e['una']) + e['wnd']])
            ser['cwnd'].append([t, e['cwnd']])
            if e['ssthresh'] < 0x7fffffff:
                ser['ssthresh'].append([t, e['ssthresh']])
            if e.get('rtt_us'):
                ser['rtt'].append([t, round(e['rtt_us'] / 1e3, 3)])
            if e.get('srtt_us'):
                ser['srtt'].append([t, round(e['srtt_us'] / 1e3, 3)])
        elif k == 'cwnd':
            ser['cwnd'].append([t, e['cwnd']])
            if e['ssthresh'] < 0x7fffffff:
                ser['ssthresh'].append([t, e['ssthresh']])
        elif k == 'retransmit':
            ser['retransmits'].append([t, rel(e['seq']), e['len'], e['cause']])
        elif k == 'sack-rcvd':
            for bl, br in e['blocks']:
                ser['sack'].append([t, rel(bl), rel(br)])
        elif k == 'rto':
            ser['marks'].append([t, 'RTO (backoff %d)' % e['backoff']])
        elif k == 'zero-window' and e.get('side') == 'peer':
            ser['marks'].append([t, 'zero window ' + ('entered' if e['entered'] else 'left')])
    return ser


def new_series(source, title):
    return {'source': source, 'title': title, 'sent': [], 'acks': [], 'window': [], 'sack': [],
            'retransmits': [], 'cwnd': [], 'ssthresh': [], 'rtt': [], 'srtt': [], 'marks': []}


# --- drawing ----------------------------------------------------------------

def draw(ser, out, title=None):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, (ax, axc, axr) = plt.subplots(3, 1, figsize=(10, 9), sharex=True,
                                       gridspec_kw={'height_ratios': [3, 1.2, 1.2]})
    fig.suptitle(title or ('TCP %s (%s)' % (ser['title'], ser['source'])))
    if ser['source'] == 'pcap':
        for t, s, n in ser['sent']:
            ax.plot([t, t], [s, s + n], color='tab:blue', linewidth=1)
        ax.plot([], [], color='tab:blue', label='segments sent')
    elif ser['sent']:
        ax.step(*zip(*[(t, s) for t, s, _n in ser['sent']]), where='post', color='tab:blue', label='SND.MAX (sent)')
    if ser['acks']:
        ax.step(*zip(*ser['acks']), where='post', color='tab:green', label='ACK')
    if ser['window']:
        ax.step(*zip(*ser['window']), where='post', color='tab:olive', linestyle='--', linewidth=0.8,
                label='receive window edge')
    for i, (t, l, r) in enumerate(ser['sack']):
        ax.plot([t, t], [l, r], color='tab:purple', linewidth=2.5, alpha=0.6, label='SACKed' if i == 0 else None)
    colors = {'rto': 'red', 'fast-retransmit': 'darkorange', 'partial-ack': 'gold', 'seen-before': 'red'}
    seen = set()
    for t, s, n, cause in ser['retransmits']:
        lab = 'retransmission (%s)' % cause if cause not in seen else None
        seen.add(cause)
        ax.plot([t], [s], marker='x', color=colors.get(cause, 'red'), markersize=7, linestyle='none', label=lab)
    for t, what in ser['marks']:
        for a in (ax, axc, axr):
            a.axvline(t, color='grey', linestyle=':', linewidth=0.7)
        ax.annotate(what, (t, 0), textcoords='offset points', xytext=(2, 2), fontsize=7, rotation=90, color='grey')
    # The window edge may run far ahead: keep the data in view.
    tops = [s + n for _t, s, n in ser['sent']] + [a for _t, a in ser['acks']] + [r for _t, _l, r in ser['sack']]
    if tops:
        ax.set_ylim(0, max(tops) * 1.15 + 1)
    ax.set_ylabel('sequence (bytes from ISN)')
    ax.legend(loc='upper left', fontsize=8)
    ax.grid(alpha=0.3)
    label = 'cwnd' if ser['source'] == 'history' else 'bytes in flight (cwnd estimate)'
    if ser['cwnd']:
        axc.step(*zip(*ser['cwnd']), where='post', color='tab:red', label=label)
    if ser['ssthresh']:
        axc.step(*zip(*ser['ssthresh']), where='post', color='tab:gray', linestyle='--', label='ssthresh')
    axc.set_ylabel('bytes')
    axc.legend(loc='upper left', fontsize=8)
    axc.grid(alpha=0.3)
    if ser['rtt']:
        axr.plot(*zip(*ser['rtt']), '.', color='tab:cyan', markersize=3, label='RTT sample')
    if ser['srtt']:
        axr.step(*zip(*ser['srtt']), where='post', color='tab:blue', label='SRTT')
    axr.set_ylabel('ms')
    axr.set_xlabel('seconds since the connection began' if ser['source'] == 'history' else 'seconds since the first segment')
    axr.legend(loc='upper left', fontsize=8)
    axr.grid(alpha=0.3)
    fig.text(0.01, 0.005, ser.get('notes', ''), fontsize=7, color='dimgray')
    fig.tight_layout(rect=(0, 0.02, 1, 0.97))
    fig.savefig(out, dpi=100)
    plt.close(fig)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument('--history', help='history JSON (tunsockctl history --json); - for stdin')
    src.add_argument('--pcap', help='a pcap capture file')
    p.add_argument('--conn', help='history: the sock_id to plot (default: the first that sent data)')
    p.add_argument('--tuple', help='pcap: the conversation SRC:PORT>DST:PORT (default: the first TCP one)')
    p.add_argument('--list', action='store_true', help='pcap: print its TCP conversations as JSON')
    p.add_argument('-o', '--output', help='the PNG to write')
    p.add_argument('--title')
    p.add_argument('--dump', action='store_true', help='print the plotted series as JSON')
    a = p.parse_args(argv)
    try:
        if a.list:
            if not a.pcap:
                p.error('--list reads a --pcap')
            segs = [(t, s) for t, ip in read_pcap(a.pcap) for s in [parse_tcp(ip)] if s]
            print(json.dumps(conversations(segs)))
            return 0
        if a.history:
            doc = json.load(sys.stdin if a.history == '-' else open(a.history))
            ser = series_from_history(doc, a.conn)
        else:
            ser = series_from_pcap(a.pcap, a.tuple)
    except (OSError, ValueError, KeyError) as e:
        print('tunsock_plot: %s' % e, file=sys.stderr)
        return 1
    if a.output:
        draw(ser, a.output, a.title)
    if a.dump:
        print(json.dumps(ser))
    if not a.output and not a.dump:
        p.error('nothing to do: give -o FILE.png or --dump')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
