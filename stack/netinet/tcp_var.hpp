// The TCP control block (RFC 9293 §3.3.1 names), its timers, the per-Stack
// TCP tables (4-tuple hash, ports) and counters, and the functions the tcp_*
// files share. FreeBSD: netinet/tcp_var.h, tcp_timer.h.
#pragma once

#include <chrono>
#include <cstdint>
#include <cstring>
#include <deque>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "kern/stack.hpp"
#include "netinet/in_var.hpp"
#include "netinet/tcp_fsm.hpp"
#include "netinet/tcp_history.hpp"
#include "netinet/tcp_seq.hpp"
#include "netinet6/in6_var.hpp"
#include "kern/timer.hpp"
#include "wire/tcp.hpp"

struct tcp_info;

namespace tunsock {

namespace tw = wire;  // header views and reprs (wire/tcp.hpp)
using namespace std::chrono_literals;

// Linux's constants (include/net/tcp.h) where a program can see them.
inline constexpr Time kTcpRtoMin = 200ms;        // TCP_RTO_MIN
inline constexpr Time kTcpRtoMax = 120s;         // TCP_RTO_MAX
inline constexpr Time kTcpTimeoutInit = 1s;      // TCP_TIMEOUT_INIT (RFC 6298 §2.1)
inline constexpr Time kTcpTimeWait = 60s;        // TCP_TIMEWAIT_LEN
inline constexpr Time kTcpFinTimeout = 60s;      // net.ipv4.tcp_fin_timeout
inline constexpr Time kTcpTwReuseDelay = 1s;     // net.ipv4.tcp_tw_reuse_delay
inline constexpr Time kTcpDelackMin = 40ms;      // TCP_DELACK_MIN
inline constexpr Time kTcpDelackMax = 200ms;     // TCP_DELACK_MAX
inline constexpr int kTcpSynRetries = 6;         // net.ipv4.tcp_syn_retries
inline constexpr int kTcpSynackRetries = 5;      // net.ipv4.tcp_synack_retries
inline constexpr int kTcpRetries2 = 15;          // net.ipv4.tcp_retries2
inline constexpr int kTcpKeepIdle = 7200;        // seconds (tcp_keepalive_time)
inline constexpr int kTcpKeepIntvl = 75;
inline constexpr int kTcpKeepCnt = 9;
inline constexpr int kTcpInitCwnd = 10;          // RFC 6928, TCP_INIT_CWND
inline constexpr int kTcpDefaultMss = 536;       // RFC 9293 §3.7.1 when no MSS option
inline constexpr int kTcpMinMss = 88;            // Linux TCP_MIN_MSS (TCP_MAXSEG floor)
inline constexpr int kTcpMaxWinshift = 14;       // RFC 7323 §2.3
inline constexpr uint32_t kTcpRmemMax = 6291456; // tcp_rmem[2]: sizes the window scale
inline constexpr uint32_t kTcpWmemMax = 4194304; // tcp_wmem[2]: bounds send buffer growth
inline constexpr int kTcpReassMax = 1024;        // out-of-order segments held per connection

// t_flags
inline constexpr uint32_t TF_ACKNOW = 0x1;        // send an ACK at the next output
inline constexpr uint32_t TF_DELACK = 0x2;        // an ACK is owed (delayed)
inline constexpr uint32_t TF_NODELAY = 0x4;       // TCP_NODELAY
inline constexpr uint32_t TF_NOPUSH = 0x8;        // TCP_CORK
inline constexpr uint32_t TF_SENTFIN = 0x10;      // our FIN has been sent
inline constexpr uint32_t TF_REQ_SCALE = 0x20;    // we offer window scaling
inline constexpr uint32_t TF_RCVD_SCALE = 0x40;   // the peer offered it too
inline constexpr uint32_t TF_REQ_TSTMP = 0x80;
inline constexpr uint32_t TF_RCVD_TSTMP = 0x100;
inline constexpr uint32_t TF_SACK_PERMIT = 0x200; // both offered SACK
inline constexpr uint32_t TF_FASTRECOVERY = 0x400;// in NewReno recovery (RFC 6582)
inline constexpr uint32_t TF_FORCEDATA = 0x800;   // persist: send one byte into a zero window
inline constexpr uint32_t TF_NEEDFIN = 0x1000;    // FIN to send once the data is out
inline constexpr uint32_t TF_WASIDLE = 0x2000;
inline constexpr uint32_t TF_LQ_OVERFLOW = 0x4000;// final ACK dropped: accept queue full

// FreeBSD struct tcpstat (the subset counted here), `netstat -s` wording in in.cpp.
struct TcpStat {
  uint64_t connattempt = 0, accepts = 0, connects = 0, drops = 0, conndrops = 0, closed = 0;
  uint64_t segstimed = 0, rttupdated = 0, delack = 0, timeoutdrop = 0, rexmttimeo = 0, persisttimeo = 0,
           keeptimeo = 0, keepprobe = 0, keepdrops = 0;
  uint64_t sndtotal = 0, sndpack = 0, sndbyte = 0, sndrexmitpack = 0, sndrexmitbyte = 0, sndacks = 0,
           sndprobe = 0, sndurg = 0, sndwinup = 0, sndctrl = 0, sndrst = 0;
  uint64_t rcvtotal = 0, rcvpack = 0, rcvbyte = 0, rcvbadsum = 0, rcvbadoff = 0, rcvshort = 0,
           rcvduppack = 0, rcvdupbyte = 0, rcvpartduppack = 0, rcvoopack = 0, rcvoobyte = 0,
           rcvpackafterwin = 0, rcvafterclose = 0, rcvwinprobe = 0, rcvdupack = 0, rcvacktoomuch = 0,
           rcvackpack = 0, rcvackbyte = 0, rcvwinupd = 0, pawsdrop = 0;
  uint64_t sack_blocks_sent = 0, fastrexmit = 0, recoveries = 0, badrst = 0, challenge_acks = 0;
  uint64_t listen_overflows = 0, syncache_drops = 0, timewait_reuse = 0, ecn_none = 0;
  // Segments dropped without a word (RFC 9293 says "drop"), counted for netstat -s.
  uint64_t listen_badseg = 0, synsent_nosyn = 0, rcvnoack = 0;
  // IPv6 segments to a multicast address or with a v4-mapped one (RFC 4038 §5.1).
  uint64_t rcvbadaddr = 0;
};

struct TcpCb;
struct TcpCcOps;

// One out-of-order segment waiting for the hole before it (tcp_reass.cpp).
struct TcpReassEntry {
  TcpSeq seq;
  int len = 0;
  bool fin = false;
  mbuf* m = nullptr;    // the payload, exactly len bytes
};

// t_urg_state (Linux TCP_URG_NOTYET / TCP_URG_VALID / TCP_URG_READ)
inline constexpr uint8_t TCPURG_NOTYET = 1;  // the pointer came, the byte not yet
inline constexpr uint8_t TCPURG_VALID = 2;   // the byte is in t_iobc
inline constexpr uint8_t TCPURG_READ = 3;    // recv(MSG_OOB) took it

struct TcpCb {
  InPcb* t_inpcb = nullptr;
  Inet* t_in = nullptr;
  TcpState t_state = TcpState::CLOSED;
  uint32_t t_flags = 0;

  // RFC 9293 §3.3.1: send sequence variables
  TcpSeq snd_una, snd_nxt, snd_max;   // snd_max: highest sequence sent (FreeBSD)
  TcpSeq snd_wl1, snd_wl2;
  TcpSeq snd_up;                      // urgent pointer (the sequence after the byte)
  TcpSeq iss;
  uint32_t snd_wnd = 0;               // bytes, scaled
  uint32_t max_sndwnd = 0;
  // receive sequence variables
  TcpSeq rcv_nxt, rcv_up, irs;
  // Urgent data received (Linux tcp_check_urg; RFC 6093 §4): the urgent
  // byte's sequence and the byte stay in the stream; reads stop at it and
  // skip it unless SO_OOBINLINE; recv(MSG_OOB) hands out the copy.
  TcpSeq t_urg_seq;
  uint8_t t_urg_state = 0;            // TCPURG_*
  uint8_t t_iobc = 0;                 // the urgent byte (BSD's name), once TCPURG_VALID
  TcpSeq rcv_adv;                     // right edge advertised (rcv_nxt + window sent)
  uint32_t rcv_wnd = 0;
  TcpSeq last_ack_sent;
  // options (RFC 7323, RFC 2018, RFC 9293 §3.7.1)
  uint8_t snd_scale = 0, rcv_scale = 0, request_r_scale = 0;
  uint32_t ts_recent = 0;
  Time ts_recent_age{0};
  uint32_t ts_offset = 0;             // Linux: a random offset per connection
  uint32_t t_maxseg = kTcpDefaultMss; // bytes of data per segment we send (options excluded; Linux mss_cache)
  uint32_t t_pathmss = 0;             // t_maxseg before the half-window bound (tcp_sync_mss)
  uint32_t t_advmss = 0;              // the MSS we announce
  uint32_t t_rcvmss = kTcpDefaultMss; // estimated peer segment size
  uint32_t t_peermss = kTcpDefaultMss;
  uint32_t t_user_maxseg = 0;         // TCP_MAXSEG
  uint32_t t_pmtu = 0;
  uint32_t t_last_seg_size = 0;       // Linux icsk_ack.last_seg_size (tcp_measure_rcv_mss)
  bool t_active_open = false;         // connect()ed: Linux's advmss then leaves room for TS

  // RTT and RTO (RFC 6298), Karn's algorithm
  Time t_srtt{0}, t_rttvar{0};
  Time t_rto = kTcpTimeoutInit;
  Time t_rtttime{0};                  // when the timed segment went (0: none timed)
  TcpSeq t_rtseq;
  Time t_min_rtt = Time::max();
  int t_rxtshift = 0;                 // retransmissions of the oldest segment (backoff)
  Time t_rxt_first{0};                // first retransmission of what is outstanding
  int t_softerror = 0;                // an ICMP error to report on timeout

  // congestion control (tcp_cc.cpp)
  const TcpCcOps* t_cc = nullptr;
  uint32_t snd_cwnd = 0, snd_ssthresh = 0x7fffffff;
  uint32_t t_bytes_acked = 0;         // congestion avoidance accumulator (RFC 5681 §3.1, ABC)
  TcpSeq snd_recover;                 // RFC 6582 "recover"
  TcpSeq t_sack_high;                 // highest end of a SACK block received
  int t_dupacks = 0;
  uint8_t t_ca_state = 0;             // Linux TCP_CA_Open/Disorder/CWR/Recovery/Loss
  alignas(8) unsigned char t_ccpriv[64] = {};  // the algorithm's own state (Linux icsk_ca_priv)

  // timers (fixed slots, tcp_timer.cpp)
  TimerSlot t_rexmt, t_persist, t_keep, t_delack, t_2msl;
  int t_persist_shift = 0;
  int t_keep_probes = 0;
  int t_synack_retries = 0;           // SYN-ACK timeouts so far (Linux req->num_timeout)
  bool t_defer_acked = false;         // TCP_DEFER_ACCEPT dropped a bare final ACK (inet_rsk(req)->acked)

  // user options
  int t_keepidle = kTcpKeepIdle, t_keepintvl = kTcpKeepIntvl, t_keepcnt = kTcpKeepCnt;
  uint32_t t_user_timeout_ms = 0;     // TCP_USER_TIMEOUT
  int t_defer_accept = 0;             // TCP_DEFER_ACCEPT, in SYN-ACK retransmissions
  int t_syn_retries = 0;              // TCP_SYNCNT (0: tcp_syn_retries)
  int t_linger2 = 0;                  // TCP_LINGER2 in s (0: tcp_fin_timeout, -1: no FIN-WAIT-2)
  uint32_t t_window_clamp = 0;        // TCP_WINDOW_CLAMP (0: none set)
  int t_quickack = 0;                 // ACKs still to send at once (Linux quickack mode)
  Time t_ato{0};                      // delayed-ACK timeout (Linux icsk_ack.ato; 0: no data yet)
  bool t_pingpong = false;            // interactive: replies carry the ACKs (Linux pingpong mode)
  std::deque<TcpSeq> t_push_marks;    // where each write ended: those segments carry PSH
  TcpSeq t_pushed_seq;                // the last push mark (Linux pushed_seq)
  int t_segs_unacked = 0;             // full segments received since our last ACK

  // buffer autotuning (Linux tcp_rcv_space_adjust, tcp_rcv_rtt_measure)
  uint32_t t_rcvq_space = 0;          // bytes the program read in the last measured RTT
  TcpSeq t_rcvq_seq;                  // copied sequence at the start of the measurement
  Time t_rcvq_time{0};
  Time t_rcv_rtt{0};                  // receiver's RTT estimate (0: none yet)
  TcpSeq t_rcv_rtt_seq;               // the window's end whose arrival ends a sample
  Time t_rcv_rtt_time{0};

  // reassembly and SACK (RFC 2018 §4)
  std::deque<TcpReassEntry> t_reass;
  int t_reass_bytes = 0;
  TcpSeq t_sack_last;                 // start of the most recent out-of-order segment
  bool t_dsack = false;               // a D-SACK block goes with the next ACK (RFC 2883)
  tw::SackBlock t_dsack_blk{};

  // timestamps of events and counters for tcp_info
  Time t_rcvtime{0};                  // last segment received
  Time t_last_oow_ack{0};             // last ACK for an out-of-window segment
  Time t_last_data_sent{0}, t_last_data_recv{0}, t_last_ack_recv{0};
  uint64_t t_bytes_acked_total = 0, t_bytes_received = 0, t_bytes_sent = 0, t_bytes_retrans = 0;
  uint32_t t_segs_out = 0, t_segs_in = 0, t_data_segs_out = 0, t_data_segs_in = 0;
  uint32_t t_total_retrans = 0, t_retrans_out = 0;
  uint32_t t_delivered = 0;
  uint32_t t_reordering = 3;

  TcpHistory t_hist;                  // the connection's events (tcp_history.hpp)
};

// Timer slots ride on the Stack's one clock (kern/timer.hpp).
inline void tcp_timer_arm(TcpCb& tp, TimerSlot& t, Time when) { tp.t_in->st.timer_arm(t, when); }
inline void tcp_timer_stop(TcpCb& tp, TimerSlot& t) { tp.t_in->st.timer_stop(t); }

inline TcpCb* intotcpcb(const InPcb* inp) { return inp ? inp->inp_tcpcb : nullptr; }
inline TcpCb* sototcpcb(const Socket& so) { return intotcpcb(sotoinpcb(so)); }
inline Socket* tp_socket(const TcpCb& tp) { return tp.t_inpcb->inp_socket; }
// The sequence of the first byte the application has not read (Linux
// copied_seq): so_rcv holds exactly the in-order bytes before rcv_nxt.
inline TcpSeq tcp_copied_seq(const TcpCb& tp) { return tp.rcv_nxt - int64_t(tp_socket(tp)->so_rcv.sb_cc); }

// Whether a connection (or a bound socket) speaks IPv6 on the wire: its
// inp_vflag says INP_IPV6 alone. An AF_INET6 socket connected to or
// accepted from a v4-mapped peer has INP_IPV4 and takes the IPv4 paths.
inline bool tcp_isipv6(const InPcb& inp) { return inp.inp_vflag == INP_IPV6; }
// The IP and TCP headers a full segment carries besides its data (RFC 9293
// §3.7.1: 40 for IPv4, 60 for IPv6).
inline uint32_t tcp_hdrs_len(const InPcb& inp) { return tcp_isipv6(inp) ? 60 : 40; }

// The addresses and ports of a connection or a segment, local side first,
// either family (FreeBSD struct in_conninfo: INC_ISIPV6 and in_endpoints).
struct InConnInfo {
  bool inc_isipv6 = false;
  uint32_t inc_laddr = 0, inc_faddr = 0;   // IPv4, host order
  In6 inc6_laddr{}, inc6_faddr{};          // IPv6, network order
  uint16_t inc_lport = 0, inc_fport = 0;
};
InConnInfo tcp_inc(const InPcb& inp);

// The 4-tuple key of the connection hash (host order).
struct TcpKey {
  uint32_t laddr = 0, faddr = 0;
  uint16_t lport = 0, fport = 0;
  bool operator==(const TcpKey&) const = default;
};
struct TcpKeyHash {
  size_t operator()(const TcpKey& k) const {
    uint64_t h = (uint64_t(k.laddr) << 32 | k.faddr) ^ ((uint64_t(k.lport) << 16 | k.fport) * 0x9e3779b97f4a7c15ull);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return size_t(h);
  }
};

// The same for IPv6 connections (addresses in network order).
struct TcpKey6 {
  In6 laddr{}, faddr{};
  uint16_t lport = 0, fport = 0;
  bool operator==(const TcpKey6&) const = default;
};
struct TcpKey6Hash {
  size_t operator()(const TcpKey6& k) const {
    uint64_t w[4];
    std::memcpy(w, k.laddr.data(), 16);
    std::memcpy(w + 2, k.faddr.data(), 16);
    uint64_t h = (w[0] ^ w[1] * 0x9e3779b97f4a7c15ull) + (w[2] ^ w[3] * 0xc2b2ae3d27d4eb4full);
    h ^= (uint64_t(k.lport) << 16 | k.fport) * 0x9e3779b97f4a7c15ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return size_t(h);
  }
};

// Per-Stack TCP state (lives in Inet::tcp). The IPv4 and IPv6 connection
// hashes are apart (an AF_INET6 socket talking to a v4-mapped peer is in
// conn); the port table is one for both families, so that bind() sees the
// other family's sockets as Linux does.
struct TcpGlobals {
  std::unordered_map<TcpKey, InPcb*, TcpKeyHash> conn;   // every IPv4 pcb with a foreign address
  std::unordered_map<TcpKey6, InPcb*, TcpKey6Hash> conn6;  // every IPv6 pcb with a foreign address
  std::unordered_multimap<uint16_t, InPcb*> ports;       // every pcb holding a local port
  TcpStat stat;
  std::unordered_set<TcpCb*> all;                        // every control block, until tcp_discardcb
  TcpHistorySink* hist_sink = nullptr;                   // sees each history event (the daemon's log)
};
TcpGlobals& tcp_globals(Inet& in);

// --- tcp_subr.cpp ---
TcpCb* tcp_newtcpcb(Inet& in, InPcb& inp);
// Free the control block and the pcb; the socket forgets them. Never frees the socket.
void tcp_discardcb(TcpCb* tp);
// The connection is over: CLOSED, unhashed, timers stopped, the socket told.
// An orphan (no descriptor, not waiting on so_comp) is freed with its socket
// when from_protocol (input, timers); the socket layer frees its own.
void tcp_close(TcpCb* tp, bool from_protocol = true);
// Drop with an error: RST to the peer when synchronized (rule: why, for the
// history), so_error, close.
void tcp_drop(TcpCb* tp, int err, bool from_protocol = true, TcpRstRule rule = TcpRstRule::kAbort);
// A bare segment not tied to the queue: RST or ACK (RFC 9293 §3.10.7),
// from inc's local end to its foreign one, over inc's family.
void tcp_respond(Inet& in, TcpCb* tp, const InConnInfo& inc, TcpSeq seq, TcpSeq ack, uint8_t flags);
// The same on tp's own connection.
inline void tcp_respond(TcpCb& tp, TcpSeq seq, TcpSeq ack, uint8_t flags) {
  tcp_respond(*tp.t_in, &tp, tcp_inc(*tp.t_inpcb), seq, ack, flags);
}
void tcp_hash_insert(TcpCb& tp);    // into conn or conn6 (when faddr set) and ports
void tcp_hash_remove(InPcb& inp);
// The pcb for a segment: the connection, else (wildcard) a listener: one
// bound to the address, then one bound to the wildcard (for IPv4: an
// AF_INET one before a dual-stack AF_INET6 one on ::, as Linux scores them).
InPcb* tcp_lookup(Inet& in, uint32_t faddr, uint16_t fport, uint32_t laddr, uint16_t lport, bool wildcard);
InPcb* tcp_lookup6(Inet& in, const In6& faddr, uint16_t fport, const In6& laddr, uint16_t lport, bool wildcard);
uint32_t tcp_new_isn(Inet& in, uint32_t laddr, uint16_t lport, uint32_t faddr, uint16_t fport);
uint32_t tcp_new_isn6(Inet& in, const In6& laddr, uint16_t lport, const In6& faddr, uint16_t fport);
uint16_t tcp_ephemeral_port(Inet& in, uint32_t laddr, uint32_t faddr, uint16_t fport);
uint16_t tcp_ephemeral_port6(Inet& in, const In6& laddr, const In6& faddr, uint16_t fport);
// Whether a connect may take over tw's 4-tuple (Linux tcp_twsk_unique), and
// doing it: tp's ISN goes past tw's sequence space, tw is closed.
bool tcp_tw_reusable(Inet& in, const InPcb& tw, bool ephemeral);
void tcp_tw_takeover(TcpCb& tp, InPcb& tw);
// The MSS to announce and to use towards faddr (RFC 9293 §3.7.1: MTU - 40).
uint32_t tcp_mss_for(Inet& in, uint32_t faddr);
// For IPv6: MTU - 60, at least 1220 (Linux ip6_default_advmss with
// ip6_rt_min_advmss: the IPv6 minimum MTU's).
uint32_t tcp_mss_for6(Inet& in, const In6& faddr);
// The MSS assumed when a SYN carries no MSS option (RFC 9293 §3.7.1,
// MUST-15: 536 for IPv4, 1220 for IPv6).
inline constexpr int kTcp6DefaultMss = 1220;
// The path MTU towards tp's peer as IP knows it (0: no route).
uint32_t tcp_path_mtu(const TcpCb& tp);
void tcp_mss_update(TcpCb& tp, uint32_t peer_mss);   // t_maxseg from both sides and options
// The peer's window grew past the largest seen (max_sndwnd): t_maxseg
// follows the half-window bound (Linux tcp_ack_update_window -> tcp_sync_mss).
void tcp_max_sndwnd_update(TcpCb& tp, uint32_t wnd);
// Linux tcp_bound_to_half_wnd's cutoff: half the peer's largest window, all
// of it while that is below the default MSS (0: no window seen yet).
inline uint32_t tcp_half_wnd_cutoff(const TcpCb& tp) {
  return tp.max_sndwnd > uint32_t(kTcpDefaultMss) ? tp.max_sndwnd / 2 : tp.max_sndwnd;
}
uint32_t tcp_ts_now(const TcpCb& tp);                // RFC 7323 TSval (ms)
// The window scale to offer for so's receive buffer (RFC 7323 §2.3, Linux tcp_select_initial_window).
uint8_t tcp_rscale_for(const Socket& so);
// Linux tcp_initialize_rcv_mss / tcp_measure_rcv_mss: the peer's segment
// size as the receiver estimates it, from 536 up as full segments arrive.
void tcp_init_rcv_mss(TcpCb& tp);
void tcp_measure_rcv_mss(TcpCb& tp, uint32_t len, uint32_t hdrlen, uint8_t flags);
// TCP_DEFER_ACCEPT (Linux tcp_check_req, syn_ack_recalc): whether the
// final ACK of an embryonic connection is dropped, the connection kept in
// SYN-RECEIVED until data comes (has_data) or the deferral runs out; and at
// a SYN-ACK timeout, whether the request expires, and whether the SYN-ACK
// goes again (not while an ACK came and the deferral lasts).
bool tcp_defer_bare_ack(TcpCb& tp, bool has_data);
enum class SynackTimeout { kExpire, kResend, kWait };
SynackTimeout tcp_synack_timeout(TcpCb& tp);
// How long an orphan stays in FIN-WAIT-2 (Linux tcp_fin_time: TCP_LINGER2 or
// tcp_fin_timeout, at least 3.5 RTO).
Time tcp_fin_time(const TcpCb& tp);
void tcp_set_state(TcpCb& tp, TcpState s);
// Linux's "bind conflict" (inet_csk_bind_conflict, inet_bhash2_conflict):
// whether inp may hold port on the addresses vflag names: laddr for
// INP_IPV4, laddr6 for INP_IPV6, both for a dual-stack socket on ::.
bool tcp_port_conflict(Inet& in, const InPcb& inp, uint8_t vflag, uint32_t laddr, const In6& laddr6, uint16_t port,
                       bool listening);
inline bool tcp_port_conflict(Inet& in, const InPcb& inp, uint32_t laddr, uint16_t port, bool listening) {
  return tcp_port_conflict(in, inp, INP_IPV4, laddr, In6{}, port, listening);
}

// --- tcp_input.cpp ---
void tcp_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip);
void tcp_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> quoted);
// IPv6's entry (ip6_protox[IPPROTO_TCP]): the RFC 8200 §8.1 checksum, then
// the same code as IPv4's. Needs inet attached too (TCP's tables are there).
void tcp6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip6);
// ICMPv6 errors (RFC 4443) quoting a segment we sent; Packet Too Big
// (RFC 8201) lowers the MSS and resends.
void tcp6_ctlinput(Inet6& in6, const Ip6CtlParam& p);

// --- tcp_output.cpp ---
int tcp_output(TcpCb& tp);
// One segment at seq of len bytes from so_snd (offset seq - snd_una), with flags.
int tcp_send_segment(TcpCb& tp, TcpSeq seq, int len, uint8_t flags);
uint32_t tcp_rcv_window(const TcpCb& tp);            // bytes we can advertise now
// Buffer autotuning as Linux: at ESTABLISHED (tcp_init_buffer_space), on
// freed send space (tcp_new_space), on data received (tcp_rcv_rtt_measure)
// and when the program has read (tcp_cleanup_rbuf: DRS, an ACK or window
// update when due, then tcp_output).
void tcp_init_buffer_space(TcpCb& tp);
void tcp_sndbuf_expand(TcpCb& tp);
void tcp_rcv_rtt_measure(TcpCb& tp);
void tcp_cleanup_rbuf(TcpCb& tp);
// A write of [from, to) was queued: PSH marks where Linux puts them
// (forced_push every half max window, at its skb boundaries, and the end).
void tcp_mark_push(TcpCb& tp, TcpSeq from, TcpSeq to);
// Prepend header r (checksummed) to data (len bytes, consumed) and hand it to IP.
int tcp_emit_ip(Inet& in, const tw::TcpRepr& r, mbuf* data, int len, uint32_t src, uint32_t dst,
                const IpOutOpts& o);
// The same through ip6_output (RFC 8200 §8.1 pseudo-header checksum).
int tcp_emit_ip6(Inet& in, const tw::TcpRepr& r, mbuf* data, int len, const In6& src, const In6& dst,
                 const Ip6OutOpts& o);
// Through the family of tp's connection, with its IP options (TTL/TOS or
// hop limit/traffic class).
int tcp_emit(TcpCb& tp, const tw::TcpRepr& r, mbuf* data, int len);

// --- tcp_timer.cpp ---
void tcp_timers_init(TcpCb& tp);
void tcp_timers_stop(TcpCb& tp);
void tcp_rexmt_arm(TcpCb& tp);                 // RTO << backoff from now
void tcp_persist_arm(TcpCb& tp);
void tcp_keep_arm(TcpCb& tp);                  // keepalive/idle from the last segment
void tcp_delack_arm(TcpCb& tp);
void tcp_timewait_arm(TcpCb& tp, Time len);
void tcp_rtt_sample(TcpCb& tp, Time rtt);      // RFC 6298 §2
Time tcp_rto_backoff(const TcpCb& tp);
bool tcp_retransmits_timed_out(const TcpCb& tp, int boundary, Time rto_base);

// --- tcp_reass.cpp ---
// Queue an out-of-order segment (consumes m); returns false when dropped.
bool tcp_reass_insert(TcpCb& tp, TcpSeq seq, int len, bool fin, mbuf* m);
// Move what is now in order to so_rcv; returns whether a FIN came in order.
bool tcp_reass_deliver(TcpCb& tp);
void tcp_reass_flush(TcpCb& tp);
// The SACK blocks to send (RFC 2018 §4): most recent first, at most max.
int tcp_sack_blocks(const TcpCb& tp, tw::SackBlock* out, int max);
// Report [start, end) as received twice: a D-SACK block in the next ACK
// (RFC 2883 §4; Linux tcp_dsack_set/tcp_dsack_extend), when SACK is on.
void tcp_dsack_set(TcpCb& tp, TcpSeq start, TcpSeq end);
// The D-SACK block (if any) then the SACK blocks, at most max.
int tcp_sack_option_blocks(const TcpCb& tp, tw::SackBlock* out, int max);

// --- tcp_usrreq.cpp ---
PrUsrreqs tcp_usrreqs();
int tcp_ctloutput(Socket& so, Sockopt& s);
int tcp_info_get(const Socket& so, struct tcp_info* ti);
std::string tcp_stats_text(Stack& st);

}  // namespace tunsock
