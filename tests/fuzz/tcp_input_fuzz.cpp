// libFuzzer target: TCP segments into connections of the stack in every
// RFC 9293 state. The first two bytes pick a scenario and its variant; a
// scripted peer on the stack's link (virtual clock, proper sequence numbers
// learnt from what the stack sends) brings one connection into that state,
// which is asserted through TCP_INFO's tcpi_state or the tcpcb. The rest of
// the input is a program of operations:
//   - a segment whose seq/ack are offsets from the connection's real
//     rcv_nxt / rcv_adv / snd_una / snd_nxt / snd_max (or the peer's own
//     counters when no tcpcb is left), raw flags, raw option bytes (so
//     malformed options too, and a raw data offset now and then), an
//     optional well-formed timestamp option, window, payload length;
//   - a clock step (milliseconds to minutes, so every timer fires);
//   - a socket call: read/peek, write, shutdown, close, setsockopt, accept,
//     TCP_INFO, urgent send.
// Invariants checked after every operation and at the end:
//   - every packet the stack emits is a valid IPv4 datagram from its address,
//     and when TCP parses with wire::tcp_parse and has a valid checksum;
//   - snd_una <= snd_nxt <= snd_max for the connection's tcpcb;
//   - destroying the Stack returns every mbuf and cluster it took
//     (mbuf_stats() in-use counters back to where they were).
// ASan/UBSan catch the rest. On a failed invariant the target prints what
// failed and aborts, which libFuzzer reports as a crash.
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <vector>

#include "kern/mbuf.hpp"
#include "kern/socket.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "netinet/in_var.hpp"
#include "netinet/tcp_var.hpp"
#include "wire/ip.hpp"
#include "wire/tcp.hpp"

using namespace tunsock;

namespace {

constexpr uint32_t kUs = 0xc6120002;    // 198.18.0.2
constexpr uint32_t kPeer = 0xc6120001;  // 198.18.0.1
constexpr uint16_t kServerPort = 80;
constexpr uint16_t kPeerPort = 40000;
constexpr int kMaxOps = 96;

[[noreturn]] void fail(const char* what, long a = 0, long b = 0) {
  std::fprintf(stderr, "tcp_input_fuzz: invariant failed: %s (%ld, %ld)\n", what, a, b);
  std::abort();
}
#define FUZZ_CHECK(cond, ...) \
  do {                        \
    if (!(cond)) fail(__VA_ARGS__); \
  } while (0)

enum Scenario : uint8_t {
  kListen,
  kSynReceived,
  kSynSent,
  kEstablished,
  kFinWait1,
  kFinWait2,
  kClosing,
  kCloseWait,
  kLastAck,
  kTimeWait,
  kFullAcceptQueue,
  kScenarios
};

// Input reader: past the end every byte reads as 0.
struct Reader {
  const uint8_t* p;
  size_t n, i = 0;
  bool more() const { return i < n; }
  uint8_t u8() { return i < n ? p[i++] : 0; }
  uint16_t u16() {
    uint16_t hi = u8();
    return uint16_t(hi << 8 | u8());
  }
};

// A segment seen leaving the stack.
struct Seen {
  wire::TcpRepr tcp;
  size_t paylen = 0;
};

struct World {
  // Declared before st: the Stack's destructor still emits (RSTs, FINs)
  // through check_emitted, which uses these.
  std::vector<Seen> seen;         // TCP segments emitted since the last clear
  Socket* lsn = nullptr;          // the listener we hold a descriptor for
  Socket* so = nullptr;           // the connection's socket when we hold its descriptor
  std::vector<Socket*> accepted;  // other descriptors we hold
  uint16_t lport = 0, fport = kPeerPort;  // the connection: stack's port, peer's port
  // The peer's own view (used when the stack has no tcpcb for the 4-tuple).
  uint32_t p_snd_nxt = 0, p_rcv_nxt = 0;
  uint32_t p_ts_recent = 0;       // the stack's last TSval
  bool ts = false;                // timestamps negotiated: peer stamps its segments
  Stack st;
  ifnet* tun = nullptr;

  explicit World(uint64_t seed) : st(seed) {
    inet_attach(st);
    tun = &if_attach(st, "tun0", 1500, IFF_POINTOPOINT, [this](ifnet&, mbuf* m) {
      check_emitted(m);
      m_freem(m);
      return 0;
    });
    FUZZ_CHECK(in_add_address(*tun, kUs, 16) == 0, "in_add_address");
    FUZZ_CHECK(route_set_default(st, kPeer) == 0, "route_set_default");
  }
  Inet& in() { return inet(st); }

  // Every packet out: a valid IPv4 header from our address; TCP parses and
  // its checksum is right; the peer learns the stack's TSval.
  void check_emitted(mbuf* m) {
    std::vector<std::byte> p(size_t(m_length(m)));
    m_copydata(m, 0, int(p.size()), p.data());
    wire::IpError ie;
    auto ip = wire::ipv4_parse(p, &ie);
    FUZZ_CHECK(ip.has_value(), "emitted packet is not valid IPv4", long(ie), long(p.size()));
    FUZZ_CHECK(ip->total_len == p.size(), "IP total length", ip->total_len, long(p.size()));
    FUZZ_CHECK(ip->src == kUs, "emitted from another address", long(ip->src));
    if (ip->proto != wire::IPPROTO_TCP_) return;
    FUZZ_CHECK(!ip->is_fragment(), "TCP segment fragmented (IP length, offset)", long(ip->total_len),
               long(ip->frag_off));
    wire::Bytes seg(p.data() + ip->hlen, p.size() - ip->hlen);
    wire::TcpError te;
    auto t = wire::tcp_parse(seg, &te);
    FUZZ_CHECK(t.has_value(), "emitted TCP segment does not parse", long(te), long(seg.size()));
    FUZZ_CHECK(wire::tcp_cksum(ip->src, ip->dst, seg) == 0, "emitted TCP checksum", t->cksum);
    FUZZ_CHECK(!((t->flags & wire::TH_SYN) && (t->flags & wire::TH_RST)), "SYN and RST together");
    FUZZ_CHECK(!((t->flags & wire::TH_SYN) && (t->flags & wire::TH_FIN)), "SYN and FIN together");
    if (t->opts.has_ts && t->dport == fport) p_ts_recent = t->opts.ts_val;
    if (seen.size() < 256) seen.push_back({*t, seg.size() - t->hlen});
  }

  // The connection's tcpcb (listener when no child matches), or null.
  TcpCb* conn(bool wildcard = true) {
    InPcb* inp = tcp_lookup(in(), kPeer, fport, kUs, lport, wildcard);
    return intotcpcb(inp);
  }

  uint32_t ts_val() const { return uint32_t(100 + st.now() / std::chrono::milliseconds(1)); }

  // Put one segment on the wire towards the stack.
  void inject(uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack, uint8_t flags, uint16_t win,
              const uint8_t* opts, size_t optlen, int doff_override, size_t paylen, bool bad_sum) {
    optlen = std::min<size_t>(optlen, 40);
    size_t optpad = (optlen + 3) & ~size_t(3);
    size_t thl = 20 + optpad;
    paylen = std::min(paylen, 1500 - 20 - thl);
    std::vector<std::byte> p(20 + thl + paylen);
    std::byte* t = p.data() + 20;
    wire::put16(t, sport);
    wire::put16(t + 2, dport);
    wire::put32(t + 4, seq);
    wire::put32(t + 8, ack);
    int doff = doff_override >= 0 ? doff_override : int(thl / 4);
    t[12] = std::byte(doff << 4);
    t[13] = std::byte(flags);
    wire::put16(t + 14, win);
    wire::put16(t + 18, (flags & wire::TH_URG) ? uint16_t(paylen ? paylen : 1) : 0);
    if (optlen) std::memcpy(t + 20, opts, optlen);
    for (size_t i = 0; i < paylen; ++i) t[thl + i] = std::byte('a' + (seq + i) % 26);
    uint16_t c = wire::tcp_cksum(kPeer, kUs, wire::Bytes(t, thl + paylen));
    wire::tcp_set_cksum(t, bad_sum ? uint16_t(c ^ 0x5a5a) : c);
    wire::Ipv4Repr r;
    r.total_len = uint16_t(p.size());
    r.id = 1;
    r.df = true;
    r.proto = wire::IPPROTO_TCP_;
    r.src = kPeer;
    r.dst = kUs;
    wire::ipv4_emit(p.data(), r);
    if_input_bytes(*tun, p.data(), p.size());
    st.poll(st.now());
  }

  // Well-formed segment from the peer's state on the connection's 4-tuple.
  void send(uint8_t flags, size_t paylen = 0, const std::vector<uint8_t>& extra_opts = {}) {
    std::vector<uint8_t> o = extra_opts;
    if (ts && !(flags & wire::TH_SYN)) append_ts(o);
    inject(fport, lport, p_snd_nxt, (flags & wire::TH_ACK) ? p_rcv_nxt : 0, flags, 64240, o.data(), o.size(), -1,
           paylen, false);
    p_snd_nxt += uint32_t(paylen) + ((flags & wire::TH_SYN) ? 1 : 0) + ((flags & wire::TH_FIN) ? 1 : 0);
  }
  void append_ts(std::vector<uint8_t>& o) const {
    uint32_t v = ts_val(), e = p_ts_recent;
    uint8_t b[12] = {1, 1, 8, 10, uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v),
                     uint8_t(e >> 24), uint8_t(e >> 16), uint8_t(e >> 8), uint8_t(e)};
    o.insert(o.end(), b, b + 12);
  }
  // Linux's SYN options, some left out by variant bits.
  std::vector<uint8_t> syn_options(uint8_t variant) {
    std::vector<uint8_t> o = {2, 4, 0x05, 0xb4};
    if (variant & 2) o.insert(o.end(), {4, 2});
    if (variant & 4) {
      uint32_t v = ts_val();
      o.insert(o.end(), {8, 10, uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v), 0, 0, 0, 0});
      ts = true;
    }
    if (variant & 8) o.insert(o.end(), {1, 3, 3, 7});
    return o;
  }

  // The last emitted segment with all of `set` flags, towards the peer port.
  std::optional<wire::TcpRepr> last_with(uint8_t set) const {
    for (auto it = seen.rbegin(); it != seen.rend(); ++it)
      if ((it->tcp.flags & set) == set && it->tcp.dport == fport) return it->tcp;
    return std::nullopt;
  }

  void expect_state(TcpState want, const char* where) {
    TcpCb* tp = conn(false);
    if (!tp && want == TcpState::LISTEN) tp = conn(true);
    FUZZ_CHECK(tp, where, long(want), -1);
    FUZZ_CHECK(tp->t_state == want, where, long(want), long(tp->t_state));
    Socket* s = tp_socket(*tp);
    if (s) {
      struct tcp_info ti{};
      tcp_info_get(*s, &ti);
      // Linux's socket says CLOSE once its connection is in TIME_WAIT (tcp_time_wait).
      const TcpState shown = want == TcpState::TIME_WAIT ? TcpState::CLOSED : want;
      FUZZ_CHECK(ti.tcpi_state == tcp_state_linux(shown), "tcpi_state", long(ti.tcpi_state),
                 long(tcp_state_linux(shown)));
    }
  }

  Socket* listen(int backlog) {
    Socket* l = nullptr;
    FUZZ_CHECK(socreate(st, AF_INET, &l, SOCK_STREAM, 0, Td{}) == 0, "socreate listener");
    SockAddr a;
    in_sockaddr(0, kServerPort, &a);
    FUZZ_CHECK(sobind(*l, a, Td{}) == 0, "bind");
    FUZZ_CHECK(solisten(*l, backlog, Td{}) == 0, "listen");
    lport = kServerPort;
    return l;
  }

  // Peer SYN to the listener; returns whether a SYN-ACK came back (learnt).
  bool peer_syn(uint8_t variant) {
    seen.clear();
    p_snd_nxt = (variant & 16) ? 0xffffff00u : 1000000u;  // near the wrap or not
    ts = false;
    std::vector<uint8_t> o = syn_options(variant);
    send(wire::TH_SYN, 0, o);
    auto sa = last_with(wire::TH_SYN | wire::TH_ACK);
    if (!sa) return false;
    FUZZ_CHECK(sa->ack == p_snd_nxt, "SYN-ACK acks the SYN", long(sa->ack), long(p_snd_nxt));
    p_rcv_nxt = sa->seq + 1;
    if (!sa->opts.has_ts) ts = false;
    return true;
  }

  void establish_passive(uint8_t variant) {
    lsn = listen(8);
    FUZZ_CHECK(peer_syn(variant), "no SYN-ACK");
    send(wire::TH_ACK);
    expect_state(TcpState::ESTABLISHED, "passive open");
    FUZZ_CHECK(soaccept_check(*lsn) == 0, "accept queue empty after handshake");
    so = soaccept_dequeue(*lsn);
    FUZZ_CHECK(so, "soaccept_dequeue");
    SockAddr a;
    soaccept(*so, &a);
  }

  void connect_active(uint8_t variant) {
    FUZZ_CHECK(socreate(st, AF_INET, &so, SOCK_STREAM, 0, Td{}) == 0, "socreate");
    fport = kServerPort;
    SockAddr a;
    in_sockaddr(kPeer, fport, &a);
    seen.clear();
    int e = soconnect(*so, a, Td{});
    FUZZ_CHECK(e == 0 || e == EINPROGRESS, "connect", e);
    st.poll(st.now());
    auto syn = last_with(wire::TH_SYN);
    FUZZ_CHECK(syn && !(syn->flags & wire::TH_ACK), "no SYN from connect");
    lport = syn->sport;
    p_rcv_nxt = syn->seq + 1;
    p_snd_nxt = (variant & 16) ? 0xfffffff0u : 5000000u;
    ts = false;
    (void)variant;
  }

  void establish_active(uint8_t variant) {
    connect_active(variant);
    std::vector<uint8_t> o = syn_options(variant);
    auto syn = last_with(wire::TH_SYN);
    if (!syn->opts.has_ts) ts = false;
    if (ts) {  // echo the stack's TSval in the SYN-ACK
      uint32_t e = syn->opts.ts_val;
      for (size_t i = 0; i + 10 <= o.size(); ++i)
        if (o[i] == 8 && o[i + 1] == 10) {
          o[i + 6] = uint8_t(e >> 24), o[i + 7] = uint8_t(e >> 16), o[i + 8] = uint8_t(e >> 8), o[i + 9] = uint8_t(e);
          break;
        }
    }
    bool keep = ts;
    ts = false;  // the SYN-ACK carries its own TS option
    send(wire::TH_SYN | wire::TH_ACK, 0, o);
    ts = keep;
    expect_state(TcpState::ESTABLISHED, "active open");
  }

  void establish(uint8_t variant) {
    if (variant & 1)
      establish_active(variant);
    else
      establish_passive(variant);
  }

  int write(size_t n, int flags = 0) {
    if (!so) return EBADF;
    n = std::min<size_t>(n, 65536);
    std::vector<std::byte> buf(n, std::byte('x'));
    mbuf* m = n ? m_devget(buf.data(), int(n), M_NOWAIT, true) : nullptr;
    int e = sosend(*so, nullptr, m, nullptr, flags | MSG_DONTWAIT | MSG_NOSIGNAL, Td{});
    st.poll(st.now());
    return e;
  }

  // Our FIN is out: the last segment with FIN gives its sequence number.
  uint32_t our_fin_end() {
    auto f = last_with(wire::TH_FIN);
    FUZZ_CHECK(f.has_value(), "no FIN sent");
    // FIN is after the payload.
    for (auto it = seen.rbegin(); it != seen.rend(); ++it)
      if ((it->tcp.flags & wire::TH_FIN) && it->tcp.dport == fport) return it->tcp.seq + uint32_t(it->paylen) + 1;
    return 0;
  }

  void close_ours(uint8_t variant) {
    seen.clear();
    if (variant & 32) {
      // Read what arrived first: a close with unread data sends RST (Linux).
      std::byte buf[4096];
      for (int i = 0; i < 64; ++i) {
        RecvArgs a;
        a.buf = buf;
        a.len = sizeof buf;
        a.flags = MSG_DONTWAIT;
        if (soreceive(*so, a) != 0 || a.done == 0) break;
      }
      soclose(*so);
      so = nullptr;
    } else {
      soshutdown(*so, SHUT_WR);
    }
    st.poll(st.now());
  }

  void setup(Scenario sc, uint8_t variant) {
    switch (sc) {
      case kListen:
        lsn = listen(variant & 7);
        expect_state(TcpState::LISTEN, "listen");
        p_snd_nxt = 777;
        break;
      case kSynReceived:
        lsn = listen(8);
        FUZZ_CHECK(peer_syn(variant), "no SYN-ACK");
        expect_state(TcpState::SYN_RECEIVED, "syn-received");
        break;
      case kSynSent:
        connect_active(variant);
        expect_state(TcpState::SYN_SENT, "syn-sent");
        break;
      case kEstablished: {
        establish(variant);
        // Data in flight (unacked) and out-of-order data queued.
        write(3000 + (variant & 0x60) * 40);
        send(wire::TH_ACK | wire::TH_PUSH, 0);
        uint32_t keep = p_snd_nxt;
        p_snd_nxt += 500;
        send(wire::TH_ACK, 300);
        p_snd_nxt += 200;
        send(wire::TH_ACK, 100);
        p_snd_nxt = keep;
        expect_state(TcpState::ESTABLISHED, "established");
        TcpCb* tp = conn(false);
        FUZZ_CHECK(tp->snd_max > tp->snd_una, "no data in flight");
        FUZZ_CHECK(!tp->t_reass.empty(), "no out-of-order data queued");
        break;
      }
      case kFinWait1:
      case kFinWait2:
      case kClosing:
      case kTimeWait: {
        establish(variant);
        if (variant & 64) write(1000);
        close_ours(variant);
        uint32_t fin = our_fin_end();
        expect_state(TcpState::FIN_WAIT_1, "fin-wait-1");
        if (sc == kFinWait1) break;
        if (sc == kClosing) {
          send(wire::TH_FIN | wire::TH_ACK);  // acks what came before our FIN only
          expect_state(TcpState::CLOSING, "closing");
          break;
        }
        // ACK everything including our FIN.
        p_rcv_nxt = fin;
        send(wire::TH_ACK);
        expect_state(TcpState::FIN_WAIT_2, "fin-wait-2");
        if (sc == kFinWait2) break;
        send(wire::TH_FIN | wire::TH_ACK);
        expect_state(TcpState::TIME_WAIT, "time-wait");
        break;
      }
      case kCloseWait:
      case kLastAck: {
        establish(variant);
        if (variant & 64) send(wire::TH_ACK | wire::TH_PUSH, 200);
        send(wire::TH_FIN | wire::TH_ACK);
        expect_state(TcpState::CLOSE_WAIT, "close-wait");
        if (sc == kCloseWait) break;
        close_ours(variant);
        our_fin_end();
        expect_state(TcpState::LAST_ACK, "last-ack");
        break;
      }
      case kFullAcceptQueue: {
        lsn = listen(variant & 1);
        // SYNs first (a full queue drops SYNs, Linux tcp_conn_request), then
        // the final ACKs until one is dropped: Linux keeps that one in
        // SYN-RECV while the accept queue is full.
        uint32_t isn[4], irs[4];
        bool tsv[4];
        int n = 0;
        for (; n < 4; ++n) {
          fport = uint16_t(kPeerPort + n);
          if (!peer_syn(variant)) break;
          isn[n] = p_snd_nxt, irs[n] = p_rcv_nxt, tsv[n] = ts;
        }
        FUZZ_CHECK(n >= 2, "SYN-ACKs while filling the accept queue", n);
        bool full = false;
        for (int i = 0; i < n && !full; ++i) {
          fport = uint16_t(kPeerPort + i);
          p_snd_nxt = isn[i], p_rcv_nxt = irs[i], ts = tsv[i];
          send(wire::TH_ACK);
          TcpCb* tp = conn(false);
          FUZZ_CHECK(tp, "child after final ACK", i);
          full = tp->t_state == TcpState::SYN_RECEIVED;
        }
        FUZZ_CHECK(full, "accept queue never filled");
        FUZZ_CHECK(soaccept_check(*lsn) == 0, "full queue has no connection");
        expect_state(TcpState::SYN_RECEIVED, "full queue");
        break;
      }
      default: break;
    }
  }

  // ---- fuzzed operations ----

  void op_segment(Reader& r, uint8_t op, bool other_port) {
    uint8_t flags = r.u8();
    uint8_t sel = r.u8();
    int32_t dseq = int16_t(r.u16());
    int32_t dack = int16_t(r.u16());
    uint8_t winb = r.u8();
    uint8_t optn = r.u8();
    int doff = -1;
    if (optn >= 0xf0) {
      doff = optn & 0xf;
      optn = 0;
    }
    optn %= 41;
    std::vector<uint8_t> opts;
    if (sel & 0x20 && ts) append_ts(opts);
    for (int i = 0; i < optn && r.more(); ++i) opts.push_back(r.u8());
    uint8_t plen = r.u8();
    size_t paylen = plen < 16 ? plen : plen < 200 ? size_t(plen) * 4 : size_t(plen - 200) * 30;

    TcpCb* tp = conn(true);
    bool have = tp && tp->t_state != TcpState::LISTEN;
    if (sel & 0x10) {  // large offsets
      dseq *= 4096;
      dack *= 4096;
    }
    uint32_t seq, ack;
    switch (sel & 3) {
      case 0: seq = have ? tp->rcv_nxt.v : p_snd_nxt; break;
      case 1: seq = have ? tp->rcv_adv.v : p_snd_nxt + 65535; break;
      case 2: seq = have ? tp->irs.v : p_snd_nxt - 1; break;
      default: seq = p_snd_nxt; break;
    }
    switch ((sel >> 2) & 3) {
      case 0: ack = have ? tp->snd_una.v : p_rcv_nxt; break;
      case 1: ack = have ? tp->snd_nxt.v : p_rcv_nxt; break;
      case 2: ack = have ? tp->snd_max.v : p_rcv_nxt; break;
      default: ack = have ? tp->iss.v : p_rcv_nxt - 1; break;
    }
    seq += uint32_t(dseq);
    ack += uint32_t(dack);
    uint16_t win = (sel & 0x80) ? uint16_t(winb) : uint16_t(winb * 257);
    bool bad = (sel & 0xc0) == 0xc0 && (op & 1);
    uint16_t sport = other_port ? uint16_t(fport + 1 + (op & 3)) : fport;
    inject(sport, lport, seq, ack, flags, win, opts.data(), opts.size(), doff, paylen, bad);
    if (!other_port && !bad && (flags & wire::TH_SYN) == 0) {
      // Follow what the stack has acknowledged so later offsets stay near.
      if (TcpCb* t2 = conn(false); t2 && t2->t_state != TcpState::LISTEN) {
        p_snd_nxt = t2->rcv_nxt.v;
        p_rcv_nxt = t2->snd_nxt.v;
      }
    }
  }

  void op_clock(Reader& r) {
    uint8_t v = r.u8();
    Time dt = v < 100 ? std::chrono::milliseconds(v)
              : v < 200 ? std::chrono::milliseconds((v - 100) * 100)
                        : std::chrono::milliseconds(int64_t(v - 200) * 5000);
    // Step through deadlines so each timer fires at its time.
    Time end = st.now() + dt;
    for (int i = 0; i < 10000 && st.now() < end; ++i) {
      Time next = st.next_deadline();
      st.poll(next > st.now() && next < end ? next : end);
    }
  }

  void setopt(Socket& s, int level, int name, int v) {
    Sockopt o;
    o.sopt_dir = SOPT_SET;
    o.sopt_level = level;
    o.sopt_name = name;
    o.sopt_val = &v;
    o.sopt_valsize = sizeof v;
    sosetopt(s, o);
  }

  void op_socket(Reader& r) {
    uint8_t c = r.u8();
    uint8_t arg = r.u8();
    Socket* s = so ? so : lsn;
    switch (c % 9) {
      case 0:
      case 1: {  // read / peek
        if (!s) break;
        std::vector<std::byte> buf(size_t(arg) * 64 + 1);
        RecvArgs a;
        a.buf = buf.data();
        a.len = buf.size();
        a.flags = (c % 9 == 1 ? MSG_PEEK : 0) | ((arg & 1) ? MSG_OOB : 0) | MSG_DONTWAIT;
        soreceive(*s, a);
        break;
      }
      case 2: write(size_t(arg) * 97 + 1, (c & 0x10) ? MSG_MORE : 0); break;
      case 3:
        if (s) soshutdown(*s, arg % 3);
        break;
      case 4:  // close what we hold
        if (arg & 1) {
          if (so) soclose(*so), so = nullptr;
        } else if (lsn) {
          soclose(*lsn);
          lsn = nullptr;
        }
        break;
      case 5: {
        if (!s) break;
        switch (arg % 10) {
          case 0: setopt(*s, IPPROTO_TCP, TCP_NODELAY, arg >> 4 & 1); break;
          case 1: setopt(*s, IPPROTO_TCP, TCP_CORK, arg >> 4 & 1); break;
          case 2: setopt(*s, SOL_SOCKET, SO_RCVBUF, (arg >> 4) * 512); break;
          case 3: setopt(*s, SOL_SOCKET, SO_SNDBUF, (arg >> 4) * 512); break;
          case 4: setopt(*s, IPPROTO_TCP, TCP_MAXSEG, (arg >> 4) * 100); break;
          case 5: setopt(*s, IPPROTO_TCP, TCP_QUICKACK, 1); break;
          case 6:
            setopt(*s, SOL_SOCKET, SO_KEEPALIVE, 1);
            setopt(*s, IPPROTO_TCP, TCP_KEEPIDLE, (arg >> 4) + 1);
            setopt(*s, IPPROTO_TCP, TCP_KEEPINTVL, 1);
            break;
          case 7: setopt(*s, IPPROTO_TCP, TCP_USER_TIMEOUT, (arg >> 4) * 300); break;
          case 8: {
            struct linger l{1, 0};
            Sockopt o;
            o.sopt_dir = SOPT_SET;
            o.sopt_level = SOL_SOCKET;
            o.sopt_name = SO_LINGER;
            o.sopt_val = &l;
            o.sopt_valsize = sizeof l;
            sosetopt(*s, o);
            break;
          }
          default: setopt(*s, SOL_SOCKET, SO_RCVLOWAT, arg >> 4); break;
        }
        break;
      }
      case 6:  // accept
        if (lsn && soaccept_check(*lsn) == 0) {
          if (Socket* a = soaccept_dequeue(*lsn)) {
            SockAddr nam;
            soaccept(*a, &nam);
            if (!so && (arg & 1))
              so = a;
            else if (accepted.size() < 16)
              accepted.push_back(a);
            else
              soclose(*a);
          }
        }
        break;
      case 7:
        if (s) {
          struct tcp_info ti{};
          tcp_info_get(*s, &ti);
          if (TcpCb* tp = sototcpcb(*s)) {
            const TcpState shown = tp->t_state == TcpState::TIME_WAIT ? TcpState::CLOSED : tp->t_state;
            FUZZ_CHECK(ti.tcpi_state == tcp_state_linux(shown), "tcpi_state vs tcpcb", ti.tcpi_state,
                       long(tp->t_state));
          }
        }
        break;
      default:  // urgent byte
        write(1 + (arg & 3), MSG_OOB);
        break;
    }
    st.poll(st.now());
  }

  void check_invariants() {
    TcpGlobals& g = tcp_globals(in());
    for (auto& [key, inp] : g.conn) {
      TcpCb* tp = intotcpcb(inp);
      if (!tp) continue;
      FUZZ_CHECK(tp->snd_una <= tp->snd_nxt, "snd_una <= snd_nxt", long(tp->snd_una.v), long(tp->snd_nxt.v));
      FUZZ_CHECK(tp->snd_nxt <= tp->snd_max, "snd_nxt <= snd_max", long(tp->snd_nxt.v), long(tp->snd_max.v));
      FUZZ_CHECK(tp->t_state <= TcpState::TIME_WAIT, "state", long(tp->t_state));
      FUZZ_CHECK(tp->t_reass_bytes >= 0, "t_reass_bytes", tp->t_reass_bytes);
    }
  }

  ~World() {
    // The Stack's destructor closes what we hold; drop our pointers first.
    so = lsn = nullptr;
    accepted.clear();
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  MbufStats before = mbuf_stats();
  {
    Reader r{data, size};
    Scenario sc = Scenario(r.u8() % kScenarios);
    uint8_t variant = r.u8();
    World w(1 + variant);
    w.setup(sc, variant);
    w.check_invariants();
    for (int n = 0; n < kMaxOps && r.more(); ++n) {
      uint8_t op = r.u8();
      switch (op >> 5) {
        case 0:
        case 1:
        case 2:
        case 3: w.op_segment(r, op, false); break;
        case 4: w.op_segment(r, op, true); break;
        case 5: w.op_clock(r); break;
        default: w.op_socket(r); break;
      }
      w.check_invariants();
    }
    w.st.poll(w.st.now() + std::chrono::milliseconds(500));
    w.check_invariants();
  }
  MbufStats after = mbuf_stats();
  FUZZ_CHECK(after.mbufs_in_use == before.mbufs_in_use, "mbufs leaked by the Stack", long(before.mbufs_in_use),
             long(after.mbufs_in_use));
  FUZZ_CHECK(after.clusters_in_use == before.clusters_in_use, "clusters leaked by the Stack",
             long(before.clusters_in_use), long(after.clusters_in_use));
  return 0;
}
