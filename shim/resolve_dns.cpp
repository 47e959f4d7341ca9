// Lookups on c-ares (resolve_ares.hpp): the hosts file, the search list in
// glibc's order, forward, reverse and raw (res_*) queries (see resolve.hpp).
// glibc counterparts: resolv/res_query.c (the search), nss_dns, nss_files.
#include <arpa/nameser.h>
#include <netdb.h>
#include <netinet/in.h>
#include <strings.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "common.hpp"
#include "resolve_ares.hpp"

namespace tunsock::shim::resolve {
namespace {

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

// The hosts file: every line naming `name`, in file order (glibc merges
// them: host.conf "multi on" for gethostbyname, always for getaddrinfo),
// through ares_getaddrinfo on a files-only channel (ares_gethostbyname_file
// stops at the first line).
struct FileReply {
  const Ares* a = nullptr;
  int status = ARES_ENOTFOUND;
  Hosts* out = nullptr;
  int* pending = nullptr;
};
void on_file(void* arg, int status, int, ares_addrinfo* ai) {
  auto* r = static_cast<FileReply*>(arg);
  r->status = status;
  if (status == ARES_SUCCESS && ai) {
    Hosts& out = *r->out;
    for (const ares_addrinfo_cname* c = ai->cnames; c; c = c->next) {
      if (out.canon.empty() && c->name) out.canon = c->name;
      if (c->alias && out.canon != c->alias &&
          std::find(out.aliases.begin(), out.aliases.end(), c->alias) == out.aliases.end())
        out.aliases.emplace_back(c->alias);
    }
    if (out.canon.empty() && ai->name) out.canon = ai->name;
    for (const ares_addrinfo_node* n = ai->nodes; n; n = n->ai_next) {
      Addr x;
      x.family = n->ai_family;
      if (n->ai_family == AF_INET)
        std::memcpy(x.bytes, &reinterpret_cast<const sockaddr_in*>(n->ai_addr)->sin_addr, 4);
      else
        std::memcpy(x.bytes, &reinterpret_cast<const sockaddr_in6*>(n->ai_addr)->sin6_addr, 16);
      out.addrs.push_back(x);
    }
  }
  if (ai) r->a->freeaddrinfo(ai);
  --*r->pending;
}
bool file_lines(const Ares& a, const char* name, int family, Hosts& out) {
  Channel files(a, true);
  if (!files.get()) return false;
  int pending = 1;
  FileReply r;
  r.a = &a;
  r.out = &out;
  r.pending = &pending;
  ares_addrinfo_hints h{};
  h.ai_family = family;
  h.ai_flags = ARES_AI_CANONNAME | ARES_AI_NOSORT;
  a.getaddrinfo(files.get(), name, nullptr, &h, on_file, &r);
  files.run(&pending);
  return r.status == ARES_SUCCESS && !out.addrs.empty();
}
// c-ares answers "localhost" of one family with the loopback address when
// the file has no line of that family; glibc then asks DNS. The lines of
// every family tell a real line from the made-up one.
bool from_file(const Ares& a, const char* name, int family, Hosts& out) {
  const bool found = file_lines(a, name, family, out);
  if (family == AF_INET) {
    // glibc's nss_files reads a "::1" line as 127.0.0.1 and a
    // "::ffff:a.b.c.d" line as a.b.c.d for an IPv4 lookup (so "localhost"
    // of "127.0.0.1 localhost" and "::1 localhost" has 127.0.0.1 twice);
    // c-ares leaves them out. The lines of every family, in c-ares's order.
    Hosts all;
    if (file_lines(a, name, AF_UNSPEC, all)) {
      static const unsigned char kLoop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
      static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      std::vector<Addr> v4;
      bool converted = false;
      for (const Addr& x : all.addrs) {
        Addr y;
        y.family = AF_INET;
        if (x.family == AF_INET) {
          y = x;
        } else if (!std::memcmp(x.bytes, kLoop, 16)) {
          y.bytes[0] = 127;
          y.bytes[3] = 1;
          converted = true;
        } else if (!std::memcmp(x.bytes, kMapped, 12)) {
          std::memcpy(y.bytes, x.bytes + 12, 4);
          converted = true;
        } else {
          continue;
        }
        v4.push_back(y);
      }
      if (converted) {
        if (!found) {
          out.canon = all.canon;
          out.aliases = all.aliases;
        }
        out.addrs = v4;
        return true;
      }
    }
  }
  if (!found) return false;
  if (family == AF_UNSPEC || strcasecmp(name, "localhost") != 0) return true;
  Hosts all;
  file_lines(a, name, AF_UNSPEC, all);
  for (const Addr& x : all.addrs)
    if (x.family == family) return true;
  out = Hosts{};
  return false;
}

// One round of the search: every type asked for qname at once.
thread_local int t_search_errno = 0;

// A type whose servers all timed out is asked again, up to attempts rounds.
void ask(const Ares& a, Channel& ch, const std::string& qname, int klass, const int* types, int n, Reply* r) {
  for (int round = 0; round < ch.attempts(); ++round) {
    int pending = 0;
    for (int i = 0; i < n; ++i) {
      if (round && r[i].status != ARES_ETIMEOUT) continue;
      r[i] = Reply{};
      r[i].pending = &pending;
      ++pending;
      a.query(ch.get(), qname.c_str(), klass, types[i], on_reply, &r[i]);
    }
    if (!pending) break;
    ch.run(&pending);
  }
  for (int i = 0; i < n; ++i) {
    if (r[i].status == ARES_ESERVFAIL || r[i].status == ARES_EREFUSED || r[i].status == ARES_ECONNREFUSED)
      t_search_errno = ECONNREFUSED;
    else if (r[i].status == ARES_ETIMEOUT)
      t_search_errno = ETIMEDOUT;
  }
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

int last_search_errno() { return t_search_errno; }

Status lookup_name(const char* name, int family, Hosts& out) {
  t_search_errno = 0;
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
  if (from_file(*a, name, family, out)) {
    out.files = true;
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
  Reply r;
  r.status = ARES_ETIMEOUT;
  for (int round = 0; round < ch.attempts() && r.status == ARES_ETIMEOUT; ++round) {
    int pending = 1;
    r = Reply{};
    r.pending = &pending;
    a->query(ch.get(), ptr_name(addr).c_str(), ns_c_in, ns_t_ptr, on_reply, &r);
    ch.run(&pending);
  }
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
    r.status = ARES_ETIMEOUT;
    for (int round = 0; round < ch.attempts() && r.status == ARES_ETIMEOUT; ++round) {
      int pending = 1;
      r = Reply{};
      r.pending = &pending;
      a->send(ch.get(), msg, msglen, on_reply, &r);
      ch.run(&pending);
    }
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

}  // namespace tunsock::shim::resolve
