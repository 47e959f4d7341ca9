// Op::CtlQuery: the socket table, counters, mbufs and interfaces as JSON
// (docs/ctl-json.md). Linux's struct tcp_info comes from the UAPI header in
// a namespace of its own (as in netinet/tcp_ctloutput.cpp: glibc's
// netinet/tcp.h, which Asio pulls in, stops short of it).
#include <asm/byteorder.h>
#include <linux/socket.h>
#include <linux/types.h>
namespace lx {
#include <linux/tcp.h>
}

#include "daemon/ctl_query.hpp"

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "daemon/channel.hpp"
#include "daemon/daemon.hpp"
#include "daemon/inet_setup.hpp"
#include "daemon/tun_device.hpp"
#include "kern/mbuf.hpp"
#include "kern/stack.hpp"
#include "local/uipc_usrreq.hpp"
#include "netinet/in_var.hpp"
#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

// Field names as the stack spells them (FreeBSD's), so the JSON and the
// source can be grepped for each other.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IpStat, total, tooshort, badvers, badhlen, badlen, badsum, badttl, badoptions,
                                   badaddr, notforus, noproto, delivered, fragments, fragdropped, fragtimeout,
                                   reassembled, localout, noroute, fragmented, ofragments, cantfrag, odropped)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IcmpStat, inmsgs, tooshort, checksum, badcode, inecho, inechoreply, inunreach,
                                   inerrors_delivered, outmsgs, outecho, outechoreply, outunreach, ratelimited,
                                   olderr)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(UdpStat, ipackets, hdrops, badlen, badsum, nosum, noport, noportbcast, fullsock,
                                   opackets)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TcpStat, connattempt, accepts, connects, drops, conndrops, closed, segstimed,
                                   rttupdated, delack, timeoutdrop, rexmttimeo, persisttimeo, keeptimeo, keepprobe,
                                   keepdrops, sndtotal, sndpack, sndbyte, sndrexmitpack, sndrexmitbyte, sndacks,
                                   sndprobe, sndurg, sndwinup, sndctrl, sndrst, rcvtotal, rcvpack, rcvbyte, rcvbadsum,
                                   rcvbadoff, rcvshort, rcvduppack, rcvdupbyte, rcvpartduppack, rcvoopack, rcvoobyte,
                                   rcvpackafterwin, rcvafterclose, rcvwinprobe, rcvdupack, rcvacktoomuch, rcvackpack,
                                   rcvackbyte, rcvwinupd, pawsdrop, sack_blocks_sent, fastrexmit, recoveries, badrst,
                                   challenge_acks, listen_overflows, syncache_drops, timewait_reuse, ecn_none,
                                   listen_badseg, synsent_nosyn, rcvnoack, rcvbadaddr)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Ip6Stat, total, tooshort, badvers, badlen, badaddr, notforus, badoptions, noproto,
                                   delivered, toomanyhdr, fragments, fragdropped, fragoverlap, fragtimeout,
                                   reassembled, atomicfrags, localout, noroute, fragmented, ofragments, cantfrag,
                                   odropped)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Icmp6Stat, inmsgs, tooshort, checksum, inecho, inerrors, inerrors_delivered,
                                   unknown, outmsgs, outechoreply, outerrors, ratelimited, olderr, omcast, pmtuchg)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(LocalStats, binds, autobinds, connects, refused, not_ours, dgrams_sent,
                                   dgrams_dropped, rights_disposed)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SocketStats, created, freed, accepted, connects, connect_refused, listen_overflows)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(IfData, rx_packets, rx_bytes, rx_errors, rx_dropped, tx_packets, tx_bytes,
                                   tx_errors, tx_dropped)

namespace daemon {

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(TunStats, wakeups, max_batch, rx_nobufs, rx_oversize, rx_empty, tx_errors,
                                   tx_eagain, tx_short)

namespace {

using nlohmann::json;

const char* netid(int family, int type, int protocol) {
  if (family == AF_UNIX) {
    switch (type) {
      case SOCK_STREAM: return "u_str";
      case SOCK_DGRAM: return "u_dgr";
      case SOCK_SEQPACKET: return "u_seq";
      default: return "u_???";
    }
  }
  if (type == SOCK_STREAM) return "tcp";
  if (type == SOCK_RAW) return "raw";
  if (type == SOCK_DGRAM && protocol == IPPROTO_ICMP) return "icmp";  // ping socket
  if (type == SOCK_DGRAM && protocol == IPPROTO_ICMPV6) return "icmp6";
  if (type == SOCK_DGRAM && protocol == IPPROTO_UDPLITE) return "udplite";
  return "udp";
}

json inp_end(const InPcb& inp, bool foreign) {
  return json{{"addr", inp_addr_text(inp, foreign)}, {"port", foreign ? inp.inp_fport : inp.inp_lport}};
}

json sockaddr_end(const SockAddr& a) {
  if (a.family() == AF_INET6 && a.len >= sizeof(sockaddr_in6)) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(&a.ss);
    char buf[INET6_ADDRSTRLEN];
    ::inet_ntop(AF_INET6, &s6->sin6_addr, buf, sizeof buf);
    return json{{"addr", buf}, {"port", ntohs(s6->sin6_port)}};
  }
  if (a.family() == AF_INET && a.len >= sizeof(sockaddr_in)) {
    const auto* s4 = reinterpret_cast<const sockaddr_in*>(&a.ss);
    char buf[INET_ADDRSTRLEN];
    ::inet_ntop(AF_INET, &s4->sin_addr, buf, sizeof buf);
    return json{{"addr", buf}, {"port", ntohs(s4->sin_port)}};
  }
  if (a.family() == AF_UNIX && a.len > offsetof(sockaddr_un, sun_path)) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(&a.ss);
    size_t n = a.len - offsetof(sockaddr_un, sun_path);
    if (sun->sun_path[0] == '\0') return json{{"path", "@" + std::string(sun->sun_path + 1, n - 1)}};
    return json{{"path", std::string(sun->sun_path, strnlen(sun->sun_path, n))}};
  }
  return json::object();
}

// ss's state names (tcp_fsm.hpp has TCP's; the others from so_state).
const char* state_name(const Socket& so, int family) {
  if (family != AF_UNIX && so.so_type == SOCK_STREAM) {
    const TcpCb* tp = sototcpcb(so);
    return tcp_state_name(tp ? tp->t_state : TcpState::CLOSED);
  }
  if (so.so_options & SOF_ACCEPTCONN) return "LISTEN";
  if (so.so_state & SS_ISCONNECTED) return "ESTAB";
  if (so.so_state & SS_ISCONNECTING) return "SYN-SENT";
  return "UNCONN";
}

// Linux's struct tcp_info of the socket (the protocol's TCP_INFO), under
// its field names without the tcpi_ prefix; units as Linux's (us, bytes).
json tcp_info_json(Socket& so) {
  lx::tcp_info ti{};
  Sockopt s;
  s.sopt_dir = SOPT_GET;
  s.sopt_level = IPPROTO_TCP;
  s.sopt_name = TCP_INFO;
  s.sopt_val = &ti;
  s.sopt_valsize = sizeof ti;
  if (sogetopt(so, s) != 0) return nullptr;
  json j = {{"state", ti.tcpi_state},
            {"ca_state", ti.tcpi_ca_state},
            {"retransmits", ti.tcpi_retransmits},
            {"probes", ti.tcpi_probes},
            {"backoff", ti.tcpi_backoff},
            {"options", ti.tcpi_options},
            {"snd_wscale", unsigned(ti.tcpi_snd_wscale)},
            {"rcv_wscale", unsigned(ti.tcpi_rcv_wscale)},
            {"rto", ti.tcpi_rto},
            {"ato", ti.tcpi_ato},
            {"snd_mss", ti.tcpi_snd_mss},
            {"rcv_mss", ti.tcpi_rcv_mss},
            {"unacked", ti.tcpi_unacked},
            {"sacked", ti.tcpi_sacked},
            {"lost", ti.tcpi_lost},
            {"retrans", ti.tcpi_retrans},
            {"last_data_sent", ti.tcpi_last_data_sent},
            {"last_data_recv", ti.tcpi_last_data_recv},
            {"last_ack_recv", ti.tcpi_last_ack_recv},
            {"pmtu", ti.tcpi_pmtu},
            {"rcv_ssthresh", ti.tcpi_rcv_ssthresh},
            {"rtt", ti.tcpi_rtt},
            {"rttvar", ti.tcpi_rttvar},
            {"snd_ssthresh", ti.tcpi_snd_ssthresh},
            {"snd_cwnd", ti.tcpi_snd_cwnd},
            {"advmss", ti.tcpi_advmss},
            {"reordering", ti.tcpi_reordering},
            {"rcv_rtt", ti.tcpi_rcv_rtt},
            {"rcv_space", ti.tcpi_rcv_space},
            {"total_retrans", ti.tcpi_total_retrans},
            {"pacing_rate", ti.tcpi_pacing_rate},
            {"max_pacing_rate", ti.tcpi_max_pacing_rate},
            {"bytes_acked", ti.tcpi_bytes_acked},
            {"bytes_received", ti.tcpi_bytes_received},
            {"segs_out", ti.tcpi_segs_out},
            {"segs_in", ti.tcpi_segs_in},
            {"notsent_bytes", ti.tcpi_notsent_bytes},
            {"min_rtt", ti.tcpi_min_rtt},
            {"data_segs_in", ti.tcpi_data_segs_in},
            {"data_segs_out", ti.tcpi_data_segs_out},
            {"delivery_rate", ti.tcpi_delivery_rate},
            {"busy_time", ti.tcpi_busy_time},
            {"rwnd_limited", ti.tcpi_rwnd_limited},
            {"sndbuf_limited", ti.tcpi_sndbuf_limited},
            {"delivered", ti.tcpi_delivered},
            {"delivered_ce", ti.tcpi_delivered_ce},
            {"bytes_sent", ti.tcpi_bytes_sent},
            {"bytes_retrans", ti.tcpi_bytes_retrans},
            {"dsack_dups", ti.tcpi_dsack_dups},
            {"reord_seen", ti.tcpi_reord_seen},
            {"rcv_ooopack", ti.tcpi_rcv_ooopack},
            {"snd_wnd", ti.tcpi_snd_wnd}};
  if (const TcpCb* tp = sototcpcb(so); tp && tp->t_cc) j["cc"] = tp->t_cc->name;
  return j;
}

// The processes holding each socket inode, found as ss finds them: the
// "socket:[INO]" links in /proc/PID/fd of the processes that made requests
// about the socket (Chan::holders). Each process's table is read once.
class ProcFds {
 public:
  // (pid, comm, fd) of every holder's descriptor on inode ino.
  json users(const std::vector<AppHolder>& holders, uint64_t ino) {
    json out = json::array();
    if (!ino) return out;
    for (const AppHolder& h : holders) {
      const Proc& p = proc(h.pid);
      auto [lo, hi] = p.fds.equal_range(ino);
      for (auto it = lo; it != hi; ++it) out.push_back({{"name", p.comm}, {"pid", h.pid}, {"fd", it->second}});
    }
    return out;
  }

 private:
  struct Proc {
    std::string comm;
    std::multimap<uint64_t, int> fds;  // inode -> fd
  };
  const Proc& proc(pid_t pid) {
    auto [it, fresh] = procs_.try_emplace(pid);
    if (!fresh) return it->second;
    const std::string base = "/proc/" + std::to_string(pid);
    std::ifstream comm(base + "/comm");
    std::getline(comm, it->second.comm);
    DIR* d = ::opendir((base + "/fd").c_str());
    if (!d) return it->second;
    constexpr int kMaxFds = 65536;  // bounded: a process with more is shown in part
    int n = 0;
    while (dirent* e = ::readdir(d)) {
      if (++n > kMaxFds) break;
      if (e->d_name[0] == '.') continue;
      char link[64];
      ssize_t k = ::readlink((base + "/fd/" + e->d_name).c_str(), link, sizeof link - 1);
      if (k <= 0) continue;
      link[k] = '\0';
      unsigned long long ino;
      if (std::sscanf(link, "socket:[%llu]", &ino) == 1) it->second.fds.emplace(ino, std::atoi(e->d_name));
    }
    ::closedir(d);
    return it->second;
  }
  std::map<pid_t, Proc> procs_;
};

// The inode of the application's end of a socket: the kernel listener it
// accepts from, the peer of the daemon's end of the channel, or the
// unconnected socket it has not connected yet. 0 when unknown.
uint64_t app_inode(Daemon& d, Chan& c) {
  if (c.listening()) return c.listener_inode();
  if (c.inode())
    if (auto info = d.diag().lookup(c.inode()); info && info->peer_ino) return info->peer_ino;
  return c.app_inode();
}

struct Queues {
  uint64_t recv = 0, send = 0;
};

// ss's Recv-Q and Send-Q. A listener: connections waiting for accept (the
// stack's queue and the kernel listener's) and the backlog. A stream:
// bytes the application has not read (so_rcv and what the channel holds on
// the way to it) and bytes not yet acknowledged (so_snd and what the
// channel holds on the way to the stack). DEVIATION: a datagram socket
// counts payload bytes, where Linux counts buffer memory (truesize).
Queues queues(Daemon& d, Socket& so, Chan* c, uint64_t app_ino) {
  Queues q;
  if (so.so_options & SOF_ACCEPTCONN) {
    q.recv = uint64_t(so.so_qlen);
    q.send = uint64_t(so.so_qlimit);
    if (c && c->listening() && app_ino)
      if (auto info = d.diag().lookup(app_ino)) q.recv += info->rqueue;
    return q;
  }
  q.recv = so.so_rcv.sb_cc;
  q.send = so.so_snd.sb_cc;
  if (c && !c->closed() && so.so_type != SOCK_DGRAM) {
    if (app_ino && !c->listening())
      if (auto info = d.diag().lookup(app_ino)) q.recv += info->rqueue;
    q.send += uint64_t(std::max(0L, c->held_inbound()));
  }
  return q;
}

// ss -m's skmem from the socket buffers: r/rb the receive buffer's storage
// and limit, t/tb and w the send buffer's; f, o, bl and d have no
// counterpart in the stack (0).
json skmem(const Socket& so) {
  return {{"r", so.so_rcv.sb_mbcnt}, {"rb", so.so_rcv.sb_hiwat}, {"t", so.so_snd.sb_mbcnt},
          {"tb", so.so_snd.sb_hiwat}, {"f", 0},                    {"w", so.so_snd.sb_mbcnt},
          {"o", 0},                   {"bl", 0},                   {"d", 0}};
}

// Is the socket in the tables ss reads? Linux lists inet sockets once they
// hold a port (hashed): an unbound or only-created one is not shown.
bool listed(const Socket& so, int family) {
  if (family != AF_INET && family != AF_INET6) return true;
  const InPcb* inp = sotoinpcb(so);
  if (!inp) return false;
  if (so.so_type == SOCK_STREAM) {
    const TcpCb* tp = sototcpcb(so);
    return tp && tp->t_state != TcpState::CLOSED;
  }
  return inp->inp_lport != 0 || so.so_type == SOCK_RAW;
}

json socket_json(Daemon& d, Socket& so, ProcFds& procs) {
  const Domain* dom = so.so_proto ? so.so_proto->pr_domain : nullptr;
  const int family = dom ? dom->dom_family : AF_UNSPEC;
  const int protocol = so.so_proto ? so.so_proto->pr_protocol : 0;
  json j;
  j["id"] = so.so_id;
  j["family"] = family == AF_UNIX ? "unix" : family == AF_INET6 ? "inet6" : "inet";
  j["netid"] = netid(family, so.so_type, protocol);
  j["state"] = state_name(so, family);
  if ((family == AF_INET || family == AF_INET6) && sotoinpcb(so)) {
    const InPcb* inp = sotoinpcb(so);
    j["local"] = inp_end(*inp, false);
    j["peer"] = inp_end(*inp, true);
    if (family == AF_INET6) j["v6only"] = inp_v6only(*inp);
  } else {
    SockAddr local, peer;
    sogetsockname(so, &local);
    j["local"] = sockaddr_end(local);
    if (family == AF_UNIX) {
      Socket* p = uipc_peer(so);
      j["peer"] = json::object();
      if (p && (so.so_state & SS_ISCONNECTED)) j["peer_id"] = p->so_id;
    } else {
      if (so.so_state & SS_ISCONNECTED) sogetpeername(so, &peer);
      j["peer"] = sockaddr_end(peer);
    }
  }
  std::shared_ptr<Chan> c = d.chan(so.so_id);
  const uint64_t ino = c && !c->closed() ? app_inode(d, *c) : 0;
  const Queues q = queues(d, so, c.get(), ino);
  j["recv_q"] = q.recv;
  j["send_q"] = q.send;
  j["uid"] = so.so_cred.uid;
  j["ino"] = ino;
  j["users"] = c && !c->closed() ? procs.users(c->holders(), ino) : json::array();
  j["shut_rd"] = (so.so_rcv.sb_state & SBS_CANTRCVMORE) != 0;
  j["shut_wr"] = (so.so_snd.sb_state & SBS_CANTSENDMORE) != 0;
  j["skmem"] = skmem(so);
  if (family != AF_UNIX && so.so_type == SOCK_STREAM && sototcpcb(so)) j["tcp_info"] = tcp_info_json(so);
  return j;
}

}  // namespace

std::string inp_addr_text(const InPcb& inp, bool foreign) {
  char buf[INET6_ADDRSTRLEN];
  const uint32_t a4 = htonl(foreign ? inp.inp_faddr : inp.inp_laddr);
  if (inp.inp_family != AF_INET6) {
    ::inet_ntop(AF_INET, &a4, buf, sizeof buf);
    return buf;
  }
  in6_addr a6;
  if (inp.inp_vflag & INP_IPV6) {
    std::memcpy(&a6, (foreign ? inp.in6p_faddr : inp.in6p_laddr).data(), 16);
  } else {  // the IPv4 path carries it: ::ffff:a.b.c.d (RFC 4291 §2.5.5.2)
    std::memset(&a6, 0, sizeof a6);
    a6.s6_addr[10] = a6.s6_addr[11] = 0xff;
    std::memcpy(&a6.s6_addr[12], &a4, 4);
  }
  ::inet_ntop(AF_INET6, &a6, buf, sizeof buf);
  return buf;
}

bool inp_v6only(const InPcb& inp) {
  if (inp.inp_family != AF_INET6) return false;
  if (inp.in6p.v6only) return true;
  return inp.inp_vflag == INP_IPV6 && !wire::in6_is_unspecified(inp.in6p_laddr);
}

json ctl_sockets(Daemon& d, uint64_t after, size_t max_bytes, uint64_t* next) {
  ProcFds procs;
  json list = json::array();
  size_t bytes = 0;
  *next = 0;
  const auto& all = d.stack().sockets();
  for (auto it = all.upper_bound(after); it != all.end(); ++it) {
    Socket& so = *it->second;
    const Domain* dom = so.so_proto ? so.so_proto->pr_domain : nullptr;
    if (!dom || !listed(so, dom->dom_family)) continue;
    json s = socket_json(d, so, procs);
    const size_t n = s.dump().size() + 1;
    if (bytes + n > max_bytes && !list.empty()) {
      *next = std::prev(it)->first;
      break;
    }
    bytes += n;
    list.push_back(std::move(s));
  }
  return json{{"sockets", std::move(list)}};
}

json ctl_counters(Daemon& d) {
  Stack& st = d.stack();
  json j;
  if (Inet* in = inet_of(st)) {
    j["ip"] = in->ipstat;
    j["icmp"] = in->icmpstat;
    j["udp"] = in->udpstat;
    j["udplite"] = in->udplitestat;  // RFC 3828, counted as UDP is
    j["tcp"] = tcp_globals(*in).stat;
    uint64_t estab = 0;  // Linux's CurrEstab: ESTABLISHED and CLOSE-WAIT
    for (auto& [id, so] : st.sockets())
      if (const TcpCb* tp = so->so_type == SOCK_STREAM && so->so_proto->pr_domain->dom_family != AF_UNIX
                                ? sototcpcb(*so)
                                : nullptr;
          tp && (tp->t_state == TcpState::ESTABLISHED || tp->t_state == TcpState::CLOSE_WAIT))
        ++estab;
    j["tcp_curr_estab"] = estab;
  }
  if (Inet6* in6 = inet6_of(st)) {
    j["ip6"] = in6->ip6stat;
    j["icmp6"] = in6->icmp6stat;
  }
  j["local"] = local_stats(st);
  j["sockets"] = st.sostat();
  return j;
}

json ctl_mbufs() {
  const MbufStats s = mbuf_stats();
  return {{"mbuf_size", MSIZE},
          {"cluster_size", MCLBYTES},
          {"mbufs_in_use", s.mbufs_in_use},
          {"clusters_in_use", s.clusters_in_use},
          {"mbufs_cached", s.mbufs_cached},
          {"clusters_cached", s.clusters_cached},
          {"mbufs_pooled", s.mbufs_pooled},
          {"clusters_pooled", s.clusters_pooled},
          {"mbuf_failures", s.mbuf_failures},
          {"cluster_failures", s.cluster_failures},
          {"mbuf_limit", s.mbuf_limit},
          {"cluster_limit", s.cluster_limit}};
}

json ctl_interfaces(Daemon& d) {
  json list = json::array();
  const IfState* ifst = if_state(std::as_const(d.stack()));
  if (!ifst) return json{{"interfaces", list}};
  const ifnet* tun_if = d.inet().tun_ifnet();
  for (const auto& ifp : ifst->ifs) {
    json addrs = json::array();
    for (const InIfaddr& a : ifp->if_addrs) addrs.push_back(inet_ntop4(a.ia_addr) + "/" + std::to_string(a.ia_plen));
    for (const In6Ifaddr& a : ifp->if_addrs6) {
      char b[INET6_ADDRSTRLEN];
      ::inet_ntop(AF_INET6, &a.ia6_addr, b, sizeof b);
      addrs.push_back(std::string(b) + "/" + std::to_string(a.ia6_plen));
    }
    json j = {{"name", ifp->if_name}, {"index", ifp->if_index}, {"mtu", ifp->if_mtu},
              {"flags", ifp->if_flags}, {"addrs", addrs},       {"stats", ifp->if_data}};
    if (ifp.get() == tun_if && d.inet().tun()) j["tun"] = d.inet().tun()->stats();
    list.push_back(std::move(j));
  }
  return json{{"interfaces", std::move(list)}};
}

void ctl_query(Daemon& d, const CtlRequest& q, CtlReply& r) {
  constexpr size_t kPage = 96 * 1024;  // under the control server's reply limit
  json j;
  switch (q.hdr.a) {
    case ipc::kCtlSockets: {
      uint64_t next = 0;
      j = ctl_sockets(d, uint64_t(q.hdr.value), kPage, &next);
      r.hdr.value = int64_t(next);
      break;
    }
    case ipc::kCtlCounters: j = ctl_counters(d); break;
    case ipc::kCtlMbufs: j = ctl_mbufs(); break;
    case ipc::kCtlInterfaces: j = ctl_interfaces(d); break;
    default: r.hdr.error = EINVAL; return;
  }
  r.payload = j.dump();
}

}  // namespace daemon
}  // namespace tunsock
