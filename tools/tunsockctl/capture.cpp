// tunsockctl capture [-i IFACE] [-c COUNT] [-s SNAPLEN] [FILTER...] -w FILE|-:
// a live capture from the running daemon (ipc::Op::Capture), its pcap stream
// copied to FILE or stdout record by record, so that `-w - | tcpdump -n -r -`
// and `wireshark -k -i -` see each packet as it passes. Ends after COUNT
// packets, on SIGINT/SIGTERM/SIGHUP, when the output's reader goes, or when
// the daemon stops; then prints tcpdump's closing counts on stderr.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "command.hpp"
#include "ctl_client.hpp"

namespace tunsock::ctl {
namespace {

constexpr size_t kFileHeader = 24, kRecordHeader = 16;
volatile sig_atomic_t g_stop = 0;

void on_signal(int) { g_stop = 1; }

struct Options {
  std::string iface, filter, out;
  long count = -1;
  int snaplen = 0;
};

int usage_error(const char* what) {
  std::fprintf(stderr,
               "tunsockctl capture: %s\n"
               "usage: tunsockctl capture [-i IFACE] [-c COUNT] [-s SNAPLEN] [FILTER...] -w FILE|-\n"
               "  IFACE: the TUN device (default), lo, or any; FILTER: a pcap-filter(7) expression\n",
               what);
  return 2;
}

// 0, or the exit status of a usage error.
int parse(const std::vector<std::string>& args, Options* o) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    auto value = [&](const char* opt) -> const std::string* {
      if (a != opt) return nullptr;
      return i + 1 < args.size() ? &args[++i] : nullptr;
    };
    if (a == "-i" || a == "-c" || a == "-s" || a == "-w") {
      const std::string* v = value(a.c_str());
      if (!v) return usage_error((a + " needs a value").c_str());
      char* end = nullptr;
      if (a == "-i") o->iface = *v;
      if (a == "-w") o->out = *v;
      if (a == "-c" && ((o->count = std::strtol(v->c_str(), &end, 10)) <= 0 || *end))
        return usage_error("-c takes a count above 0");
      if (a == "-s" && ((o->snaplen = int(std::strtol(v->c_str(), &end, 10))) < 0 || *end))
        return usage_error("-s takes a length (0: 262144)");
    } else if (a.size() > 1 && a[0] == '-') {
      return usage_error(("unknown option " + a).c_str());
    } else {
      o->filter += (o->filter.empty() ? "" : " ") + a;
    }
  }
  if (o->out.empty()) return usage_error("-w FILE or -w - is required (e.g. -w - | tcpdump -n -r -)");
  return 0;
}

bool write_all(int fd, const char* p, size_t n) {
  while (n > 0) {
    const ssize_t k = ::write(fd, p, n);
    if (k < 0 && errno == EINTR) continue;
    if (k <= 0) return false;
    p += k;
    n -= size_t(k);
  }
  return true;
}

// Copy the stream to out: the file header, then whole records (at most
// count). Returns the records written; *werr = errno when out would not take them.
long copy_stream(int in, int out, long count, int* werr) {
  std::string buf;
  bool header_done = false;
  long records = 0;
  char chunk[65536];
  while (!g_stop && (count < 0 || records < count)) {
    pollfd p{in, POLLIN, 0};
    const int n = ::poll(&p, 1, 200);  // wakes to see a signal's flag
    if (n <= 0) continue;
    const ssize_t got = ::read(in, chunk, sizeof chunk);
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) break;  // the daemon ended the capture
    buf.append(chunk, size_t(got));
    size_t off = 0;
    if (!header_done && buf.size() >= kFileHeader) {
      off = kFileHeader;
      header_done = true;
    }
    while (header_done && (count < 0 || records < count) && buf.size() - off >= kRecordHeader) {
      uint32_t caplen;
      std::memcpy(&caplen, buf.data() + off + 8, sizeof caplen);  // the daemon's byte order
      if (buf.size() - off < kRecordHeader + caplen) break;
      off += kRecordHeader + caplen;
      ++records;
    }
    if (off > 0) {
      if (!write_all(out, buf.data(), off)) {
        *werr = errno ? errno : EIO;
        break;
      }
      buf.erase(0, off);
    }
  }
  return records;
}

int run_capture(Context& ctx, const std::vector<std::string>& args) {
  Options o;
  if (int e = parse(args, &o)) return e;
  std::string payload = o.filter;
  if (!o.iface.empty()) payload += std::string(1, '\0') + o.iface;
  ipc::Request q = ipc::make_request(ipc::Op::Capture, 0, 0);
  q.a = o.snaplen;
  auto r = ctx.client.call(q, payload);
  if (!r) {
    std::fprintf(stderr, "tunsockctl: %s\n", ctx.client.error().c_str());
    return 1;
  }
  if (r->hdr.error || r->fds.empty()) {
    for (int fd : r->fds) ::close(fd);
    std::fprintf(stderr, "tunsockctl capture: %s\n",
                 !r->payload.empty() ? r->payload.c_str() : std::strerror(r->hdr.error ? r->hdr.error : EPROTO));
    return 1;
  }
  const int in = r->fds[0];
  for (size_t i = 1; i < r->fds.size(); ++i) ::close(r->fds[i]);
  int out = 1;
  if (o.out != "-") {
    out = ::open(o.out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (out < 0) {
      std::fprintf(stderr, "tunsockctl capture: %s: %s\n", o.out.c_str(), std::strerror(errno));
      ::close(in);
      return 1;
    }
  }
  struct sigaction sa{};
  sa.sa_handler = on_signal;  // no SA_RESTART: a blocked call returns
  for (int s : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(s, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  std::fprintf(stderr, "tunsockctl capture: listening on %s, link-type RAW (Raw IP), snapshot length %d bytes\n",
               r->payload.c_str(), o.snaplen > 0 && o.snaplen < 262144 ? o.snaplen : 262144);
  int werr = 0;
  const long got = copy_stream(in, out, o.count, &werr);
  // The counters before we close: the daemon ends the capture on our close.
  ipc::Request sq = ipc::make_request(ipc::Op::Capture, 0, uint64_t(r->hdr.value));
  sq.a = ipc::kCaptureStats;
  auto st = ctx.client.call(sq);
  ::close(in);
  if (out != 1 && ::close(out) != 0 && !werr) werr = errno;
  std::fprintf(stderr, "%ld packet%s captured\n", got, got == 1 ? "" : "s");
  unsigned long long received = 0, dropped = 0;
  if (st && !st->hdr.error && std::sscanf(st->payload.c_str(), "%llu %llu", &received, &dropped) == 2) {
    std::fprintf(stderr, "%llu packet%s received by filter\n", received, received == 1 ? "" : "s");
    std::fprintf(stderr, "%llu packet%s dropped by tunsockd\n", dropped, dropped == 1 ? "" : "s");
  } else {
    std::fprintf(stderr, "tunsockctl capture: no counters from tunsockd: %s\n",
                 !st ? ctx.client.error().c_str() : std::strerror(st->hdr.error));
  }
  if (werr == EPIPE) return 0;  // the reader of -w - went away: an ordinary end
  if (werr) {
    std::fprintf(stderr, "tunsockctl capture: writing %s: %s\n", o.out == "-" ? "stdout" : o.out.c_str(),
                 std::strerror(werr));
    return 1;
  }
  return 0;
}

const Command kCapture("capture", "live capture of the stack's packets as pcap (-w FILE|-), BPF filter",
                       run_capture);

}  // namespace
}  // namespace tunsock::ctl
