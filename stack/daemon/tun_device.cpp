// The TUN device driver (see tun_device.hpp): open/create/attach with the
// ioctls of drivers/net/tun.c, batched nonblocking reads scattered into
// mbuf clusters, gathered writes over mbuf chains.
#include "daemon/tun_device.hpp"

#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iterator>

#include "daemon/fd.hpp"
#include "daemon/log.hpp"
#include "net/if.hpp"

namespace tunsock::daemon {
namespace {

// ifreq on an AF_INET datagram socket: the classic interface ioctls.
int if_ioctl(unsigned long req, ifreq* ifr) {
  UniqueFd s(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!s) return errno;
  return ::ioctl(s.get(), req, ifr) < 0 ? errno : 0;
}

void set_name(ifreq* ifr, const std::string& name) {
  std::memset(ifr, 0, sizeof *ifr);
  std::strncpy(ifr->ifr_name, name.c_str(), IFNAMSIZ - 1);
}

constexpr int kMaxRxSegs = 33;  // 64 KiB + 1 in 2 KiB clusters

}  // namespace

TunDevice::TunDevice(asio::io_context& io) : io_(io), alive_(std::make_shared<int>(0)) {}

TunDevice::~TunDevice() { close(); }

int TunDevice::open(const std::string& name, uint32_t mtu, std::string* err) {
  auto fail = [&](int e, const std::string& what) {
    *err = what + ": " + std::strerror(e);
    return e;
  };
  if (name.empty() || name.size() >= IFNAMSIZ) return fail(EINVAL, "bad TUN device name '" + name + "'");
  UniqueFd fd(::open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC));
  if (!fd) {
    const int e = errno;
    return fail(e, e == EACCES ? "open /dev/net/tun (it must be readable and writable by us; Debian makes it 0666)"
                               : "open /dev/net/tun");
  }
  ifreq ifr;
  set_name(&ifr, name);
  ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
  if (::ioctl(fd.get(), TUNSETIFF, &ifr) < 0) {
    const int e = errno;
    if (e == EPERM || e == EBUSY)
      return fail(e, "TUNSETIFF " + name +
                         " (create it first with `ip tuntap add " + name + " mode tun user $USER`, or run with "
                         "CAP_NET_ADMIN; a device with IFF_MULTI_QUEUE or a vnet header set does not fit)");
    return fail(e, "TUNSETIFF " + name);
  }
  name_ = ifr.ifr_name;
  // A persistent device was made by someone else (ip tuntap add): we only
  // attach. One that is not persistent was created by TUNSETIFF just now
  // and disappears with our descriptor: it is ours to configure.
  ifreq got;
  std::memset(&got, 0, sizeof got);
  if (::ioctl(fd.get(), TUNGETIFF, &got) == 0) created_ = !(got.ifr_flags & IFF_PERSIST);
  // DESIGN.md: a persistent device keeps its previous owner's offloads, and
  // we neither read nor write vnet headers: always say "no offloads".
  if (::ioctl(fd.get(), TUNSETOFFLOAD, 0u) < 0) return fail(errno, "TUNSETOFFLOAD 0 on " + name_);

  set_name(&ifr, name_);
  if (mtu != 0) {
    ifr.ifr_mtu = int(mtu);
    if (int e = if_ioctl(SIOCSIFMTU, &ifr)) {
      if (created_) return fail(e, "set MTU " + std::to_string(mtu) + " on " + name_);
      logger("tun")->warn("{}: cannot set MTU {} on a persistent device ({}); set it with `ip link set {} mtu {}`",
                          name_, mtu, std::strerror(e), name_, mtu);
    }
  }
  set_name(&ifr, name_);
  if (if_ioctl(SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > 0) mtu_ = uint32_t(ifr.ifr_mtu);
  if (created_) {
    // The kernel->TUN queue drops silently when the reader falls behind
    // (DESIGN.md): give it room, then bring the link up.
    set_name(&ifr, name_);
    ifr.ifr_qlen = 4096;
    if (int e = if_ioctl(SIOCSIFTXQLEN, &ifr)) logger("tun")->warn("{}: txqueuelen: {}", name_, std::strerror(e));
    set_name(&ifr, name_);
    if (int e = if_ioctl(SIOCGIFFLAGS, &ifr)) return fail(e, "SIOCGIFFLAGS " + name_);
    ifr.ifr_flags = short(ifr.ifr_flags | ::IFF_UP);
    if (int e = if_ioctl(SIOCSIFFLAGS, &ifr)) return fail(e, "bring " + name_ + " up");
  } else {
    set_name(&ifr, name_);
    if (if_ioctl(SIOCGIFFLAGS, &ifr) == 0 && !(ifr.ifr_flags & ::IFF_UP))
      logger("tun")->warn("{} is down: `ip link set {} up` on the host side", name_, name_);
  }
  sd_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd.release());
  logger("tun")->info("{}: {} (mtu {}, no offloads)", name_, created_ ? "created" : "attached to persistent device",
                      mtu_);
  return 0;
}

void TunDevice::start(ifnet& ifp, Hooks hooks) {
  ifp_ = &ifp;
  hooks_ = std::move(hooks);
  arm_read();
}

void TunDevice::close() {
  alive_ = std::make_shared<int>(0);  // posted continuations see theirs expire
  if (sd_) {
    boost::system::error_code ec;
    sd_->cancel(ec);
    sd_->close(ec);
    sd_.reset();
  }
  for (int i = 0; i < nspare_; ++i) m_freem(spare_[i]);
  nspare_ = 0;
  ifp_ = nullptr;
}

void TunDevice::arm_read() {
  if (!sd_) return;
  std::weak_ptr<int> alive = alive_;
  sd_->async_wait(asio::posix::stream_descriptor::wait_read, [this, alive](boost::system::error_code ec) {
    if (ec || alive.expired()) return;
    on_readable();
  });
}

// Drain up to kBatch packets per wake-up; with more waiting, yield to the
// rest of the loop (channels, timers) and come straight back.
void TunDevice::on_readable() {
  if (!sd_ || !ifp_) return;
  ++stats_.wakeups;
  if (hooks_.before_batch) hooks_.before_batch();
  int n = 0, r = 0;
  while (n < kBatch && (r = read_one()) > 0) ++n;
  if (uint64_t(n) > stats_.max_batch) stats_.max_batch = n;
  if (hooks_.after_batch) hooks_.after_batch();
  if (r < 0) {
    logger("tun")->error("{}: reading stopped", name_);
    return;
  }
  if (n == kBatch) {
    std::weak_ptr<int> alive = alive_;
    asio::post(io_, [this, alive] {
      if (!alive.expired()) on_readable();
    });
    return;
  }
  arm_read();
}

void TunDevice::poll_now() {
  if (!sd_ || !ifp_) return;
  if (hooks_.before_batch) hooks_.before_batch();
  int n = 0;
  while (n < kBatch && read_one() > 0) ++n;
  if (hooks_.after_batch) hooks_.after_batch();
}

// Keep enough clusters for one packet of the largest size we accept.
bool TunDevice::fill_spare() {
  const int want = std::min<int>(kMaxRxSegs, int((mtu_ + MCLBYTES) / MCLBYTES));
  while (nspare_ < want) {
    mbuf* m = m_get2(int(MCLBYTES), M_NOWAIT, MType::Data, true);
    if (!m) return nspare_ > 0 && room() > int(mtu_);
    spare_[nspare_++] = m;
  }
  return true;
}

int TunDevice::room() const {
  int r = 0;
  for (int i = 0; i < nspare_; ++i) r += M_TRAILINGSPACE(spare_[i]);
  return r;
}

int TunDevice::read_one() {
  const bool have = fill_spare();
  iovec iov[kMaxRxSegs];
  int cnt = 0;
  for (int i = 0; i < nspare_; ++i) iov[cnt++] = {spare_[i]->m_data, size_t(M_TRAILINGSPACE(spare_[i]))};
  if (!have || cnt == 0) {
    // No buffers: take the packet off the device anyway so the queue keeps
    // moving, and count it as dropped (as a NIC without rx descriptors).
    char scratch[256];
    const ssize_t n = ::read(sd_->native_handle(), scratch, sizeof scratch);
    if (n < 0) return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
    ++stats_.rx_nobufs;
    ++ifp_->if_data.rx_dropped;
    return 1;
  }
  ssize_t n;
  do n = ::readv(sd_->native_handle(), iov, cnt);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
    logger("tun")->error("{}: read: {}", name_, std::strerror(errno));
    return -1;
  }
  if (n == 0) {
    ++stats_.rx_empty;
    ++ifp_->if_data.rx_dropped;
    return 1;
  }
  if (n > ssize_t(mtu_) && n >= ssize_t(room())) {
    // Filled every buffer: possibly cut short. Not a packet we can trust.
    ++stats_.rx_oversize;
    ++ifp_->if_data.rx_errors;
    return 1;
  }
  // The used prefix of the spare clusters becomes the packet.
  int used = 0;
  ssize_t left = n;
  mbuf* head = nullptr;
  mbuf* tail = nullptr;
  while (left > 0) {
    mbuf* m = spare_[used++];
    m->m_len = int(std::min<ssize_t>(left, M_TRAILINGSPACE(m)));
    left -= m->m_len;
    if (!head) {
      head = m;
    } else {
      m->m_flags &= ~M_PKTHDR;  // BSD m_demote: only the head keeps a header
      tail->m_next = m;
    }
    tail = m;
  }
  tail->m_next = nullptr;
  for (int i = used; i < nspare_; ++i) spare_[i - used] = spare_[i];
  nspare_ -= used;
  head->m_pkthdr.len = int(n);
  head->m_pkthdr.rcvif = ifp_;
  if_input(*ifp_, head);  // consumes head; validation and drop counters are the stack's
  return 1;
}

int TunDevice::transmit(mbuf* m) {
  MbufPtr chain(m);
  if (!sd_) return ENETDOWN;
  iovec iov[64];
  int cnt = 0;
  size_t total = 0;
  for (mbuf* p = m; p; p = p->m_next) {
    if (p->m_len == 0) continue;
    if (cnt == int(std::size(iov))) {
      ++stats_.tx_errors;  // a chain this fragmented is a stack bug; never seen
      return ENOBUFS;
    }
    iov[cnt++] = {p->m_data, size_t(p->m_len)};
    total += size_t(p->m_len);
  }
  if (cnt == 0) return 0;
  ssize_t n;
  do n = ::writev(sd_->native_handle(), iov, cnt);
  while (n < 0 && errno == EINTR);
  if (n < 0) {
    const int e = errno;
    if (e == EAGAIN || e == EWOULDBLOCK || e == ENOBUFS) {
      ++stats_.tx_eagain;
      return ENOBUFS;
    }
    ++stats_.tx_errors;
    logger("tun")->debug("{}: write: {}", name_, std::strerror(e));
    return e == EIO ? ENETDOWN : e;  // tun answers EIO while the link is down
  }
  if (size_t(n) != total) {
    ++stats_.tx_short;
    return ENOBUFS;
  }
  return 0;
}

std::string TunDevice::stats_text() const {
  char line[320];
  std::snprintf(line, sizeof line,
                "tun %s: mtu %u, %s; %llu wake-ups, batch max %llu; rx: %llu no-buffer, %llu oversize, %llu empty; "
                "tx: %llu full, %llu short, %llu errors\n",
                name_.c_str(), mtu_, created_ ? "created" : "persistent", (unsigned long long)stats_.wakeups,
                (unsigned long long)stats_.max_batch, (unsigned long long)stats_.rx_nobufs,
                (unsigned long long)stats_.rx_oversize, (unsigned long long)stats_.rx_empty,
                (unsigned long long)stats_.tx_eagain, (unsigned long long)stats_.tx_short,
                (unsigned long long)stats_.tx_errors);
  return line;
}

}  // namespace tunsock::daemon
