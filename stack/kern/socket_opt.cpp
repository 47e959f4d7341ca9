// Socket options at level SOL_SOCKET (other levels go to the protocol's
// pr_ctloutput). FreeBSD: sys/kern/uipc_socket.c (sosetopt, sogetopt,
// sooptcopyin, sooptcopyout); values, limits and errnos as Linux's
// net/core/sock.c (sk_setsockopt, sk_getsockopt) hands them to programs.
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <utility>

#include "kern/socket.hpp"
#include "kern/stack.hpp"

namespace tunsock {
namespace {

#ifndef SO_RCVTIMEO_NEW
#define SO_RCVTIMEO_NEW 66
#define SO_SNDTIMEO_NEW 67
#endif
#ifndef SO_PASSPIDFD
#define SO_PASSPIDFD 76
#endif
#ifndef SO_RCVTIMEO_OLD
#define SO_RCVTIMEO_OLD 20
#define SO_SNDTIMEO_OLD 21
#endif

bool capable(const Td& td) { return td.cred.uid == 0; }  // CAP_NET_ADMIN, as near as we can tell

// The SO_* options that are plain flags of so_options.
uint32_t flag_of(int name) {
  switch (name) {
    case SO_DEBUG: return SOF_DEBUG;
    case SO_REUSEADDR: return SOF_REUSEADDR;
    case SO_KEEPALIVE: return SOF_KEEPALIVE;
    case SO_DONTROUTE: return SOF_DONTROUTE;
    case SO_BROADCAST: return SOF_BROADCAST;
    case SO_OOBINLINE: return SOF_OOBINLINE;
    case SO_REUSEPORT: return SOF_REUSEPORT;
    case SO_TIMESTAMP: return SOF_TIMESTAMP;
    case SO_PASSCRED: return SOF_PASSCRED;
    case SO_PASSSEC: return SOF_PASSSEC;
    case SO_PASSPIDFD: return SOF_PASSPIDFD;
    default: return 0;
  }
}

// Linux sock_set_timeout: whole ticks, rounded up; negative = 0 wait (not
// forever); {0,0} = forever (stored as 0 here).
int set_timeout(Sockbuf& sb, const Sockopt& sopt) {
  struct { int64_t sec, usec; } tv;
  static_assert(sizeof(tv) == sizeof(timeval));
  if (int e = sooptcopyin(sopt, &tv, sizeof tv, sizeof tv)) return e;
  if (tv.usec < 0 || tv.usec >= 1000000) return EDOM;
  if (tv.sec < 0) {
    // DEVIATION: Linux's "no wait" (timeo 0) is shown as {0,0}, which here
    // also means "forever"; the shim applies the timeout to the channel.
    sb.sb_timeo_us = 0;
    return 0;
  }
  if (tv.sec == 0 && tv.usec == 0) {
    sb.sb_timeo_us = 0;
    return 0;
  }
  constexpr int64_t kTick = 1000000 / kHz;
  if (tv.sec >= (LONG_MAX / kHz - 1)) {
    sb.sb_timeo_us = 0;
    return 0;
  }
  sb.sb_timeo_us = tv.sec * 1000000 + (tv.usec + kTick - 1) / kTick * kTick;
  return 0;
}

int get_timeout(const Sockbuf& sb, Sockopt& sopt) {
  struct { int64_t sec, usec; } tv{sb.sb_timeo_us / 1000000, sb.sb_timeo_us % 1000000};
  return sooptcopyout(sopt, &tv, sizeof tv);
}

// Linux sock_setsockopt SO_SNDBUF/SO_RCVBUF: clamp to the sysctl maximum
// (unless forced), double for bookkeeping overhead, never below the minimum.
int set_buf(Sockbuf& sb, int val, uint32_t max, uint32_t min, bool force) {
  uint32_t v = uint32_t(val);
  if (force && val < 0) v = 0;
  if (!force) v = std::min(v, max);
  v = std::min<uint32_t>(v, INT_MAX / 2);
  uint32_t want = std::max<uint32_t>(v * 2, min);
  sb.sb_hiwat = 0;  // sbreserve may refuse huge forced values: keep its cap
  if (!sbreserve(sb, want)) sbreserve(sb, 16u << 20);
  sb.sb_hiwat = want;
  sb.sb_flags |= SB_USERSET;
  return 0;
}

int set_int_option(Socket& so, Sockopt& sopt, int val) {
  const NetSysctl& sys = so.so_stack->sysctl();
  switch (sopt.sopt_name) {
    case SO_DEBUG:
      if (val && !capable(sopt.sopt_td)) return EACCES;
      break;
    case SO_REUSEPORT:
      // Linux 6.x: only inet sockets have it.
      if (val && so.so_proto->pr_domain && so.so_proto->pr_domain->dom_family != AF_INET &&
          so.so_proto->pr_domain->dom_family != AF_INET6)
        return EOPNOTSUPP;
      break;
    case SO_SNDBUF:
    case SO_SNDBUFFORCE:
      if (sopt.sopt_name == SO_SNDBUFFORCE && !capable(sopt.sopt_td)) return EPERM;
      set_buf(so.so_snd, val, sys.wmem_max, kSockMinSndBuf, sopt.sopt_name == SO_SNDBUFFORCE);
      sowwakeup(so);
      return 0;
    case SO_RCVBUF:
    case SO_RCVBUFFORCE:
      if (sopt.sopt_name == SO_RCVBUFFORCE && !capable(sopt.sopt_td)) return EPERM;
      set_buf(so.so_rcv, val, sys.rmem_max, kSockMinRcvBuf, sopt.sopt_name == SO_RCVBUFFORCE);
      return 0;
    case SO_RCVLOWAT:
      so.so_rcvlowat = val < 0 ? INT_MAX : (val ? val : 1);
      so.so_rcv.sb_lowat = std::min(uint32_t(so.so_rcvlowat), std::max(1u, so.so_rcv.sb_hiwat));
      sorwakeup(so);
      return 0;
    case SO_PRIORITY:
      if ((val < 0 || val > 6) && !capable(sopt.sopt_td)) return EPERM;
      so.so_priority = val;
      return 0;
    case SO_MARK:
      if (!capable(sopt.sopt_td)) return EPERM;
      so.so_mark = uint32_t(val);
      return 0;
    case SO_PEEK_OFF:
      so.so_peek_off = val < 0 ? -1 : val;
      return 0;
    case SO_INCOMING_CPU:
      so.so_incoming_cpu = val;
      return 0;
    default:
      break;
  }
  const uint32_t f = flag_of(sopt.sopt_name);
  if (!f) return ENOPROTOOPT;
  if (val) so.so_options |= f;
  else so.so_options &= ~f;
  return 0;
}

}  // namespace

int sooptcopyin(const Sockopt& sopt, void* buf, size_t len, size_t minlen) {
  if (sopt.sopt_valsize < minlen) return EINVAL;
  if (!sopt.sopt_val && minlen) return EFAULT;
  std::memcpy(buf, sopt.sopt_val, std::min(len, sopt.sopt_valsize));
  return 0;
}

// Linux copies min(len, what the option has) and reports that length: a
// short buffer truncates rather than failing.
int sooptcopyout(Sockopt& sopt, const void* buf, size_t len) {
  size_t n = std::min(len, sopt.sopt_valsize);
  if (n && !sopt.sopt_val) return EFAULT;
  if (n) std::memcpy(sopt.sopt_val, buf, n);
  sopt.sopt_valsize = n;
  return 0;
}

int sosetopt(Socket& so, Sockopt& sopt) {
  if (sopt.sopt_level != SOL_SOCKET) {
    // Linux: a family without a setsockopt of its own (AF_UNIX) says EOPNOTSUPP.
    if (!so.so_proto->pr_ctloutput) return EOPNOTSUPP;
    return so.so_proto->pr_ctloutput(so, sopt);
  }
  if (sopt.sopt_valsize < sizeof(int)) return EINVAL;
  switch (sopt.sopt_name) {
    case SO_LINGER: {
      linger l;
      if (int e = sooptcopyin(sopt, &l, sizeof l, sizeof l)) return e;
      if (l.l_onoff) {
        so.so_options |= SOF_LINGER;
        so.so_linger = l.l_linger;
      } else {
        so.so_options &= ~SOF_LINGER;
      }
      return 0;
    }
    case SO_RCVTIMEO_OLD:
    case SO_RCVTIMEO_NEW:
      return set_timeout(so.so_rcv, sopt);
    case SO_SNDTIMEO_OLD:
    case SO_SNDTIMEO_NEW:
      return set_timeout(so.so_snd, sopt);
    default: {
      int val;
      std::memcpy(&val, sopt.sopt_val, sizeof val);
      return set_int_option(so, sopt, val);
    }
  }
}

int sogetopt(Socket& so, Sockopt& sopt) {
  if (sopt.sopt_level != SOL_SOCKET) {
    if (!so.so_proto->pr_ctloutput) return EOPNOTSUPP;
    return so.so_proto->pr_ctloutput(so, sopt);
  }
  int val = 0;
  switch (sopt.sopt_name) {
    case SO_TYPE: val = so.so_type; break;
    case SO_PROTOCOL: val = so.so_proto->pr_protocol; break;
    case SO_DOMAIN: val = so.so_proto->pr_domain ? so.so_proto->pr_domain->dom_family : 0; break;
    case SO_ERROR:
      // Linux sock_getsockopt: the pending error, else the soft one
      // (an ICMP error the protocol kept), each read once.
      val = std::exchange(so.so_error, 0);
      if (!val) val = std::exchange(so.so_softerror, 0);
      break;
    case SO_ACCEPTCONN: val = (so.so_options & SOF_ACCEPTCONN) ? 1 : 0; break;
    case SO_SNDBUF: val = int(so.so_snd.sb_hiwat); break;
    case SO_RCVBUF: val = int(so.so_rcv.sb_hiwat); break;
    case SO_RCVLOWAT: val = so.so_rcvlowat; break;
    case SO_SNDLOWAT: val = 1; break;  // Linux: fixed, and not settable
    case SO_PRIORITY: val = so.so_priority; break;
    case SO_MARK: val = int(so.so_mark); break;
    case SO_PEEK_OFF: val = so.so_peek_off; break;
    case SO_INCOMING_CPU: val = so.so_incoming_cpu; break;
    // No socket is bound to a device here (setting it is refused): Linux
    // sock_getbindtodevice answers an unbound socket with length 0, and
    // programs ask (sshd's sys_get_rdomain logs an error per connection
    // on ENOPROTOOPT).
    case SO_BINDTODEVICE: sopt.sopt_valsize = 0; return 0;
    case SO_BINDTOIFINDEX: val = 0; break;
    case SO_COOKIE: {  // Linux: a unique, never zero, 64-bit id
      uint64_t cookie = so.so_id;
      if (sopt.sopt_valsize < sizeof cookie) return EINVAL;
      return sooptcopyout(sopt, &cookie, sizeof cookie);
    }
    case SO_LINGER: {
      linger l{(so.so_options & SOF_LINGER) ? 1 : 0, so.so_linger};
      return sooptcopyout(sopt, &l, sizeof l);
    }
    case SO_RCVTIMEO_OLD:
    case SO_RCVTIMEO_NEW:
      return get_timeout(so.so_rcv, sopt);
    case SO_SNDTIMEO_OLD:
    case SO_SNDTIMEO_NEW:
      return get_timeout(so.so_snd, sopt);
    case SO_PEERCRED: {
      // Linux cred_to_ucred: no peer credentials -> pid 0, uid/gid -1.
      ucred uc{0, uint32_t(-1), uint32_t(-1)};
      if (so.so_peercred_valid) uc = {so.so_peercred.pid, so.so_peercred.uid, so.so_peercred.gid};
      return sooptcopyout(sopt, &uc, sizeof uc);
    }
    case SO_PEERNAME: {
      SockAddr peer;
      if (sogetpeername(so, &peer)) return ENOTCONN;
      if (peer.len < sopt.sopt_valsize) return EINVAL;  // Linux: lv < len
      return sooptcopyout(sopt, &peer.ss, peer.len);
    }
    default: {
      const uint32_t f = flag_of(sopt.sopt_name);
      if (!f) return ENOPROTOOPT;
      val = (so.so_options & f) ? 1 : 0;
      break;
    }
  }
  return sooptcopyout(sopt, &val, sizeof val);
}

}  // namespace tunsock
