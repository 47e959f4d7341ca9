// Live capture (see capture.hpp): the pcap records, the taps and their
// streams. A tap never makes the stack wait: its records queue in a bounded
// buffer that a nonblocking send drains when the reader keeps up; a record
// that does not fit is dropped and counted (bpf's bd_dcount), and the reader
// learns the count at the end, as tcpdump prints "N packets dropped by kernel".
#include "daemon/capture.hpp"

#include <pcap/pcap.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/post.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <algorithm>
#include <cerrno>
#include <cstring>

#include "daemon/daemon.hpp"
#include "daemon/inet_setup.hpp"
#include "daemon/log.hpp"
#include "kern/mbuf.hpp"
#include "net/if.hpp"

namespace tunsock::daemon {
namespace {

constexpr uint32_t kPcapMagic = 0xa1b2c3d4;  // microsecond timestamps, our byte order
constexpr uint32_t kLinktypeRaw = 101;       // LINKTYPE_RAW (libpcap's DLT_RAW)
// Records waiting for a slow reader, per capture: a few seconds of a
// loaded TUN link's headers, well under a second of full-size bulk data.
constexpr size_t kQueueMax = 4u << 20;

struct PcapFileHeader {
  uint32_t magic;
  uint16_t version_major, version_minor;
  int32_t thiszone;
  uint32_t sigfigs, snaplen, linktype;
};
struct PcapRecordHeader {
  uint32_t ts_sec, ts_usec, caplen, len;
};

template <class T>
void append(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

}  // namespace

std::string pcap_file_header(uint32_t snaplen) {
  std::string s;
  append(s, PcapFileHeader{kPcapMagic, 2, 4, 0, 0, snaplen, kLinktypeRaw});
  return s;
}

void pcap_append_record(std::string& out, const mbuf* m, uint32_t snaplen, const timeval& tv) {
  const uint32_t len = uint32_t(m->m_pkthdr.len);
  const PcapRecordHeader h{uint32_t(tv.tv_sec), uint32_t(tv.tv_usec), std::min(len, snaplen), len};
  append(out, h);
  uint32_t left = h.caplen;
  for (const mbuf* p = m; p && left; p = p->m_next) {
    const uint32_t k = std::min(left, uint32_t(p->m_len));
    out.append(reinterpret_cast<const char*>(p->m_data), k);
    left -= k;
  }
}

struct Captures::Tap {
  Tap(asio::io_context& io, int fd) : sd(io, fd) {}
  ~Tap() {
    if (has_prog) pcap_freecode(&prog);
  }
  uint64_t id = 0;
  std::string ifname;  // an interface's name, or "any"
  uint32_t snaplen = kPcapSnaplen;
  bpf_program prog{};
  bool has_prog = false;
  asio::posix::stream_descriptor sd;  // our end of the stream
  std::string out;                    // bytes not yet sent, from off
  size_t off = 0;
  uint64_t received = 0;  // packets the filter accepted
  uint64_t dropped = 0;   // of those, not queued: the reader was behind
  bool writing = false;   // waiting for the socket to take more
  bool posted = false;    // a flush is posted
  int pid = 0;
};

Captures::Captures(Daemon& d, std::function<void()> on_change) : d_(d), on_change_(std::move(on_change)) {}

Captures::~Captures() {
  on_change_ = [] {};  // its owner is going too
  stop();
}

void Captures::request(const CtlRequest& q, CtlReply& r) {
  if (q.hdr.a != ipc::kCaptureStats) {
    start(q, r);
    return;
  }
  for (auto& t : taps_) {
    if (t->id != q.hdr.sock_id) continue;
    r.payload = std::to_string(t->received) + " " + std::to_string(t->dropped);
    return;
  }
  r.hdr.error = ESRCH;
}

void Captures::start(const CtlRequest& q, CtlReply& r) {
  // payload: the filter, optionally followed by NUL and the interface.
  std::string filter(reinterpret_cast<const char*>(q.payload.data()), q.payload.size());
  std::string ifname;
  if (auto nul = filter.find('\0'); nul != std::string::npos) {
    ifname = filter.substr(nul + 1);
    filter.resize(nul);
  }
  Stack& st = d_.stack();
  if (ifname.empty()) ifname = d_.inet().tun_ifnet() ? d_.inet().tun_ifnet()->if_name : "lo";
  if (ifname != "any" && !if_find(st, ifname)) {
    r.hdr.error = ENODEV;
    r.payload = ifname + ": No such device exists (the stack's interfaces: lo" +
                (d_.inet().tun_ifnet() ? ", " + d_.inet().tun_ifnet()->if_name : std::string()) + ", any)";
    return;
  }
  const uint32_t snaplen = q.hdr.a > 0 ? std::min(uint32_t(q.hdr.a), kPcapSnaplen) : kPcapSnaplen;
  bpf_program prog{};
  bool has_prog = false;
  if (filter.find_first_not_of(" \t\n") != std::string::npos) {
    pcap_t* p = pcap_open_dead(DLT_RAW, int(snaplen));
    if (!p) {
      r.hdr.error = ENOMEM;
      return;
    }
    if (pcap_compile(p, &prog, filter.c_str(), 1, PCAP_NETMASK_UNKNOWN) != 0) {
      r.hdr.error = EINVAL;
      r.payload = pcap_geterr(p);
      pcap_close(p);
      return;
    }
    pcap_close(p);
    has_prog = true;
  }
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
    r.hdr.error = errno;
    if (has_prog) pcap_freecode(&prog);
    return;
  }
  auto t = std::make_shared<Tap>(d_.io(), sv[0]);
  t->id = next_id_++;
  t->ifname = ifname;
  t->snaplen = snaplen;
  t->prog = prog;
  t->has_prog = has_prog;
  t->pid = q.cred.pid;
  t->out = pcap_file_header(snaplen);
  taps_.push_back(t);
  r.hdr.value = int64_t(t->id);
  r.payload = ifname;
  r.fds.push_back(sv[1]);
  logger("capture")->info("capture {} on {} for pid {}: filter '{}', snaplen {}", t->id, ifname, t->pid, filter,
                          snaplen);
  arm_eof(t);
  flush(t);
  if (taps_.size() == 1) on_change_();
}

void Captures::tap(const ifnet& ifp, char dir, const mbuf* m) {
  // Linux's lo shows each packet once (as it leaves); so do we.
  if ((ifp.if_flags & IFF_LOOPBACK) && dir != 'O') return;
  timeval tv{};
  bool flat = false;
  for (auto& t : taps_) {
    if (t->ifname != "any" && t->ifname != ifp.if_name) continue;
    if (!flat) {
      ::gettimeofday(&tv, nullptr);
      flat_.clear();
      pcap_append_record(flat_, m, kPcapSnaplen, tv);
      flat = true;
    }
    const auto* rec = reinterpret_cast<const PcapRecordHeader*>(flat_.data());
    const uint32_t caplen = std::min(rec->caplen, t->snaplen);
    if (t->has_prog) {
      pcap_pkthdr h{};
      h.ts = tv;
      h.caplen = caplen;
      h.len = rec->len;
      const auto* bytes = reinterpret_cast<const u_char*>(flat_.data() + sizeof(PcapRecordHeader));
      if (!pcap_offline_filter(&t->prog, &h, bytes)) continue;
    }
    ++t->received;
    if (t->out.size() - t->off + sizeof(PcapRecordHeader) + caplen > kQueueMax) {
      ++t->dropped;
      continue;
    }
    append(t->out, PcapRecordHeader{rec->ts_sec, rec->ts_usec, caplen, rec->len});
    t->out.append(flat_, sizeof(PcapRecordHeader), caplen);
    if (!t->writing && !t->posted) {
      // Send after the stack's work: one send for a batch of packets.
      t->posted = true;
      std::weak_ptr<Tap> w = t;
      asio::post(d_.io(), [this, w] {
        if (auto s = w.lock()) {
          s->posted = false;
          flush(s);
        }
      });
    }
  }
}

void Captures::flush(const std::shared_ptr<Tap>& t) {
  while (t->off < t->out.size()) {
    const ssize_t n = ::send(t->sd.native_handle(), t->out.data() + t->off, t->out.size() - t->off,
                             MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (t->writing) return;
      t->writing = true;
      std::weak_ptr<Tap> w = t;
      t->sd.async_wait(asio::posix::stream_descriptor::wait_write, [this, w](boost::system::error_code ec) {
        auto s = w.lock();
        if (!s || ec) return;
        s->writing = false;
        flush(s);
      });
      return;
    }
    if (n < 0) {
      end(t, "reader closed");  // EPIPE, ECONNRESET
      return;
    }
    t->off += size_t(n);
  }
  t->out.clear();
  t->off = 0;
}

// The reader never writes: readable means it closed (EOF) or is gone.
void Captures::arm_eof(const std::shared_ptr<Tap>& t) {
  std::weak_ptr<Tap> w = t;
  t->sd.async_wait(asio::posix::stream_descriptor::wait_read, [this, w](boost::system::error_code ec) {
    auto s = w.lock();
    if (!s || ec) return;
    char b[256];
    const ssize_t n = ::recv(s->sd.native_handle(), b, sizeof b, MSG_DONTWAIT);
    if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR))) {
      arm_eof(s);
      return;
    }
    end(s, "reader closed");
  });
}

void Captures::end(const std::shared_ptr<Tap>& t, const char* why) {
  auto it = std::find(taps_.begin(), taps_.end(), t);
  if (it == taps_.end()) return;
  logger("capture")->info("capture {} on {} for pid {} ended ({}): {} packets received by filter, {} dropped", t->id,
                          t->ifname, t->pid, why, t->received, t->dropped);
  boost::system::error_code ec;
  t->sd.cancel(ec);
  t->sd.close(ec);
  taps_.erase(it);
  if (taps_.empty()) on_change_();
}

void Captures::stop() {
  while (!taps_.empty()) end(taps_.back(), "daemon stopping");
}

void op_capture(Daemon& d, const CtlRequest& q, CtlReply& r) {
  if (!inet_of(d.stack())) {
    r.hdr.error = ENETDOWN;
    r.payload = "the daemon serves no inet domain (--domains): nothing to capture";
    return;
  }
  d.inet().captures().request(q, r);
}

}  // namespace tunsock::daemon
