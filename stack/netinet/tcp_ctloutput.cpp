// TCP socket options (SOL_TCP) with Linux's values and errnos
// (do_tcp_setsockopt / do_tcp_getsockopt), TCP_INFO as Linux's struct
// tcp_info, and the `netstat -s` text of the TCP counters (FreeBSD wording).
// FreeBSD: netinet/tcp_usrreq.c (tcp_ctloutput, tcp_fill_info); usr.bin/netstat/inet.c.
// Linux's struct tcp_info is longer than glibc's (which wire/tcp.hpp pulls
// in through <netinet/tcp.h>): the UAPI header goes into a namespace of its
// own, its dependencies included first so that only tcp.h lands there.
#include <asm/byteorder.h>
#include <linux/socket.h>
#include <linux/types.h>
namespace lx {
#include <linux/tcp.h>
}

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

void tcp_fill_info(const Socket& so, lx::tcp_info* ti);

constexpr int kMaxTcpKeepIdle = 32767, kMaxTcpKeepIntvl = 32767, kMaxTcpKeepCnt = 127;
constexpr int kMaxTcpWindow = 32767;  // Linux MAX_TCP_WINDOW bounds TCP_MAXSEG
constexpr size_t kTcpCaNameMax = 16;
constexpr int kMaxTcpSyncnt = 127;       // MAX_TCP_SYNCNT
constexpr int kMaxTcpFinTimeout = 120;   // TCP_FIN_TIMEOUT_MAX, seconds

// Linux tcp_set_window_clamp: 0 only before a connection (it clears the
// clamp), else at least half of SOCK_MIN_RCVBUF. tcp_rcv_window and the
// window scale offered in a SYN obey it.
int set_window_clamp(TcpCb& tp, int v) {
  if (v == 0) {
    if (tp.t_state != TcpState::CLOSED) return EINVAL;
    tp.t_window_clamp = 0;
    return 0;
  }
  tp.t_window_clamp = std::max<uint32_t>(uint32_t(v), kSockMinRcvBuf / 2);
  return 0;
}

// What TCP_WINDOW_CLAMP reads: 0 until a connection sets it (Linux
// tcp_select_initial_window), then the largest window the buffer and the
// window scale allow, or the program's clamp.
uint32_t tcp_window_clamp(const Socket& so, const TcpCb& tp) {
  if (tp.t_state == TcpState::CLOSED || tp.t_state == TcpState::LISTEN) return tp.t_window_clamp;
  uint32_t c = std::min<uint32_t>(so.so_rcv.sb_hiwat / 2, 65535u << tp.rcv_scale);
  return tp.t_window_clamp ? std::min(c, tp.t_window_clamp) : c;
}

// Linux secs_to_retrans / retrans_to_secs (TCP_DEFER_ACCEPT is kept as a
// count of SYN-ACK retransmissions from a 1 s timeout doubling to 120 s).
int secs_to_retrans(int seconds) {
  int res = 0;
  if (seconds > 0) {
    int period = 1, timeout = 1;
    res = 1;
    while (seconds > period && res < 255) {
      res++;
      timeout = std::min(timeout << 1, 120);
      period += timeout;
    }
  }
  return res;
}
int retrans_to_secs(int retrans) {
  int period = 0;
  if (retrans > 0) {
    int timeout = 1;
    period = 1;
    while (--retrans) {
      timeout = std::min(timeout << 1, 120);
      period += timeout;
    }
  }
  return period;
}

int putint(Sockopt& s, int v) { return sooptcopyout(s, &v, sizeof v); }

int tcp_getopt(Socket& so, TcpCb& tp, Sockopt& s) {
  switch (s.sopt_name) {
    case TCP_NODELAY: return putint(s, (tp.t_flags & TF_NODELAY) ? 1 : 0);
    case TCP_CORK: return putint(s, (tp.t_flags & TF_NOPUSH) ? 1 : 0);
    case TCP_MAXSEG: {
      int v = tcps_have_established(tp.t_state) ? int(tp.t_maxseg) : kTcpDefaultMss;
      if (tp.t_user_maxseg && (tp.t_state == TcpState::CLOSED || tp.t_state == TcpState::LISTEN))
        v = int(tp.t_user_maxseg);
      return putint(s, v);
    }
    case TCP_KEEPIDLE: return putint(s, tp.t_keepidle);
    case TCP_KEEPINTVL: return putint(s, tp.t_keepintvl);
    case TCP_KEEPCNT: return putint(s, tp.t_keepcnt);
    case TCP_SYNCNT: return putint(s, tp.t_syn_retries ? tp.t_syn_retries : kTcpSynRetries);
    case TCP_LINGER2:
      if (tp.t_linger2 < 0) return putint(s, -1);
      return putint(s, tp.t_linger2 ? tp.t_linger2 : int(kTcpFinTimeout / std::chrono::seconds(1)));
    case TCP_DEFER_ACCEPT: return putint(s, retrans_to_secs(tp.t_defer_accept));
    case TCP_WINDOW_CLAMP: return putint(s, int(tcp_window_clamp(so, tp)));
    case TCP_QUICKACK: return putint(s, tp.t_quickack >= 0 ? 1 : 0);
    case TCP_USER_TIMEOUT: return putint(s, int(tp.t_user_timeout_ms));
    case TCP_CONGESTION: {
      char name[kTcpCaNameMax] = {};
      std::strncpy(name, tp.t_cc->name, sizeof name - 1);
      return sooptcopyout(s, name, sizeof name);
    }
    case TCP_INFO: {
      lx::tcp_info ti{};
      tcp_fill_info(so, &ti);
      return sooptcopyout(s, &ti, sizeof ti);  // Linux: min(optlen, sizeof), that length reported
    }
    default: return ENOPROTOOPT;
  }
}

int tcp_setopt(Socket& so, TcpCb& tp, Sockopt& s) {
  if (s.sopt_name == TCP_CONGESTION) {
    char name[kTcpCaNameMax] = {};
    if (s.sopt_valsize < 1) return EINVAL;
    std::memcpy(name, s.sopt_val, std::min(s.sopt_valsize, sizeof name - 1));
    const TcpCcOps* cc = tcp_cc_find(name);
    if (!cc) return ENOENT;
    tcp_cc_switch(tp, cc);
    return 0;
  }
  if (s.sopt_valsize < sizeof(int)) return EINVAL;
  int v;
  std::memcpy(&v, s.sopt_val, sizeof v);
  switch (s.sopt_name) {
    case TCP_NODELAY:
      if (v) tp.t_flags |= TF_NODELAY;
      else tp.t_flags &= ~TF_NODELAY;
      if (v) tcp_output(tp);  // Linux: what Nagle held goes now
      return 0;
    case TCP_CORK:
      if (v) tp.t_flags |= TF_NOPUSH;
      else tp.t_flags &= ~TF_NOPUSH;
      if (!v) tcp_output(tp);  // uncorking pushes the partial segment
      return 0;
    case TCP_MAXSEG:
      if (v && (v < kTcpMinMss || v > kMaxTcpWindow)) return EINVAL;
      tp.t_user_maxseg = uint32_t(v);
      return 0;
    case TCP_KEEPIDLE:
      if (v < 1 || v > kMaxTcpKeepIdle) return EINVAL;
      tp.t_keepidle = v;
      if ((so.so_options & SOF_KEEPALIVE) && tcps_have_established(tp.t_state) && tp.t_state != TcpState::TIME_WAIT)
        tcp_keep_arm(tp);
      return 0;
    case TCP_KEEPINTVL:
      if (v < 1 || v > kMaxTcpKeepIntvl) return EINVAL;
      tp.t_keepintvl = v;
      return 0;
    case TCP_KEEPCNT:
      if (v < 1 || v > kMaxTcpKeepCnt) return EINVAL;
      tp.t_keepcnt = v;
      return 0;
    case TCP_SYNCNT:
      if (v < 1 || v > kMaxTcpSyncnt) return EINVAL;
      tp.t_syn_retries = v;  // tcp_timer: the SYN retransmissions before ETIMEDOUT
      return 0;
    case TCP_LINGER2:
      // Linux: negative: no FIN-WAIT-2 for an orphan; else at most
      // TCP_FIN_TIMEOUT_MAX; 0 is tcp_fin_timeout again.
      tp.t_linger2 = v < 0 ? -1 : std::min(v, kMaxTcpFinTimeout);
      return 0;
    case TCP_WINDOW_CLAMP:
      return set_window_clamp(tp, v);
    case TCP_DEFER_ACCEPT:
      // tcp_input drops a bare final ACK while the deferral lasts (tcp_defer_bare_ack).
      tp.t_defer_accept = secs_to_retrans(std::max(v, 0));
      return 0;
    case TCP_QUICKACK:
      if (v & 1) {
        tp.t_quickack = 16;  // Linux TCP_MAX_QUICKACKS
        if (tp.t_flags & TF_DELACK) {
          tp.t_flags |= TF_ACKNOW;
          tcp_output(tp);
        }
      } else {
        tp.t_quickack = -1;
      }
      return 0;
    case TCP_USER_TIMEOUT:
      if (v < 0) return EINVAL;
      tp.t_user_timeout_ms = uint32_t(v);
      return 0;
    default: return ENOPROTOOPT;
  }
}

}  // namespace

int tcp_ctloutput(Socket& so, Sockopt& s) {
  // SOL_IPV6 on any AF_INET6 socket (its SOL_IP too: in6_ctloutput hands
  // those on), SOL_IP on an AF_INET one.
  if (s.sopt_level != IPPROTO_TCP)
    return sotoinpcb(so)->inp_family == AF_INET6 ? in6_ctloutput(so, s) : in_ctloutput(so, s);
  TcpCb* tp = sototcpcb(so);
  if (!tp) return ECONNRESET;
  return s.sopt_dir == SOPT_SET ? tcp_setopt(so, *tp, s) : tcp_getopt(so, *tp, s);
}

namespace {

// Linux tcp_get_info: the whole UAPI struct.
void tcp_fill_info(const Socket& so, lx::tcp_info* ti) {
  *ti = lx::tcp_info{};
  const TcpCb* tpp = sototcpcb(so);
  if (!tpp) {
    ti->tcpi_state = tcp_state_linux(TcpState::CLOSED);
    return;
  }
  const TcpCb& tp = *tpp;
  const Time now = tp.t_in->st.now();
  auto us = [](Time t) { return uint32_t(std::chrono::duration_cast<std::chrono::microseconds>(t).count()); };
  auto ms_since = [&](Time t) {
    return uint32_t(std::chrono::duration_cast<std::chrono::milliseconds>(now - t).count());
  };
  const uint32_t mss = std::max<uint32_t>(tp.t_maxseg, 1);
  ti->tcpi_max_pacing_rate = ~uint64_t(0);  // no SO_MAX_PACING_RATE
  ti->tcpi_reordering = tp.t_reordering;
  ti->tcpi_snd_cwnd = tp.snd_cwnd ? tp.snd_cwnd / mss : kTcpInitCwnd;
  if (tp.t_state == TcpState::LISTEN) {
    // Linux: a listener's fields are aliased: unacked is the accept queue,
    // sacked the backlog; nothing else is reported.
    ti->tcpi_state = tcp_state_linux(TcpState::LISTEN);
    ti->tcpi_pacing_rate = ~uint64_t(0);
    ti->tcpi_unacked = uint32_t(so.so_qlen);
    ti->tcpi_sacked = uint32_t(so.so_qlimit);
    return;
  }
  // Linux tcp_time_wait hands the 4-tuple to a timewait sock and closes the
  // socket itself: a program never reads TIME_WAIT from its descriptor.
  ti->tcpi_state = tcp_state_linux(tp.t_state == TcpState::TIME_WAIT ? TcpState::CLOSED : tp.t_state);
  ti->tcpi_ca_state = tp.t_ca_state;
  ti->tcpi_retransmits = uint8_t(tp.t_rxtshift);
  ti->tcpi_probes = uint8_t(tp.t_keep_probes);
  ti->tcpi_backoff = uint8_t(tp.t_rxtshift);
  if (tp.t_flags & TF_RCVD_TSTMP) ti->tcpi_options |= 1;  // TCPI_OPT_TIMESTAMPS
  if (tp.t_flags & TF_SACK_PERMIT) ti->tcpi_options |= 2;  // TCPI_OPT_SACK
  if (tp.t_flags & TF_RCVD_SCALE) {
    ti->tcpi_options |= 4;  // TCPI_OPT_WSCALE
    ti->tcpi_snd_wscale = tp.snd_scale & 0xf;
    ti->tcpi_rcv_wscale = tp.rcv_scale & 0xf;
  }
  ti->tcpi_rto = us(tcp_rto_backoff(tp));
  ti->tcpi_ato = us(kTcpDelackMin);
  ti->tcpi_snd_mss = mss;
  ti->tcpi_rcv_mss = tp.t_rcvmss;
  const uint32_t inflight = uint32_t(std::max(0, tp.snd_max - tp.snd_una));
  ti->tcpi_unacked = (inflight + mss - 1) / mss;
  ti->tcpi_retrans = tp.t_rxtshift ? 1 : 0;
  ti->tcpi_last_data_sent = tp.t_last_data_sent > Time{0} ? ms_since(tp.t_last_data_sent) : ms_since(Time{0});
  ti->tcpi_last_data_recv = tp.t_last_data_recv > Time{0} ? ms_since(tp.t_last_data_recv) : ms_since(Time{0});
  ti->tcpi_last_ack_recv = tp.t_last_ack_recv > Time{0} ? ms_since(tp.t_last_ack_recv) : ms_since(Time{0});
  ti->tcpi_pmtu = tp.t_pmtu ? tp.t_pmtu : tp.t_advmss + tcp_hdrs_len(*tp.t_inpcb);
  ti->tcpi_rcv_ssthresh = tcp_rcv_window(tp);
  ti->tcpi_rtt = us(tp.t_srtt);
  ti->tcpi_rttvar = us(tp.t_rttvar);
  ti->tcpi_snd_ssthresh = tp.snd_ssthresh >= 0x7fffffff ? 0x7fffffff : tp.snd_ssthresh / mss;
  // Linux tcp_rcv_synsent_state_process takes the timestamp option out of
  // the active opener's advmss (the passive side keeps the route's).
  ti->tcpi_advmss = tp.t_advmss - (tp.t_active_open && (tp.t_flags & TF_RCVD_TSTMP) ? 12 : 0);
  ti->tcpi_rcv_space = tcp_rcv_window(tp);
  ti->tcpi_total_retrans = tp.t_total_retrans;
  ti->tcpi_bytes_acked = tp.t_bytes_acked_total;
  ti->tcpi_bytes_received = tp.t_bytes_received;
  ti->tcpi_segs_out = tp.t_segs_out;
  ti->tcpi_segs_in = tp.t_segs_in;
  ti->tcpi_data_segs_out = tp.t_data_segs_out;
  ti->tcpi_data_segs_in = tp.t_data_segs_in;
  ti->tcpi_notsent_bytes = uint32_t(std::max<int64_t>(0, int64_t(so.so_snd.sb_cc) - inflight));
  ti->tcpi_min_rtt = tp.t_min_rtt == Time::max() ? ~0u : us(tp.t_min_rtt);
  ti->tcpi_delivered = tp.t_delivered;
  ti->tcpi_bytes_sent = tp.t_bytes_sent + tp.t_bytes_retrans;
  ti->tcpi_bytes_retrans = tp.t_bytes_retrans;
  ti->tcpi_snd_wnd = tp.snd_wnd;
}

}  // namespace

int tcp_info_get(const Socket& so, struct tcp_info* ti) {
  // glibc's struct is a prefix of Linux's (same layout): fill that much.
  lx::tcp_info full{};
  tcp_fill_info(so, &full);
  static_assert(sizeof(struct tcp_info) <= sizeof full);
  std::memcpy(static_cast<void*>(ti), &full, sizeof(struct tcp_info));
  return 0;
}

std::string tcp_stats_text(Stack& st) {
  Inet* in = inet_of(st);
  if (!in || !in->tcp) return "tcp:\n";
  const TcpStat& t = in->tcp->stat;
  auto n = [](uint64_t v) { return std::to_string(v); };
  auto l = [](const std::string& s) { return "\t" + s + "\n"; };
  auto ll = [](const std::string& s) { return "\t\t" + s + "\n"; };
  std::string s = "tcp:\n";
  s += l(n(t.sndtotal) + " packets sent");
  s += ll(n(t.sndpack) + " data packets (" + n(t.sndbyte) + " bytes)");
  s += ll(n(t.sndrexmitpack) + " data packets (" + n(t.sndrexmitbyte) + " bytes) retransmitted");
  s += ll(n(t.sndacks) + " ack-only packets (" + n(t.delack) + " delayed)");
  s += ll(n(t.sndurg) + " URG only packets");
  s += ll(n(t.sndprobe) + " window probe packets");
  s += ll(n(t.sndwinup) + " window update packets");
  s += ll(n(t.sndctrl) + " control packets");
  s += l(n(t.rcvtotal) + " packets received");
  s += ll(n(t.rcvackpack) + " acks (for " + n(t.rcvackbyte) + " bytes)");
  s += ll(n(t.rcvdupack) + " duplicate acks");
  s += ll(n(t.rcvacktoomuch) + " acks for unsent data");
  s += ll(n(t.rcvpack) + " packets (" + n(t.rcvbyte) + " bytes) received in-sequence");
  s += ll(n(t.rcvduppack) + " completely duplicate packets (" + n(t.rcvdupbyte) + " bytes)");
  s += ll(n(t.pawsdrop) + " old duplicate packets");
  s += ll(n(t.rcvpartduppack) + " packets with some dup. data");
  s += ll(n(t.rcvoopack) + " out-of-order packets (" + n(t.rcvoobyte) + " bytes)");
  s += ll(n(t.rcvpackafterwin) + " packets of data after window");
  s += ll(n(t.rcvwinprobe) + " window probes");
  s += ll(n(t.rcvwinupd) + " window update packets");
  s += ll(n(t.rcvbadsum) + " discarded for bad checksums");
  s += ll(n(t.rcvbadoff) + " discarded for bad header offset fields");
  s += ll(n(t.rcvshort) + " discarded because packet too short");
  s += ll(n(t.rcvbadaddr) + " discarded for a multicast destination or a mapped or unspecified source");
  s += l(n(t.connattempt) + " connection requests");
  s += l(n(t.accepts) + " connection accepts");
  s += l(n(t.connects) + " connections established (including accepts)");
  s += l(n(t.closed) + " connections closed (including " + n(t.drops) + " drops)");
  s += l(n(t.conndrops) + " embryonic connections dropped");
  s += l(n(t.rttupdated) + " segments updated rtt (of " + n(t.segstimed) + " attempts)");
  s += l(n(t.rexmttimeo) + " retransmit timeouts");
  s += ll(n(t.timeoutdrop) + " connections dropped by rexmit timeout");
  s += l(n(t.persisttimeo) + " persist timeouts");
  s += l(n(t.keeptimeo) + " keepalive timeouts");
  s += ll(n(t.keepprobe) + " keepalive probes sent");
  s += ll(n(t.keepdrops) + " connections dropped by keepalive");
  s += l(n(t.listen_overflows) + " times the listen queue of a socket overflowed");
  s += l(n(t.fastrexmit) + " fast retransmits");
  s += l(n(t.recoveries) + " times recovered from packet loss (NewReno)");
  s += l(n(t.sack_blocks_sent) + " SACK blocks sent");
  s += l(n(t.challenge_acks) + " challenge ACKs sent (RFC 5961)");
  s += l(n(t.badrst) + " bad resets");
  s += l(n(t.timewait_reuse) + " TIME-WAIT connections reused");
  return s;
}

}  // namespace tunsock
