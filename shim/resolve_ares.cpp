// Lookups through c-ares over the stack's own UDP and TCP (see resolve.hpp).
// glibc counterparts: resolv/res_send.c (the transport), nss_dns, nss_files.
//
// Why c-ares in the shim (not in the daemon): the shim already turns
// socket()/connect()/sendmsg()/recvfrom() into stack sockets, so c-ares
// needs nothing but ares_set_socket_functions pointing at those calls; the
// program's own /etc/resolv.conf, /etc/hosts, RES_OPTIONS and LOCALDOMAIN
// (its mount namespace, its environment) are read in its own process, as
// glibc reads them; and the protocol needs no new operation.
// Why explicit socket functions (not c-ares's own socket() through the
// PLT): a query must never reach the host kernel. The callbacks refuse a
// family the daemon does not serve (EAFNOSUPPORT: c-ares moves to the next
// server) instead of letting the shim make a kernel socket for it.
// Why dlopen of libcares.so.2 at the first lookup (not a link-time
// dependency): a program that never resolves a name must not even map it
// (the shim's rule: no difference without socket or resolver calls).
// RTLD_LOCAL keeps its symbols out of the program's scope; no RTLD_DEEPBIND,
// so its malloc is the program's.
#include <arpa/nameser.h>
#include <ares.h>
#include <dlfcn.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common.hpp"
#include "resolve.hpp"

namespace tunsock::shim::resolve {
namespace {

struct Ares {
  decltype(&::ares_library_init) library_init;
  decltype(&::ares_init) init;
  decltype(&::ares_destroy) destroy;
  decltype(&::ares_set_socket_functions) set_socket_functions;
  decltype(&::ares_getsock) getsock;
  decltype(&::ares_timeout) timeout;
  decltype(&::ares_process_fd) process_fd;
  decltype(&::ares_search) search;
  decltype(&::ares_query) query;
  decltype(&::ares_send) send;
  decltype(&::ares_gethostbyname_file) gethostbyname_file;
  decltype(&::ares_gethostbyaddr) gethostbyaddr;
  decltype(&::ares_parse_a_reply) parse_a_reply;
  decltype(&::ares_parse_aaaa_reply) parse_aaaa_reply;
  decltype(&::ares_parse_ptr_reply) parse_ptr_reply;
  decltype(&::ares_init_options) init_options;
  decltype(&::ares_save_options) save_options;
  decltype(&::ares_destroy_options) destroy_options;
  decltype(&::ares_expand_name) expand_name;
  decltype(&::ares_free_string) free_string;
  decltype(&::ares_free_hostent) free_hostent;
  decltype(&::ares_strerror) strerror;
};

Ares g_ares;
bool g_ares_ok = false;
std::once_flag g_ares_once;

template <class F>
bool sym(void* h, F& slot, const char* name) {
  slot = reinterpret_cast<F>(::dlsym(h, name));
  return slot != nullptr;
}

void load_ares() {
  void* h = ::dlopen("libcares.so.2", RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    trace("resolver: cannot load libcares.so.2 (%s): lookups fail (install libc-ares2)", ::dlerror());
    return;
  }
  Ares& a = g_ares;
  bool ok = sym(h, a.library_init, "ares_library_init") && sym(h, a.init, "ares_init") &&
            sym(h, a.destroy, "ares_destroy") && sym(h, a.set_socket_functions, "ares_set_socket_functions") &&
            sym(h, a.getsock, "ares_getsock") && sym(h, a.timeout, "ares_timeout") &&
            sym(h, a.process_fd, "ares_process_fd") && sym(h, a.search, "ares_search") &&
            sym(h, a.query, "ares_query") && sym(h, a.send, "ares_send") &&
            sym(h, a.gethostbyname_file, "ares_gethostbyname_file") &&
            sym(h, a.gethostbyaddr, "ares_gethostbyaddr") && sym(h, a.parse_a_reply, "ares_parse_a_reply") &&
            sym(h, a.parse_aaaa_reply, "ares_parse_aaaa_reply") && sym(h, a.free_hostent, "ares_free_hostent") &&
            sym(h, a.strerror, "ares_strerror") && sym(h, a.parse_ptr_reply, "ares_parse_ptr_reply") &&
            sym(h, a.init_options, "ares_init_options") && sym(h, a.save_options, "ares_save_options") &&
            sym(h, a.destroy_options, "ares_destroy_options") && sym(h, a.expand_name, "ares_expand_name") &&
            sym(h, a.free_string, "ares_free_string");
  if (!ok || a.library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
    trace("resolver: libcares.so.2 lacks a function the shim needs: lookups fail");
    return;
  }
  trace("resolver: c-ares loaded: lookups go through the stack");
  g_ares_ok = true;
}

const Ares* ares() {
  std::call_once(g_ares_once, load_ares);
  return g_ares_ok ? &g_ares : nullptr;
}

// c-ares's sockets: the shim's socket path, and nothing else.
ares_socket_t sock_socket(int family, int type, int protocol, void*) {
  if (!domain_routed(family)) {
    trace("resolver: no %s name server through the stack (the daemon does not serve the family)",
          family == AF_INET6 ? "IPv6" : "IPv4");
    errno = EAFNOSUPPORT;
    return ARES_SOCKET_BAD;
  }
  int fd = ::socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
  if (fd < 0) return ARES_SOCKET_BAD;
  if (!fdtable::ours(fd)) {  // the shim handed it to the kernel (a protocol the stack lacks)
    real().close(fd);
    errno = EAFNOSUPPORT;
    return ARES_SOCKET_BAD;
  }
  return fd;
}
int sock_close(ares_socket_t fd, void*) { return ::close(fd); }
int sock_connect(ares_socket_t fd, const sockaddr* sa, ares_socklen_t len, void*) { return ::connect(fd, sa, len); }
ares_ssize_t sock_recvfrom(ares_socket_t fd, void* buf, size_t len, int flags, sockaddr* from, ares_socklen_t* fromlen,
                           void*) {
  return ::recvfrom(fd, buf, len, flags, from, fromlen);
}
ares_ssize_t sock_sendv(ares_socket_t fd, const iovec* iov, int n, void*) {
  msghdr m{};
  m.msg_iov = const_cast<iovec*>(iov);
  m.msg_iovlen = size_t(n);
  return ::sendmsg(fd, &m, MSG_NOSIGNAL);
}
const ares_socket_functions kSockFuncs = {sock_socket, sock_close, sock_connect, sock_recvfrom, sock_sendv};

// glibc's timeout and attempts (resolv.conf "options timeout:N attempts:N",
// then RES_OPTIONS; defaults 5 s and 2, at most 30 s and 5: resolv.h's
// RES_TIMEOUT, RES_DFLRETRY, RES_MAXRETRANS, RES_MAXRETRY). c-ares 1.18
// reads search, ndots and rotate from resolv.conf itself, not these two
// (its own defaults are 5 s and 4 tries).
struct Retrans {
  int timeout_s = 5;
  int attempts = 2;
};
void parse_options(const char* p, Retrans& r) {
  while (*p) {
    while (*p == ' ' || *p == '\t') ++p;
    if (!std::strncmp(p, "timeout:", 8)) r.timeout_s = std::clamp(std::atoi(p + 8), 1, 30);
    if (!std::strncmp(p, "attempts:", 9)) r.attempts = std::clamp(std::atoi(p + 9), 1, 5);
    while (*p && *p != ' ' && *p != '\t') ++p;
  }
}
Retrans retrans() {
  Retrans r;
  if (FILE* f = std::fopen("/etc/resolv.conf", "re")) {
    char line[512];
    while (std::fgets(line, sizeof line, f)) {
      line[std::strcspn(line, "\n")] = '\0';
      if (!std::strncmp(line, "options", 7) && (line[7] == ' ' || line[7] == '\t')) parse_options(line + 7, r);
    }
    std::fclose(f);
  }
  if (const char* env = std::getenv("RES_OPTIONS")) parse_options(env, r);
  return r;
}

// One channel per lookup: resolv.conf read afresh (glibc rereads it when it
// changes), no state shared between threads or across fork.
class Channel {
 public:
  // files_only: lookups "f" (the hosts file, never a query).
  explicit Channel(const Ares& a, bool files_only = false) : a_(a) {
    ares_options o{};
    o.lookups = const_cast<char*>("f");
    int mask = ARES_OPT_LOOKUPS;
    if (!files_only) {
      const Retrans r = retrans();
      o.timeout = r.timeout_s * 1000;
      o.tries = r.attempts;
      mask = ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES;
    }
    if (a_.init_options(&ch_, &o, mask) != ARES_SUCCESS) {
      ch_ = nullptr;
      return;
    }
    a_.set_socket_functions(ch_, &kSockFuncs, nullptr);
  }
  ~Channel() {
    if (ch_) a_.destroy(ch_);
  }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ares_channel get() const { return ch_; }
  // Drive c-ares until *pending reaches 0. Bounded: c-ares ends every query
  // by its own timeouts (timeout x attempts x servers); the guard only
  // stops a runaway loop.
  void run(const int* pending);

 private:
  const Ares& a_;
  ares_channel ch_ = nullptr;
};

void Channel::run(const int* pending) {
  for (int guard = 0; *pending > 0 && guard < 100000; ++guard) {
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    const int bits = a_.getsock(ch_, socks, ARES_GETSOCK_MAXNUM);
    pollfd p[ARES_GETSOCK_MAXNUM];
    int n = 0;
    for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
      short ev = 0;
      if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
      if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
      if (!ev) continue;
      p[n++] = pollfd{socks[i], ev, 0};
    }
    timeval tv{}, max{5, 0};
    timeval* t = a_.timeout(ch_, &max, &tv);
    int ms = int(t->tv_sec * 1000 + (t->tv_usec + 999) / 1000);
    int r = ::poll(p, nfds_t(n), ms);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      a_.process_fd(ch_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
      continue;
    }
    for (int i = 0; i < n; ++i) {
      if (!p[i].revents) continue;
      const bool rd = p[i].revents & (POLLIN | POLLHUP | POLLERR);
      const bool wr = p[i].revents & (POLLOUT | POLLHUP | POLLERR);
      a_.process_fd(ch_, rd ? p[i].fd : ARES_SOCKET_BAD, wr ? p[i].fd : ARES_SOCKET_BAD);
    }
  }
}

Status status_of(int ares_status) {
  switch (ares_status) {
    case ARES_SUCCESS: return kOk;
    case ARES_ENOTFOUND: return kNotFound;
    case ARES_ENODATA: return kNoData;
    case ARES_ETIMEOUT:
    case ARES_ECONNREFUSED:
    case ARES_ESERVFAIL:
    case ARES_EREFUSED: return kTryAgain;
    case ARES_ENOMEM:
      errno = ENOMEM;
      return kSystem;
    default: return kNoRecovery;
  }
}

// One query's outcome: status and the answer's bytes.
struct Reply {
  int status = ARES_ENODATA;
  std::vector<unsigned char> abuf;
  int* pending = nullptr;
};

void on_reply(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* r = static_cast<Reply*>(arg);
  r->status = status;
  if (abuf && alen > 0) r->abuf.assign(abuf, abuf + alen);
  --*r->pending;
}

void take_hostent(const hostent* h, Hosts& out, bool with_addrs) {
  if (!h) return;
  if (out.canon.empty() && h->h_name) out.canon = h->h_name;
  for (char** a = h->h_aliases; a && *a; ++a) out.aliases.emplace_back(*a);
  if (!with_addrs) return;
  for (char** p = h->h_addr_list; p && *p; ++p) {
    Addr a;
    a.family = h->h_addrtype;
    std::memcpy(a.bytes, *p, h->h_addrtype == AF_INET ? 4 : 16);
    out.addrs.push_back(a);
  }
}

// The hosts file for one family.
bool from_file(const Ares& a, Channel& ch, const char* name, int family, Hosts& out) {
  hostent* h = nullptr;
  if (a.gethostbyname_file(ch.get(), name, family, &h) != ARES_SUCCESS || !h) return false;
  take_hostent(h, out, true);
  a.free_hostent(h);
  return true;
}

// One round of the search: every type asked for qname at once.
void ask(const Ares& a, Channel& ch, const std::string& qname, int klass, const int* types, int n, Reply* r) {
  int pending = 0;
  for (int i = 0; i < n; ++i) {
    r[i] = Reply{};
    r[i].pending = &pending;
    ++pending;
    a.query(ch.get(), qname.c_str(), klass, types[i], on_reply, &r[i]);
  }
  ch.run(&pending);
}

// A round's h_errno, the pair read as glibc's __res_context_query reads it:
// data for either type answers; a name with no data of one type exists.
struct Round {
  bool ok = false;
  int herr = HOST_NOT_FOUND;
  bool servfail = false;      // keep searching (the next domain may answer)
  bool unreachable = false;   // no server could be reached: give up
};
Round judge(const Reply* r, int n) {
  Round out;
  bool nodata = false, notfound = true;
  int other = 0;
  for (int i = 0; i < n; ++i) {
    switch (r[i].status) {
      case ARES_SUCCESS: out.ok = true; break;
      case ARES_ENODATA: nodata = true; notfound = false; break;
      case ARES_ENOTFOUND: break;
      case ARES_ESERVFAIL: out.servfail = true; notfound = false; break;
      case ARES_ECONNREFUSED: out.unreachable = true; notfound = false; break;
      default: notfound = false; if (!other) other = r[i].status; break;
    }
  }
  if (out.ok) return out;
  if (nodata) out.herr = NO_DATA;
  else if (notfound) out.herr = HOST_NOT_FOUND;
  else if (out.servfail || out.unreachable) out.herr = TRY_AGAIN;
  else out.herr = other == ARES_ETIMEOUT || other == ARES_EREFUSED ? TRY_AGAIN : NO_RECOVERY;
  if (out.herr != TRY_AGAIN) out.servfail = out.unreachable = false;
  return out;
}

// The search list in glibc's order (resolv/res_query.c, the BIND
// algorithm): the name as is first when it has ndots dots or a trailing
// dot, else the search domains first and the name as is last; NO_DATA
// from any candidate wins over a later failure; SERVFAIL moves on to the
// next domain, another failure ends the search. c-ares's own ares_search
// stops at the first failure of any kind (a REFUSED "as is" query ends it
// before the search domains), so the shim walks the list itself with
// ares_query, taking ndots and the domains from c-ares's reading of
// resolv.conf, LOCALDOMAIN and RES_OPTIONS.
// Returns the h_errno (0 when answered); r holds the last round.
int search(const Ares& a, Channel& ch, const char* name, int klass, const int* types, int n, Reply* r,
           bool search_domains = true) {
  ares_options o{};
  int mask = 0;
  int ndots = 1;
  std::vector<std::string> domains;
  if (a.save_options(ch.get(), &o, &mask) == ARES_SUCCESS) {
    ndots = o.ndots;
    for (int i = 0; i < o.ndomains; ++i) domains.emplace_back(o.domains[i]);
    a.destroy_options(&o);
  }
  std::string base(name);
  const bool trailing = !base.empty() && base.back() == '.';
  if (trailing) base.pop_back();
  const int dots = int(std::count(base.begin(), base.end(), '.'));
  int saved = -1;
  bool tried = false, nodata = false, servfail = false;
  if (!search_domains || dots >= ndots || trailing) {
    ask(a, ch, base, klass, types, n, r);
    Round j = judge(r, n);
    if (j.ok) return 0;
    if (trailing || !search_domains) return j.herr;
    saved = j.herr;
    tried = true;
  }
  for (const std::string& d : domains) {
    ask(a, ch, base + "." + d, klass, types, n, r);
    Round j = judge(r, n);
    if (j.ok) return 0;
    if (j.unreachable) return TRY_AGAIN;
    if (j.herr == NO_DATA) nodata = true;
    if (j.herr == NO_DATA || j.herr == HOST_NOT_FOUND) continue;
    if (j.servfail) {
      servfail = true;
      continue;
    }
    break;
  }
  if (!tried) {
    ask(a, ch, base, klass, types, n, r);
    Round j = judge(r, n);
    if (j.ok) return 0;
    if (domains.empty()) return j.herr;
  }
  if (saved != -1) return saved;
  if (nodata) return NO_DATA;
  if (servfail) return TRY_AGAIN;
  return judge(r, n).herr;
}

Status status_of_herr(int herr) {
  switch (herr) {
    case 0: return kOk;
    case HOST_NOT_FOUND: return kNotFound;
    case NO_DATA: return kNoData;
    case TRY_AGAIN: return kTryAgain;
    default: return kNoRecovery;
  }
}

uint16_t be16(const unsigned char* p) { return uint16_t(p[0] << 8 | p[1]); }

// The owner of the first record of `type` in the answer section: the
// canonical name once CNAMEs are followed (glibc's h_name). Empty if none.
std::string owner_of(const Ares& a, const std::vector<unsigned char>& m, int type) {
  if (m.size() < 12) return {};
  const unsigned char* p = m.data() + 12;
  const unsigned char* end = m.data() + m.size();
  const int qd = be16(m.data() + 4), an = be16(m.data() + 6);
  for (int i = 0; i < qd + an; ++i) {
    char* s = nullptr;
    long len = 0;
    if (p >= end || a.expand_name(p, m.data(), int(m.size()), &s, &len) != ARES_SUCCESS) return {};
    std::string owner(s);
    a.free_string(s);
    p += len;
    if (i < qd) {
      p += 4;
      continue;
    }
    if (end - p < 10) return {};
    const int t = be16(p), rdlen = be16(p + 8);
    if (t == type) return owner;
    p += 10 + rdlen;
  }
  return {};
}

}  // namespace

bool Addr::operator==(const Addr& o) const {
  return family == o.family && std::memcmp(bytes, o.bytes, family == AF_INET ? 4 : 16) == 0;
}

bool use_host() {
  static const bool host = [] {
    const char* v = std::getenv("TUNSOCK_RESOLVER");
    return v && !std::strcmp(v, "host");
  }();
  if (host) return true;
  if (domain_routed(AF_INET)) return false;
  static bool said = false;
  if (!said) {
    said = true;
    trace("resolver: the daemon does not serve inet (or TUNSOCK_DOMAINS keeps it on the kernel): glibc's own "
          "resolver answers, over the kernel's network");
  }
  return true;
}

Status lookup_name(const char* name, int family, Hosts& out) {
  const Ares* a = ares();
  if (!a) {
    errno = ELIBACC;
    return kSystem;
  }
  Channel ch(*a);
  if (!ch.get()) {
    errno = ENOMEM;
    return kSystem;
  }
  bool in_file = false;
  if (family != AF_INET6) in_file |= from_file(*a, ch, name, AF_INET, out);
  if (family != AF_INET) in_file |= from_file(*a, ch, name, AF_INET6, out);
  if (in_file) {
    trace("resolver: %s: from the hosts file (%zu addresses)", name, out.addrs.size());
    return kOk;
  }
  int types[2], n = 0;
  if (family != AF_INET6) types[n++] = ns_t_a;
  if (family != AF_INET) types[n++] = ns_t_aaaa;
  Reply r[2];
  const int herr = search(*a, ch, name, ns_c_in, types, n, r);
  Status s = status_of_herr(herr);
  if (s == kOk) {
    for (int i = 0; i < n; ++i) {
      if (r[i].status != ARES_SUCCESS) continue;
      hostent* h = nullptr;
      int e = types[i] == ns_t_aaaa ? a->parse_aaaa_reply(r[i].abuf.data(), int(r[i].abuf.size()), &h, nullptr, nullptr)
                                   : a->parse_a_reply(r[i].abuf.data(), int(r[i].abuf.size()), &h, nullptr, nullptr);
      if (e != ARES_SUCCESS || !h) continue;
      take_hostent(h, out, true);
      a->free_hostent(h);
      if (std::string c = owner_of(*a, r[i].abuf, types[i]); !c.empty()) {
        if (out.canon != c) out.aliases.erase(std::remove(out.aliases.begin(), out.aliases.end(), c), out.aliases.end());
        out.canon = c;
      }
    }
    // An answer with CNAMEs but no address of the type: glibc's nss_dns
    // says NO_RECOVERY (getaddrinfo: EAI_NONAME).
    if (out.addrs.empty()) s = kNoRecovery;
  }
  trace("resolver: %s: DNS through the stack: h_errno %d (%zu addresses)", name, herr, out.addrs.size());
  return s;
}

namespace {
struct AddrReply {
  int status = ARES_ENOTFOUND;
  Hosts* out = nullptr;
  int* pending = nullptr;
};
void on_host(void* arg, int status, int, hostent* h) {
  auto* r = static_cast<AddrReply*>(arg);
  r->status = status;
  if (status == ARES_SUCCESS) take_hostent(h, *r->out, false);
  --*r->pending;
}

// The PTR name of an address (RFC 1035 section 3.5, RFC 3596 section 2.5).
std::string ptr_name(const Addr& a) {
  static const char kHex[] = "0123456789abcdef";
  std::string n;
  if (a.family == AF_INET) {
    for (int i = 3; i >= 0; --i) n += std::to_string(a.bytes[i]) + ".";
    return n + "in-addr.arpa";
  }
  for (int i = 15; i >= 0; --i) {
    n += kHex[a.bytes[i] & 0xf];
    n += '.';
    n += kHex[a.bytes[i] >> 4];
    n += '.';
  }
  return n + "ip6.arpa";
}
}  // namespace

// The hosts file on a channel of its own (c-ares's gethostbyaddr would go
// on to DNS and report only "not found" when the server failed), then one
// PTR query, whose failure keeps its cause (a timeout is EAI_AGAIN).
Status lookup_addr(const Addr& asked, Hosts& out) {
  Addr addr = asked;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (addr.family == AF_INET6 && !std::memcmp(addr.bytes, kMapped, 12)) {
    // A v4-mapped address is looked up as its IPv4 address (glibc's nss_dns).
    addr.family = AF_INET;
    std::memmove(addr.bytes, addr.bytes + 12, 4);
  }
  const Ares* a = ares();
  if (!a) {
    errno = ELIBACC;
    return kSystem;
  }
  {
    Channel files(*a, true);
    if (!files.get()) {
      errno = ENOMEM;
      return kSystem;
    }
    int pending = 1;
    AddrReply r;
    r.out = &out;
    r.pending = &pending;
    a->gethostbyaddr(files.get(), addr.bytes, addr.family == AF_INET ? 4 : 16, addr.family, on_host, &r);
    files.run(&pending);
    if (r.status == ARES_SUCCESS) {
      trace("resolver: reverse lookup: from the hosts file");
      return kOk;
    }
  }
  Channel ch(*a);
  if (!ch.get()) {
    errno = ENOMEM;
    return kSystem;
  }
  int pending = 1;
  Reply r;
  r.pending = &pending;
  a->query(ch.get(), ptr_name(addr).c_str(), ns_c_in, ns_t_ptr, on_reply, &r);
  ch.run(&pending);
  trace("resolver: reverse lookup through the stack: %s", a->strerror(r.status));
  if (r.status != ARES_SUCCESS) return status_of(r.status);
  hostent* h = nullptr;
  int e = a->parse_ptr_reply(r.abuf.data(), int(r.abuf.size()), addr.bytes, addr.family == AF_INET ? 4 : 16,
                             addr.family, &h);
  if (e != ARES_SUCCESS || !h) return status_of(e);
  take_hostent(h, out, false);
  a->free_hostent(h);
  // c-ares lists the PTR target among the aliases too; glibc does not.
  out.aliases.erase(std::remove(out.aliases.begin(), out.aliases.end(), out.canon), out.aliases.end());
  return kOk;
}

int raw_query(Query kind, const char* name, int klass, int type, const unsigned char* msg, int msglen,
              unsigned char* ans, int anslen, int* herr) {
  const Ares* a = ares();
  if (!a) {
    *herr = NETDB_INTERNAL;
    errno = ELIBACC;
    return -1;
  }
  Channel ch(*a);
  if (!ch.get()) {
    *herr = NETDB_INTERNAL;
    errno = ENOMEM;
    return -1;
  }
  Reply r;
  int h = 0;
  if (kind == Query::kSend) {
    int pending = 1;
    r.pending = &pending;
    a->send(ch.get(), msg, msglen, on_reply, &r);
    ch.run(&pending);
  } else {
    h = search(*a, ch, name, klass, &type, 1, &r, kind == Query::kSearch);
  }
  trace("resolver: res_%s through the stack: %s",
        kind == Query::kSend ? "send" : kind == Query::kSearch ? "search" : "query", a->strerror(r.status));
  if (!r.abuf.empty() && ans && anslen > 0)
    std::memcpy(ans, r.abuf.data(), std::min<size_t>(r.abuf.size(), size_t(anslen)));
  if (kind == Query::kSend) {
    // res_send hands back whatever answered, whatever its rcode.
    if (!r.abuf.empty()) return int(r.abuf.size());
    h = status_of(r.status) == kTryAgain ? TRY_AGAIN : NO_RECOVERY;
  }
  if (h == 0) return int(r.abuf.size());
  *herr = h;
  return -1;
}

bool source_for(const Addr& dst, Addr* src) {
  if (!domain_routed(dst.family)) return false;
  int fd = ::socket(dst.family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  bool ok = false;
  if (fdtable::ours(fd)) {
    sockaddr_storage ss{};
    socklen_t len;
    if (dst.family == AF_INET) {
      auto* s = reinterpret_cast<sockaddr_in*>(&ss);
      s->sin_family = AF_INET;
      s->sin_port = htons(53);
      std::memcpy(&s->sin_addr, dst.bytes, 4);
      len = sizeof *s;
    } else {
      auto* s = reinterpret_cast<sockaddr_in6*>(&ss);
      s->sin6_family = AF_INET6;
      s->sin6_port = htons(53);
      std::memcpy(&s->sin6_addr, dst.bytes, 16);
      len = sizeof *s;
    }
    if (::connect(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0) {
      len = sizeof ss;
      if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) == 0) {
        src->family = ss.ss_family;
        if (ss.ss_family == AF_INET)
          std::memcpy(src->bytes, &reinterpret_cast<sockaddr_in*>(&ss)->sin_addr, 4);
        else
          std::memcpy(src->bytes, &reinterpret_cast<sockaddr_in6*>(&ss)->sin6_addr, 16);
        ok = true;
      }
    }
  }
  ::close(fd);
  return ok;
}

// DEVIATION: glibc asks the kernel (netlink) whether a non-loopback address
// of the family exists; the protocol has no such question yet, so a family
// counts as configured when the daemon serves it (it always holds an
// address of each family it serves).
bool family_configured(int family) { return domain_routed(family); }

}  // namespace tunsock::shim::resolve
