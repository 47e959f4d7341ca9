// IP-level socket options (SOL_IP, and SOL_RAW's ICMP_FILTER) for udp, ping
// and raw sockets, with Linux's sizes, ranges and errnos; an option we do
// not implement is ENOPROTOOPT, as the kernel answers an unknown one.
// FreeBSD: netinet/ip_output.c (ip_ctloutput); Linux: ip_sockglue.c, raw.c.
#include <linux/icmp.h>
#include <netinet/in.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "netinet/in_var.hpp"

namespace tunsock {

namespace {

constexpr int kEcnMask = 0x3;  // Linux INET_ECN_MASK

// Linux do_ip_setsockopt: an int when optlen >= 4, else one byte.
int getval(const Sockopt& s, int* v) {
  if (s.sopt_valsize >= sizeof(int)) {
    std::memcpy(v, s.sopt_val, sizeof(int));
    return 0;
  }
  if (s.sopt_valsize >= 1) {
    *v = *static_cast<const unsigned char*>(s.sopt_val);
    return 0;
  }
  return EINVAL;
}

int putval(Sockopt& s, int v) {
  // Linux: a buffer shorter than an int gets one byte when the value fits.
  if (s.sopt_valsize < sizeof(int) && s.sopt_valsize > 0 && v >= 0 && v < 255) {
    unsigned char c = static_cast<unsigned char>(v);
    return sooptcopyout(s, &c, 1);
  }
  return sooptcopyout(s, &v, sizeof v);
}

int raw_opt(Socket& so, InPcb& inp, Sockopt& s) {
  if (s.sopt_name != ICMP_FILTER || so.so_type != SOCK_RAW || inp.inp_proto != IPPROTO_ICMP) return ENOPROTOOPT;
  if (s.sopt_dir == SOPT_SET) {
    if (s.sopt_valsize < sizeof(uint32_t)) return EINVAL;
    std::memcpy(&inp.icmp_filter, s.sopt_val, sizeof(uint32_t));
    return 0;
  }
  return sooptcopyout(s, &inp.icmp_filter, std::min(s.sopt_valsize, sizeof(uint32_t)));
}

bool* flag_of(InPcb& inp, int name) {
  switch (name) {
    case IP_PKTINFO: return &inp.inp_recvpktinfo;
    case IP_RECVTTL: return &inp.inp_recvttl;
    case IP_RECVTOS: return &inp.inp_recvtos;
    case IP_RECVERR: return &inp.inp_recverr;
    case IP_RECVOPTS: return &inp.inp_recvopts;
    case IP_RETOPTS: return &inp.inp_retopts;
    default: return nullptr;
  }
}

// Linux's flags without a use of their own here, or with one elsewhere
// (see InPcb); ENOPROTOOPT when name is none of them.
int ip_more_opt(Socket& so, InPcb& inp, Sockopt& s, bool set, int v) {
  bool* f = nullptr;
  switch (s.sopt_name) {
    case IP_FREEBIND: f = &inp.inp_freebind; break;
    case IP_BIND_ADDRESS_NO_PORT: f = &inp.inp_bind_noport; break;
    case IP_RECVORIGDSTADDR: f = &inp.inp_recvorigdst; break;
    case IP_MULTICAST_ALL: f = &inp.inp_mcast_all; break;
    case IP_CHECKSUM: f = &inp.inp_checksum; break;
    case IP_PASSSEC: f = &inp.inp_passsec; break;
    case IP_RECVFRAGSIZE: f = &inp.inp_recvfragsize; break;
    case IP_TRANSPARENT:
      // Linux: CAP_NET_RAW or CAP_NET_ADMIN to turn it on.
      if (set && v && s.sopt_td.cred.uid != 0) return EPERM;
      f = &inp.inp_transparent;
      break;
    case IP_MINTTL:
      if (!set) return putval(s, inp.inp_minttl);
      if (v < 0 || v > 255) return EINVAL;
      inp.inp_minttl = v;
      return 0;
    case IP_NODEFRAG:
      // Linux: raw sockets only. DEVIATION: raw sockets here always receive
      // reassembled datagrams, so it cannot be turned on anywhere.
      return set ? ENOPROTOOPT : putval(s, 0);
    case IP_OPTIONS:
      // No options are kept for sending: getsockopt copies out nothing, and
      // only clearing them (an empty set) is accepted.
      if (!set) return sooptcopyout(s, nullptr, 0);
      return s.sopt_valsize == 0 ? 0 : ENOPROTOOPT;
    default:
      (void)so;
      return ENOPROTOOPT;
  }
  if (!set) return putval(s, *f ? 1 : 0);
  *f = v != 0;
  return 0;
}

}  // namespace

int in_ctloutput(Socket& so, Sockopt& s) {
  InPcb* inp = sotoinpcb(so);
  if (!inp) return EINVAL;
  const bool set = s.sopt_dir == SOPT_SET;
  if (s.sopt_level == SOL_RAW && so.so_type == SOCK_RAW) return raw_opt(so, *inp, s);
  // Linux udp_setsockopt: SOL_UDP and SOL_UDPLITE are one level to UDP and UDP-Lite alike.
  if ((s.sopt_level == IPPROTO_UDP || s.sopt_level == IPPROTO_UDPLITE) &&
      (inp->inp_proto == IPPROTO_UDP || inp->inp_proto == IPPROTO_UDPLITE))
    return udp_ctloutput(so, s);
  // Any other level falls to Linux ip_getsockopt / ip_setsockopt, which
  // answer a level not theirs differently: EOPNOTSUPP to get, ENOPROTOOPT to set.
  if (s.sopt_level != SOL_IP) return set ? ENOPROTOOPT : EOPNOTSUPP;
  int v = 0;
  if (set && s.sopt_name != IP_HDRINCL && s.sopt_name != IP_MTU && s.sopt_name != IP_OPTIONS)
    if (int e = getval(s, &v)) return e;
  if (bool* f = flag_of(*inp, s.sopt_name)) {
    if (!set) return putval(s, *f ? 1 : 0);
    *f = v != 0;
    if (s.sopt_name == IP_RECVERR && !*f) inp->errq.clear();  // Linux purges the queue
    return 0;
  }
  switch (s.sopt_name) {
    case IP_TOS:
      if (!set) return putval(s, inp->inp_tos);
      // Linux __ip_sock_set_tos: on a stream socket the ECN bits belong to
      // TCP (RFC 3168 §6.1.1), so the program's are dropped and TCP's kept.
      if (so.so_type == SOCK_STREAM) v = (v & ~kEcnMask) | (inp->inp_tos & kEcnMask);
      inp->inp_tos = uint8_t(v);
      return 0;
    case IP_TTL:
      if (!set) return putval(s, inp->inp_ttl < 0 ? 64 : inp->inp_ttl);
      if (v != -1 && (v < 1 || v > 255)) return EINVAL;
      inp->inp_ttl = v;
      return 0;
    case IP_HDRINCL:
      if (!set) return putval(s, inp->inp_hdrincl);  // Linux reads it on any inet socket
      if (so.so_type != SOCK_RAW) return ENOPROTOOPT;
      if (int e = getval(s, &v)) return e;
      inp->inp_hdrincl = v != 0;
      return 0;
    case IP_MTU_DISCOVER:
      if (!set) return putval(s, inp->inp_pmtudisc);
      if (v < IP_PMTUDISC_DONT || v > IP_PMTUDISC_OMIT) return EINVAL;
      inp->inp_pmtudisc = v;
      return 0;
    case IP_MTU: {
      if (set) return ENOPROTOOPT;
      if (!(so.so_state & SS_ISCONNECTED)) return ENOTCONN;
      // Linux dst_mtu of the socket's route: the path MTU (ICMP may have
      // lowered it), at most IP_MAX_MTU (65535), though lo's MTU is 65536.
      uint32_t mtu = ip_pmtu(inet(*so.so_stack), inp->inp_faddr);
      return putval(s, mtu ? int(mtu) : 1500);
    }
    case IP_MULTICAST_TTL:
      if (!set) return putval(s, inp->inp_mcast_ttl);
      if (v < -1 || v > 255) return EINVAL;
      inp->inp_mcast_ttl = v == -1 ? 1 : v;
      return 0;
    case IP_MULTICAST_IF:
    case IP_ADD_MEMBERSHIP:
    case IP_DROP_MEMBERSHIP:
      return in_mcast_ctloutput(so, *inp, s);
    case IP_MULTICAST_LOOP:
      if (!set) return putval(s, inp->inp_mcast_loop);
      inp->inp_mcast_loop = v != 0;
      return 0;
    default:
      return ip_more_opt(so, *inp, s, set, v);
  }
}

}  // namespace tunsock
