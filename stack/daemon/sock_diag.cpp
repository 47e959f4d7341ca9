// UNIX_DIAG exact lookups over a NETLINK_SOCK_DIAG socket (see sock_diag.hpp).
// Linux: net/unix/diag.c unix_diag_get_exact().
#include "daemon/sock_diag.hpp"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <linux/unix_diag.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "daemon/log.hpp"

namespace tunsock::daemon {

SockDiag::SockDiag() {
  fd_ = ::socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd_ < 0) logger("diag")->warn("NETLINK_SOCK_DIAG unavailable ({}): listener closes seen only on refusal",
                                    std::strerror(errno));
  if (fd_ >= 0) {
    timeval tv{1, 0};  // the kernel answers at once; never hang the daemon
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
}

SockDiag::~SockDiag() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<UnixDiagInfo> SockDiag::lookup(uint64_t ino) {
  last_err_ = ENOENT;
  if (ino == 0 || ino > UINT32_MAX) return std::nullopt;
  last_err_ = EIO;
  if (fd_ < 0) return std::nullopt;
  struct {
    nlmsghdr nh;
    unix_diag_req req;
  } msg{};
  msg.nh.nlmsg_len = sizeof msg;
  msg.nh.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  msg.nh.nlmsg_flags = NLM_F_REQUEST;
  msg.nh.nlmsg_seq = ++seq_;
  msg.req.sdiag_family = AF_UNIX;
  msg.req.udiag_states = ~0u;
  msg.req.udiag_ino = uint32_t(ino);
  msg.req.udiag_show = UDIAG_SHOW_PEER | UDIAG_SHOW_RQLEN | UDIAG_SHOW_MEMINFO;
  msg.req.udiag_cookie[0] = INET_DIAG_NOCOOKIE;
  msg.req.udiag_cookie[1] = INET_DIAG_NOCOOKIE;
  sockaddr_nl nl{};
  nl.nl_family = AF_NETLINK;
  if (::sendto(fd_, &msg, sizeof msg, 0, reinterpret_cast<sockaddr*>(&nl), sizeof nl) < 0) return std::nullopt;
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(h, size_t(n)); h = NLMSG_NEXT(h, n)) {
      if (h->nlmsg_seq != seq_) continue;  // a stale answer to a timed-out query
      if (h->nlmsg_type == NLMSG_ERROR && h->nlmsg_len >= NLMSG_LENGTH(sizeof(nlmsgerr)))
        last_err_ = -static_cast<const nlmsgerr*>(NLMSG_DATA(h))->error;
      if (h->nlmsg_type == NLMSG_ERROR || h->nlmsg_type == NLMSG_DONE) return std::nullopt;
      if (h->nlmsg_type != SOCK_DIAG_BY_FAMILY || h->nlmsg_len < NLMSG_LENGTH(sizeof(unix_diag_msg)))
        return std::nullopt;
      const auto* m = static_cast<const unix_diag_msg*>(NLMSG_DATA(h));
      last_err_ = 0;
      UnixDiagInfo info;
      info.type = m->udiag_type;
      info.state = m->udiag_state;
      int alen = int(h->nlmsg_len - NLMSG_LENGTH(sizeof(unix_diag_msg)));
      for (auto* a = reinterpret_cast<const rtattr*>(m + 1); RTA_OK(a, alen); a = RTA_NEXT(a, alen)) {
        if (a->rta_type == UNIX_DIAG_PEER && RTA_PAYLOAD(a) >= sizeof(uint32_t))
          std::memcpy(&info.peer_ino, RTA_DATA(a), sizeof(uint32_t));
        if (a->rta_type == UNIX_DIAG_RQLEN && RTA_PAYLOAD(a) >= sizeof(unix_diag_rqlen)) {
          unix_diag_rqlen q;
          std::memcpy(&q, RTA_DATA(a), sizeof q);
          info.rqueue = q.udiag_rqueue;
          info.wqueue = q.udiag_wqueue;
        }
        if (a->rta_type == UNIX_DIAG_MEMINFO && RTA_PAYLOAD(a) >= (SK_MEMINFO_SNDBUF + 1) * sizeof(uint32_t)) {
          uint32_t mem[SK_MEMINFO_SNDBUF + 1];
          std::memcpy(mem, RTA_DATA(a), sizeof mem);
          info.meminfo = true;
          info.wmem_alloc = mem[SK_MEMINFO_WMEM_ALLOC];
          info.sndbuf = mem[SK_MEMINFO_SNDBUF];
        }
      }
      return info;
    }
  }
}

bool SockDiag::exists(uint64_t ino) {
  if (fd_ < 0) return true;
  if (lookup(ino)) return true;
  return last_err_ != ENOENT;  // only a definite "no such socket" counts
}

}  // namespace tunsock::daemon
