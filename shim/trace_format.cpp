// strace's renderings for the call log (see trace_calls.hpp): sockaddrs,
// flag sets, socket option levels and names, quoted buffers, errno names.
// strace: src/sockaddr.c, src/net.c, xlat/*.in, the "= -1 ENAME (message)"
// return format and its alignment at column 40.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/un.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>

#include "trace_calls.hpp"

namespace tunsock::shim {
namespace {

struct Name {
  int v;
  const char* s;
};

const char* lookup(const Name* t, size_t n, int v) {
  for (size_t i = 0; i < n; ++i)
    if (t[i].v == v) return t[i].s;
  return nullptr;
}
#define LOOKUP(t, v) lookup(t, sizeof(t) / sizeof(t[0]), v)

const Name kDomains[] = {{AF_UNSPEC, "AF_UNSPEC"}, {AF_UNIX, "AF_UNIX"},       {AF_INET, "AF_INET"},
                         {AF_INET6, "AF_INET6"},   {AF_NETLINK, "AF_NETLINK"}, {AF_PACKET, "AF_PACKET"}};
const Name kTypes[] = {{SOCK_STREAM, "SOCK_STREAM"}, {SOCK_DGRAM, "SOCK_DGRAM"},
                       {SOCK_RAW, "SOCK_RAW"},       {SOCK_SEQPACKET, "SOCK_SEQPACKET"}};
const Name kProtos[] = {{IPPROTO_IP, "IPPROTO_IP"},     {IPPROTO_ICMP, "IPPROTO_ICMP"}, {IPPROTO_TCP, "IPPROTO_TCP"},
                        {IPPROTO_UDP, "IPPROTO_UDP"},   {IPPROTO_IPV6, "IPPROTO_IPV6"}, {IPPROTO_ICMPV6, "IPPROTO_ICMPV6"},
                        {IPPROTO_UDPLITE, "IPPROTO_UDPLITE"}, {IPPROTO_RAW, "IPPROTO_RAW"}};
const Name kMsgFlags[] = {{MSG_OOB, "MSG_OOB"},           {MSG_PEEK, "MSG_PEEK"},       {MSG_DONTROUTE, "MSG_DONTROUTE"},
                          {MSG_CTRUNC, "MSG_CTRUNC"},     {MSG_TRUNC, "MSG_TRUNC"},     {MSG_DONTWAIT, "MSG_DONTWAIT"},
                          {MSG_EOR, "MSG_EOR"},           {MSG_WAITALL, "MSG_WAITALL"}, {MSG_CONFIRM, "MSG_CONFIRM"},
                          {MSG_ERRQUEUE, "MSG_ERRQUEUE"}, {MSG_NOSIGNAL, "MSG_NOSIGNAL"}, {MSG_MORE, "MSG_MORE"},
                          {MSG_WAITFORONE, "MSG_WAITFORONE"}, {MSG_FASTOPEN, "MSG_FASTOPEN"},
                          {MSG_CMSG_CLOEXEC, "MSG_CMSG_CLOEXEC"}};
const Name kLevels[] = {{SOL_SOCKET, "SOL_SOCKET"}, {IPPROTO_IP, "SOL_IP"}, {IPPROTO_TCP, "SOL_TCP"},
                        {IPPROTO_UDP, "SOL_UDP"},   {IPPROTO_IPV6, "SOL_IPV6"}, {IPPROTO_ICMPV6, "SOL_ICMPV6"},
                        {IPPROTO_RAW, "SOL_RAW"}};
// x86-64's numbers, as strace 6 names them (the _OLD time options).
const Name kSolSocket[] = {
    {1, "SO_DEBUG"},        {2, "SO_REUSEADDR"},   {3, "SO_TYPE"},         {4, "SO_ERROR"},
    {5, "SO_DONTROUTE"},    {6, "SO_BROADCAST"},   {7, "SO_SNDBUF"},       {8, "SO_RCVBUF"},
    {9, "SO_KEEPALIVE"},    {10, "SO_OOBINLINE"},  {11, "SO_NO_CHECK"},    {12, "SO_PRIORITY"},
    {13, "SO_LINGER"},      {14, "SO_BSDCOMPAT"},  {15, "SO_REUSEPORT"},   {16, "SO_PASSCRED"},
    {17, "SO_PEERCRED"},    {18, "SO_RCVLOWAT"},   {19, "SO_SNDLOWAT"},    {20, "SO_RCVTIMEO_OLD"},
    {21, "SO_SNDTIMEO_OLD"}, {25, "SO_BINDTODEVICE"}, {29, "SO_TIMESTAMP_OLD"}, {30, "SO_ACCEPTCONN"},
    {31, "SO_PEERSEC"},     {32, "SO_SNDBUFFORCE"}, {33, "SO_RCVBUFFORCE"}, {34, "SO_PASSSEC"},
    {35, "SO_TIMESTAMPNS_OLD"}, {36, "SO_MARK"},   {37, "SO_TIMESTAMPING_OLD"}, {38, "SO_PROTOCOL"},
    {39, "SO_DOMAIN"},      {40, "SO_RXQ_OVFL"},   {43, "SO_PEEK_OFF"},    {46, "SO_BUSY_POLL"},
    {49, "SO_INCOMING_CPU"}, {59, "SO_PEERGROUPS"}, {60, "SO_ZEROCOPY"},   {62, "SO_BINDTOIFINDEX"}};
const Name kSolIp[] = {{1, "IP_TOS"},         {2, "IP_TTL"},          {3, "IP_HDRINCL"},     {4, "IP_OPTIONS"},
                       {8, "IP_PKTINFO"},     {10, "IP_MTU_DISCOVER"}, {11, "IP_RECVERR"},   {12, "IP_RECVTTL"},
                       {13, "IP_RECVTOS"},    {14, "IP_MTU"},         {15, "IP_FREEBIND"},   {19, "IP_TRANSPARENT"},
                       {24, "IP_BIND_ADDRESS_NO_PORT"}, {32, "IP_MULTICAST_IF"}, {33, "IP_MULTICAST_TTL"},
                       {34, "IP_MULTICAST_LOOP"}, {35, "IP_ADD_MEMBERSHIP"}, {36, "IP_DROP_MEMBERSHIP"}};
const Name kSolTcp[] = {{1, "TCP_NODELAY"},   {2, "TCP_MAXSEG"},     {3, "TCP_CORK"},         {4, "TCP_KEEPIDLE"},
                        {5, "TCP_KEEPINTVL"}, {6, "TCP_KEEPCNT"},    {7, "TCP_SYNCNT"},       {8, "TCP_LINGER2"},
                        {9, "TCP_DEFER_ACCEPT"}, {10, "TCP_WINDOW_CLAMP"}, {11, "TCP_INFO"},  {12, "TCP_QUICKACK"},
                        {13, "TCP_CONGESTION"}, {18, "TCP_USER_TIMEOUT"}, {23, "TCP_FASTOPEN"},
                        {25, "TCP_NOTSENT_LOWAT"}, {30, "TCP_FASTOPEN_CONNECT"}};
const Name kSolIpv6[] = {{16, "IPV6_UNICAST_HOPS"}, {17, "IPV6_MULTICAST_IF"}, {18, "IPV6_MULTICAST_HOPS"},
                         {19, "IPV6_MULTICAST_LOOP"}, {23, "IPV6_MTU_DISCOVER"}, {25, "IPV6_RECVERR"},
                         {26, "IPV6_V6ONLY"}, {49, "IPV6_RECVPKTINFO"}, {50, "IPV6_PKTINFO"},
                         {51, "IPV6_RECVHOPLIMIT"}, {67, "IPV6_TCLASS"}};
const Name kShut[] = {{SHUT_RD, "SHUT_RD"}, {SHUT_WR, "SHUT_WR"}, {SHUT_RDWR, "SHUT_RDWR"}};

}  // namespace

StraceLine& StraceLine::put(const char* s) {
  while (*s && n_ < sizeof buf_ - 1) buf_[n_++] = *s++;
  buf_[n_] = '\0';
  return *this;
}

StraceLine& StraceLine::fmt(const char* f, ...) {
  va_list ap;
  va_start(ap, f);
  const int k = std::vsnprintf(buf_ + n_, sizeof buf_ - n_, f, ap);
  va_end(ap);
  if (k > 0) n_ = std::min(sizeof buf_ - 1, n_ + size_t(k));
  return *this;
}

// One flag set: names joined by '|', what is left in hex, "0" for none.
static void flag_set(StraceLine& l, const Name* t, size_t n, int v) {
  if (v == 0) {
    l.put("0");
    return;
  }
  bool first = true;
  for (size_t i = 0; i < n; ++i) {
    if ((v & t[i].v) != t[i].v || t[i].v == 0) continue;
    l.put(first ? "" : "|").put(t[i].s);
    v &= ~t[i].v;
    first = false;
  }
  if (v) l.fmt("%s%#x", first ? "" : "|", unsigned(v));
}

StraceLine& StraceLine::socket_domain(int d) {
  const char* s = LOOKUP(kDomains, d);
  return s ? put(s) : fmt("%d /* AF_??? */", d);
}

StraceLine& StraceLine::socket_type(int t) {
  const char* s = LOOKUP(kTypes, t & 0xf);
  s ? put(s) : fmt("%#x /* SOCK_??? */", unsigned(t & 0xf));
  if (t & SOCK_CLOEXEC) put("|SOCK_CLOEXEC");
  if (t & SOCK_NONBLOCK) put("|SOCK_NONBLOCK");
  if (int rest = t & ~(0xf | SOCK_CLOEXEC | SOCK_NONBLOCK)) fmt("|%#x", unsigned(rest));
  return *this;
}

StraceLine& StraceLine::socket_protocol(int domain, int p) {
  if (domain != AF_INET && domain != AF_INET6) return fmt("%d", p);
  const char* s = LOOKUP(kProtos, p);
  return s ? put(s) : fmt("%d /* IPPROTO_??? */", p);
}

StraceLine& StraceLine::msg_flags(int f) {
  flag_set(*this, kMsgFlags, sizeof kMsgFlags / sizeof kMsgFlags[0], f);
  return *this;
}

StraceLine& StraceLine::sock_flags(int f) {
  static const Name k[] = {{SOCK_CLOEXEC, "SOCK_CLOEXEC"}, {SOCK_NONBLOCK, "SOCK_NONBLOCK"}};
  flag_set(*this, k, 2, f);
  return *this;
}

StraceLine& StraceLine::level(int l) {
  const char* s = LOOKUP(kLevels, l);
  return s ? put(s) : fmt("%#x /* SOL_??? */", unsigned(l));
}

StraceLine& StraceLine::optname(int level, int name) {
  const char* s = nullptr;
  if (level == SOL_SOCKET) s = LOOKUP(kSolSocket, name);
  if (level == IPPROTO_IP) s = LOOKUP(kSolIp, name);
  if (level == IPPROTO_TCP) s = LOOKUP(kSolTcp, name);
  if (level == IPPROTO_IPV6) s = LOOKUP(kSolIpv6, name);
  return s ? put(s) : fmt("%#x", unsigned(name));
}

StraceLine& StraceLine::optval(const void* v, socklen_t len, bool ok) {
  if (!v) return put("NULL");
  if (!ok) return fmt("%p", v);
  if (len == sizeof(int)) {
    int x;
    std::memcpy(&x, v, sizeof x);
    return fmt("[%d]", x);
  }
  return bytes(v, len);
}

StraceLine& StraceLine::shut_how(int how) {
  const char* s = LOOKUP(kShut, how);
  return s ? put(s) : fmt("%d /* SHUT_??? */", how);
}

// strace's string quoting (print_quoted_string): C escapes for the common
// control characters, octal for the rest (three digits before a digit).
StraceLine& StraceLine::bytes(const void* p, size_t len) {
  if (!p) return put("NULL");
  const auto* b = static_cast<const unsigned char*>(p);
  const size_t show = len < 32 ? len : 32;
  put("\"");
  for (size_t i = 0; i < show; ++i) {
    const unsigned char c = b[i];
    switch (c) {
      case '"': put("\\\""); continue;
      case '\\': put("\\\\"); continue;
      case '\n': put("\\n"); continue;
      case '\t': put("\\t"); continue;
      case '\r': put("\\r"); continue;
      case '\f': put("\\f"); continue;
      case '\v': put("\\v"); continue;
      default: break;
    }
    if (c >= 0x20 && c < 0x7f) {
      fmt("%c", c);
    } else {
      const bool digit_next = i + 1 < show && b[i + 1] >= '0' && b[i + 1] <= '7';
      fmt(digit_next ? "\\%03o" : "\\%o", c);
    }
  }
  put("\"");
  if (len > show) put("...");
  return *this;
}

StraceLine& StraceLine::sockaddr_of(const sockaddr* a, socklen_t len) {
  if (!a) return put("NULL");
  if (len < sizeof(sa_family_t)) return fmt("%p", static_cast<const void*>(a));
  const int fam = a->sa_family;
  put("{sa_family=").socket_domain(fam);
  char host[INET6_ADDRSTRLEN];
  if (fam == AF_INET && len >= sizeof(sockaddr_in)) {
    const auto* sin = reinterpret_cast<const sockaddr_in*>(a);
    inet_ntop(AF_INET, &sin->sin_addr, host, sizeof host);
    fmt(", sin_port=htons(%u), sin_addr=inet_addr(\"%s\")", ntohs(sin->sin_port), host);
  } else if (fam == AF_INET6 && len >= sizeof(sockaddr_in6)) {
    const auto* s6 = reinterpret_cast<const sockaddr_in6*>(a);
    inet_ntop(AF_INET6, &s6->sin6_addr, host, sizeof host);
    fmt(", sin6_port=htons(%u), sin6_flowinfo=htonl(%u), inet_pton(AF_INET6, \"%s\", &sin6_addr), sin6_scope_id=%u",
        ntohs(s6->sin6_port), ntohl(s6->sin6_flowinfo), host, s6->sin6_scope_id);
  } else if (fam == AF_UNIX && len > sizeof(sa_family_t)) {
    const auto* sun = reinterpret_cast<const sockaddr_un*>(a);
    const size_t n = std::min(size_t(len) - offsetof(sockaddr_un, sun_path), sizeof sun->sun_path);
    if (sun->sun_path[0] == '\0') {
      put(", sun_path=@");
      bytes(sun->sun_path + 1, n - 1);
    } else {
      put(", sun_path=");
      bytes(sun->sun_path, strnlen(sun->sun_path, n));
    }
  }
  return put("}");
}

StraceLine& StraceLine::addrlen(const socklen_t* p, socklen_t before) {
  if (!p) return put("NULL");
  return before == *p ? fmt("[%u]", unsigned(*p)) : fmt("[%u => %u]", unsigned(before), unsigned(*p));
}

StraceLine& StraceLine::msghdr_of(const msghdr* m, ssize_t data, bool ok) {
  if (!m) return put("NULL");
  put("{msg_name=");
  if (m->msg_name && ok) sockaddr_of(static_cast<const sockaddr*>(m->msg_name), m->msg_namelen);
  else m->msg_name ? fmt("%p", m->msg_name) : put("NULL");
  fmt(", msg_namelen=%u, msg_iov=[", unsigned(m->msg_namelen));
  size_t left = data > 0 ? size_t(data) : 0;
  for (size_t i = 0; i < m->msg_iovlen && i < 8; ++i) {
    const size_t k = left < m->msg_iov[i].iov_len ? left : m->msg_iov[i].iov_len;
    put(i ? ", {iov_base=" : "{iov_base=");
    ok ? bytes(m->msg_iov[i].iov_base, k) : fmt("%p", m->msg_iov[i].iov_base);
    fmt(", iov_len=%zu}", m->msg_iov[i].iov_len);
    left -= k;
  }
  if (m->msg_iovlen > 8) put(", ...");
  fmt("], msg_iovlen=%zu", size_t(m->msg_iovlen));
  // DEVIATION: strace decodes each cmsg; we give the control buffer's size.
  if (m->msg_controllen) fmt(", msg_control=%p", m->msg_control);
  fmt(", msg_controllen=%zu, msg_flags=", size_t(m->msg_controllen));
  msg_flags(m->msg_flags);
  return put("}");
}

void StraceLine::finish(long long r, int err) {
  put(")");
  // strace aligns " = " at column 40.
  while (n_ < 39) put(" ");
  if (r < 0 && err) {
    const char* name = strerrorname_np(err);
    name ? fmt(" = -1 %s (%s)", name, std::strerror(err)) : fmt(" = -1 E%d (%s)", err, std::strerror(err));
  } else {
    fmt(" = %lld", r);
  }
  call_log_write(buf_, n_);
}

}  // namespace tunsock::shim
