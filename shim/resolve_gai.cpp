// getaddrinfo, freeaddrinfo and getnameinfo answered through the stack
// (resolve.hpp), with glibc's semantics: flags, hints, EAI_* errors,
// socket type expansion and RFC 6724 ordering (posix/getaddrinfo.c,
// inet/getnameinfo.c). Numeric names and hosts-file names make no query.
#include <arpa/inet.h>
#include <dlfcn.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "common.hpp"
#include "resolve.hpp"

namespace tunsock::shim::resolve {
namespace {

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

using GetaddrinfoFn = int (*)(const char*, const char*, const addrinfo*, addrinfo**);
using GetnameinfoFn = int (*)(const sockaddr*, socklen_t, char*, socklen_t, char*, socklen_t, int);

GetaddrinfoFn real_getaddrinfo() {
  static GetaddrinfoFn f = next<GetaddrinfoFn>("getaddrinfo");
  return f;
}
GetnameinfoFn real_getnameinfo() {
  static GetnameinfoFn f = next<GetnameinfoFn>("getnameinfo");
  return f;
}

// One (socktype, protocol, port) the result repeats per address, in
// glibc's order (gaih_inet_typeproto): TCP, UDP, then raw without a service.
struct Proto {
  int socktype;
  int protocol;
  uint16_t port;  // network order
};

struct TypeProto {
  int socktype;
  int protocol;
  const char* name;
  bool noservice;  // never with a service (raw)
  bool protoany;   // taken with any protocol the hints ask for
  bool explicit_only;  // only when the hints name it (UDP-Lite)
};
constexpr TypeProto kTypeProto[] = {
    {SOCK_STREAM, IPPROTO_TCP, "tcp", false, false, false},
    {SOCK_DGRAM, IPPROTO_UDP, "udp", false, false, false},
    {SOCK_DGRAM, IPPROTO_UDPLITE, "udplite", false, false, true},
    {SOCK_RAW, 0, "raw", true, true, false},
};

bool numeric_port(const char* s, uint16_t* port) {
  char* end = nullptr;
  errno = 0;
  unsigned long v = std::strtoul(s, &end, 10);
  if (!*s || *end || errno || v > 65535) return false;
  *port = htons(uint16_t(v));
  return true;
}

// The socket types and ports of the result, or an EAI_* error.
int expand_service(const char* service, const addrinfo& h, std::vector<Proto>& out) {
  bool known_type = h.ai_socktype == 0;
  for (const auto& tp : kTypeProto) known_type |= tp.socktype == h.ai_socktype;
  if (!known_type) return EAI_SOCKTYPE;
  if (h.ai_protocol) {
    bool ok = false;
    for (const auto& tp : kTypeProto)
      ok |= (h.ai_socktype == 0 || tp.socktype == h.ai_socktype) && (tp.protoany || tp.protocol == h.ai_protocol);
    if (!ok) return EAI_SOCKTYPE;
  }
  uint16_t port = 0;
  const bool numeric = !service || numeric_port(service, &port);
  if (service && !numeric && (h.ai_flags & AI_NUMERICSERV)) return EAI_NONAME;
  for (const auto& tp : kTypeProto) {
    if (h.ai_socktype && tp.socktype != h.ai_socktype) continue;
    if (h.ai_protocol && !tp.protoany && tp.protocol != h.ai_protocol) continue;
    if (tp.explicit_only && h.ai_protocol != tp.protocol) continue;
    if (!numeric && tp.noservice) {  // a named service has no raw socket; a port number does
      if (h.ai_socktype == tp.socktype) return EAI_SERVICE;
      continue;
    }
    uint16_t p = port;
    if (!numeric) {
      servent se{}, *sp = nullptr;
      char buf[1024];
      if (::getservbyname_r(service, tp.name, &se, buf, sizeof buf, &sp) != 0 || !sp) continue;
      p = uint16_t(sp->s_port);
    }
    out.push_back(Proto{tp.socktype, h.ai_protocol ? h.ai_protocol : tp.protocol, p});
  }
  return out.empty() ? EAI_SERVICE : 0;
}

Addr mapped(const Addr& v4) {
  Addr a;
  a.family = AF_INET6;
  a.bytes[10] = a.bytes[11] = 0xff;
  std::memcpy(a.bytes + 12, v4.bytes, 4);
  return a;
}

// A numeric host: true with *err 0 (and *a set) or EAI_ADDRFAMILY; false
// when the name is not numeric.
bool parse_numeric(const char* name, const addrinfo& h, Addr* a, uint32_t* scope, int* err) {
  *err = 0;
  in_addr v4;
  if (!std::strpbrk(name, " \t\n") && ::inet_aton(name, &v4)) {
    Addr x;
    x.family = AF_INET;
    std::memcpy(x.bytes, &v4, 4);
    if (h.ai_family == AF_UNSPEC || h.ai_family == AF_INET) {
      *a = x;
      return true;
    }
    if (h.ai_flags & AI_V4MAPPED) {
      *a = mapped(x);
      return true;
    }
    *err = EAI_ADDRFAMILY;
    return true;
  }
  char buf[INET6_ADDRSTRLEN + IF_NAMESIZE + 2];
  if (std::strlen(name) >= sizeof buf) return false;
  std::strcpy(buf, name);
  char* pct = std::strchr(buf, '%');
  if (pct) *pct = '\0';
  in6_addr v6;
  if (::inet_pton(AF_INET6, buf, &v6) != 1) return false;
  if (pct) {
    char* end = nullptr;
    unsigned long id = std::strtoul(pct + 1, &end, 10);
    if (*end || !pct[1]) id = ::if_nametoindex(pct + 1);
    if (!id) return false;  // glibc: an unknown scope is no numeric address
    *scope = uint32_t(id);
  }
  if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET6) {
    *err = EAI_ADDRFAMILY;
    return true;
  }
  a->family = AF_INET6;
  std::memcpy(a->bytes, &v6, 16);
  return true;
}

int eai_of(Status s) {
  switch (s) {
    case kOk: return 0;
    case kNotFound: return EAI_NONAME;
    case kNoData: return EAI_NODATA;
    case kTryAgain: return EAI_AGAIN;
    case kSystem: return EAI_SYSTEM;
    // glibc's getaddrinfo reads every other failure (NO_RECOVERY: a CNAME
    // with no address of the type, FORMERR) as "no such name".
    default: return EAI_NONAME;
  }
}

// RFC 6724 section 6 as glibc applies it (rfc3484_sort), the rules that need
// no interface table: 1 (usable destination), 2 (matching scope), 5
// (matching label), 6 (precedence), 8 (smaller scope), 9 for IPv6 (longest
// common prefix with the source), 10 (stable).
// DEVIATION: rule 9 for IPv4 is left out: glibc applies it only inside the
// source's subnet, whose prefix length comes from the interface table the
// protocol cannot fetch yet; rules 3, 4 and 7 never apply on the stack (no
// deprecated, home or tunnel addresses).
struct Ranked {
  Addr dst;
  bool usable = false;
  Addr src;
  size_t index = 0;
};

Addr as_v6(const Addr& a) { return a.family == AF_INET ? mapped(a) : a; }

int scope_of(const Addr& in) {
  const Addr a = as_v6(in);
  const unsigned char* b = a.bytes;
  if (in.family == AF_INET) {
    if (b[12] == 127 || (b[12] == 169 && b[13] == 254)) return 2;
    return 14;
  }
  if (b[0] == 0xff) return b[1] & 0x0f;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return 2;
  if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return 5;
  static const unsigned char kLoop[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  if (!std::memcmp(b, kLoop, 16)) return 2;
  return 14;
}

bool prefix(const unsigned char* b, const unsigned char* p, int bits) {
  int bytes = bits / 8;
  if (std::memcmp(b, p, size_t(bytes))) return false;
  if (bits % 8) return ((b[bytes] ^ p[bytes]) & (0xff << (8 - bits % 8))) == 0;
  return true;
}

// glibc's default label and precedence tables (gai.conf unset).
struct PrefixEntry {
  unsigned char p[16];
  int bits;
  int val;
};
const PrefixEntry kLabels[] = {
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, 0},
    {{0x20, 0x02}, 16, 2},
    {{}, 96, 3},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, 4},
    {{0xfe, 0xc0}, 10, 5},
    {{0xfc}, 7, 6},
    {{0x20, 0x01, 0, 0}, 32, 7},
    {{}, 0, 1},
};
const PrefixEntry kPrecedence[] = {
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 128, 50},
    {{0x20, 0x02}, 16, 30},
    {{}, 96, 20},
    {{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff}, 96, 10},
    {{}, 0, 40},
};
template <size_t N>
int table(const PrefixEntry (&t)[N], const Addr& in) {
  const Addr a = as_v6(in);
  for (const auto& e : t)
    if (prefix(a.bytes, e.p, e.bits)) return e.val;
  return 0;
}

// Leading bits two IPv6 addresses share (RFC 6724 rule 9's CommonPrefixLen).
int common_bits(const Addr& x, const Addr& y) {
  for (int i = 0; i < 16; ++i) {
    const int d = x.bytes[i] ^ y.bytes[i];
    if (d) return i * 8 + __builtin_clz(unsigned(d)) - 24;
  }
  return 128;
}

bool before(const Ranked& a, const Ranked& b) {
  if (a.usable != b.usable) return a.usable;  // rule 1
  if (a.usable) {
    const bool ma = scope_of(a.dst) == scope_of(a.src), mb = scope_of(b.dst) == scope_of(b.src);
    if (ma != mb) return ma;  // rule 2
    const bool la = table(kLabels, a.dst) == table(kLabels, a.src), lb = table(kLabels, b.dst) == table(kLabels, b.src);
    if (la != lb) return la;  // rule 5
  }
  const int pa = table(kPrecedence, a.dst), pb = table(kPrecedence, b.dst);
  if (pa != pb) return pa > pb;  // rule 6
  const int sa = scope_of(a.dst), sb = scope_of(b.dst);
  if (sa != sb) return sa < sb;  // rule 8
  if (a.usable && b.usable && a.dst.family == AF_INET6 && b.dst.family == AF_INET6) {
    const int ma = common_bits(a.dst, a.src), mb = common_bits(b.dst, b.src);
    if (ma != mb) return ma > mb;  // rule 9 (IPv6)
  }
  return a.index < b.index;  // rule 10
}

void sort_addrs(std::vector<Addr>& addrs) {
  if (addrs.size() < 2) return;
  std::vector<Ranked> r(addrs.size());
  for (size_t i = 0; i < addrs.size(); ++i) {
    r[i].dst = addrs[i];
    r[i].index = i;
    // An address equal to the one before shares its answer (as glibc).
    if (i && addrs[i] == addrs[i - 1]) {
      r[i].usable = r[i - 1].usable;
      r[i].src = r[i - 1].src;
      continue;
    }
    Addr d = addrs[i];
    static const unsigned char kMapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (d.family == AF_INET6 && prefix(d.bytes, kMapped, 96)) {  // mapped: ask as IPv4
      d.family = AF_INET;
      std::memmove(d.bytes, d.bytes + 12, 4);
    }
    r[i].usable = source_for(d, &r[i].src);
  }
  std::stable_sort(r.begin(), r.end(), before);
  for (size_t i = 0; i < r.size(); ++i) addrs[i] = r[i].dst;
}

// One result node as glibc allocates it (addrinfo and its sockaddr in one
// block, the canonical name apart), so that either freeaddrinfo frees it.
addrinfo* make_node(const Addr& a, const Proto& p, uint32_t scope) {
  const socklen_t len = a.family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
  auto* ai = static_cast<addrinfo*>(std::calloc(1, sizeof(addrinfo) + len));
  if (!ai) return nullptr;
  ai->ai_family = a.family;
  ai->ai_socktype = p.socktype;
  ai->ai_protocol = p.protocol;
  ai->ai_addrlen = len;
  ai->ai_addr = reinterpret_cast<sockaddr*>(ai + 1);
  if (a.family == AF_INET) {
    auto* s = reinterpret_cast<sockaddr_in*>(ai->ai_addr);
    s->sin_family = AF_INET;
    s->sin_port = p.port;
    std::memcpy(&s->sin_addr, a.bytes, 4);
  } else {
    auto* s = reinterpret_cast<sockaddr_in6*>(ai->ai_addr);
    s->sin6_family = AF_INET6;
    s->sin6_port = p.port;
    std::memcpy(&s->sin6_addr, a.bytes, 16);
    s->sin6_scope_id = scope;
  }
  return ai;
}

void free_list(addrinfo* ai) {
  while (ai) {
    addrinfo* next = ai->ai_next;
    std::free(ai->ai_canonname);
    std::free(ai);
    ai = next;
  }
}

// The addresses for a name: numeric, passive/loopback, hosts file or DNS.
int host_addrs(const char* node, const addrinfo& h, std::vector<Addr>& addrs, std::string& canon, uint32_t* scope) {
  if (!node) {
    Addr v6, v4;
    v6.family = AF_INET6;
    v4.family = AF_INET;
    if (!(h.ai_flags & AI_PASSIVE)) {
      v6.bytes[15] = 1;
      v4.bytes[0] = 127;
      v4.bytes[3] = 1;
    }
    if (h.ai_family != AF_INET) addrs.push_back(v6);
    if (h.ai_family != AF_INET6) addrs.push_back(v4);
    return 0;
  }
  Addr a;
  int e = 0;
  if (parse_numeric(node, h, &a, scope, &e)) {
    if (e == 0) {
      addrs.push_back(a);
      canon = node;
    }
    return e;
  }
  if (h.ai_flags & AI_NUMERICHOST) return EAI_NONAME;
  Hosts hs;
  const bool v4mapped = h.ai_family == AF_INET6 && (h.ai_flags & AI_V4MAPPED);
  Status s = lookup_name(node, v4mapped ? AF_UNSPEC : h.ai_family, hs);
  if (s != kOk) return eai_of(s);
  canon = hs.canon;
  bool any6 = false;
  for (const Addr& x : hs.addrs) any6 |= x.family == AF_INET6;
  // glibc asks AF_INET6, then AF_INET for the mapped ones: from the hosts
  // file, an IPv4 lookup also reads "::1" lines as 127.0.0.1 (nss_files).
  if (v4mapped && hs.files && (!any6 || (h.ai_flags & AI_ALL))) {
    Hosts v4;
    if (lookup_name(node, AF_INET, v4) == kOk) {
      std::vector<Addr> merged;
      for (const Addr& x : hs.addrs)
        if (x.family == AF_INET6) merged.push_back(x);
      for (const Addr& x : v4.addrs)
        if (x.family == AF_INET) merged.push_back(x);
      hs.addrs = merged;
    }
  }
  for (const Addr& x : hs.addrs) {
    if (!v4mapped) {
      addrs.push_back(x);
    } else if (x.family == AF_INET6) {
      addrs.push_back(x);
    } else if (!any6 || (h.ai_flags & AI_ALL)) {
      addrs.push_back(mapped(x));
    }
  }
  if (v4mapped && addrs.empty()) return EAI_NODATA;
  // glibc lists A before AAAA (the order of its answers) before sorting.
  std::stable_partition(addrs.begin(), addrs.end(), [](const Addr& x) { return x.family == AF_INET; });
  return 0;
}

constexpr int kKnownFlags = AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG |
                            AI_IDN | AI_CANONIDN | AI_NUMERICSERV;

int stack_getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  addrinfo h{};
  if (hints) {
    h = *hints;
  } else {
    h.ai_flags = AI_V4MAPPED | AI_ADDRCONFIG;
  }
  if (h.ai_flags & ~kKnownFlags) return EAI_BADFLAGS;
  if (!node && !service) return EAI_NONAME;
  if ((h.ai_flags & AI_CANONNAME) && !node) return EAI_BADFLAGS;
  if (h.ai_family != AF_UNSPEC && h.ai_family != AF_INET && h.ai_family != AF_INET6) return EAI_FAMILY;
  if (h.ai_flags & AI_ADDRCONFIG) {
    bool v4 = false, v6 = false;
    families_configured(&v4, &v6);
    if (h.ai_family == AF_UNSPEC && (v4 || v6)) {
      if (v4 != v6) h.ai_family = v4 ? AF_INET : AF_INET6;
    } else if ((h.ai_family == AF_INET && !v4) || (h.ai_family == AF_INET6 && !v6)) {
      return EAI_NONAME;
    }
  }
  std::vector<Proto> protos;
  if (int e = expand_service(service, h, protos)) return e;
  std::vector<Addr> addrs;
  std::string canon;
  uint32_t scope = 0;
  if (int e = host_addrs(node, h, addrs, canon, &scope)) return e;
  if (addrs.size() * protos.size() > 1) sort_addrs(addrs);
  addrinfo* head = nullptr;
  addrinfo** tail = &head;
  for (const Addr& a : addrs)
    for (const Proto& p : protos) {
      addrinfo* ai = make_node(a, p, scope);
      if (!ai) {
        free_list(head);
        return EAI_MEMORY;
      }
      *tail = ai;
      tail = &ai->ai_next;
    }
  if (head && (h.ai_flags & AI_CANONNAME)) {
    head->ai_canonname = ::strdup(canon.empty() ? node : canon.c_str());
    if (!head->ai_canonname) {
      free_list(head);
      return EAI_MEMORY;
    }
  }
  *res = head;
  return 0;
}

// The local domain NI_NOFQDN strips (glibc's nrl_domainname): what follows
// the first dot of the host name, or of its canonical name as looked up.
const std::string& local_domain() {
  static std::string domain;
  static std::once_flag once;
  std::call_once(once, [] {
    char name[256] = {};
    if (::gethostname(name, sizeof name - 1) != 0) return;
    if (const char* dot = std::strchr(name, '.')) {
      domain = dot + 1;
      return;
    }
    Hosts hs;
    if (lookup_name(name, AF_UNSPEC, hs) == kOk)
      if (const auto dot = hs.canon.find('.'); dot != std::string::npos) domain = hs.canon.substr(dot + 1);
  });
  return domain;
}

// NI_NOFQDN: the name without the local domain (glibc: the domain found
// inside the name, after a dot, ends it there).
void strip_local_domain(std::string& name) {
  const std::string& d = local_domain();
  if (d.empty()) return;
  const auto at = name.find(d);
  if (at != std::string::npos && at > 0 && name[at - 1] == '.') name.resize(at - 1);
}

int stack_getnameinfo(const sockaddr* sa, socklen_t salen, char* host, socklen_t hostlen, char* serv,
                      socklen_t servlen, int flags) {
  Addr a;
  if (sa->sa_family == AF_INET && salen >= sizeof(sockaddr_in)) {
    a.family = AF_INET;
    std::memcpy(a.bytes, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
  } else {
    a.family = AF_INET6;
    std::memcpy(a.bytes, &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
  }
  Hosts hs;
  Status s = lookup_addr(a, hs);
  if (s == kOk && !hs.canon.empty()) {
    if (flags & NI_NOFQDN) strip_local_domain(hs.canon);
    if (hs.canon.size() + 1 > hostlen) return EAI_OVERFLOW;
    std::memcpy(host, hs.canon.c_str(), hs.canon.size() + 1);
  } else if (s == kSystem) {
    return EAI_SYSTEM;
  } else if (s == kTryAgain) {
    return EAI_AGAIN;
  } else if (flags & NI_NAMEREQD) {
    return EAI_NONAME;
  } else if (int e = real_getnameinfo()(sa, salen, host, hostlen, nullptr, 0, flags | NI_NUMERICHOST)) {
    return e;
  }
  if (serv && servlen) return real_getnameinfo()(sa, salen, nullptr, 0, serv, servlen, flags);
  return 0;
}

}  // namespace
}  // namespace tunsock::shim::resolve

using namespace tunsock::shim;

TUNSOCK_EXPORT int getaddrinfo(const char* node, const char* service, const addrinfo* hints, addrinfo** res) {
  if (resolve::use_host()) return resolve::real_getaddrinfo()(node, service, hints, res);
  int e = resolve::stack_getaddrinfo(node, service, hints, res);
  trace("getaddrinfo(%s, %s) = %d", node ? node : "NULL", service ? service : "NULL", e);
  return e;
}

// Frees our results and glibc's alike: both allocate a node with its
// sockaddr in one block and the canonical name apart (glibc's freeaddrinfo
// is this same loop).
TUNSOCK_EXPORT void freeaddrinfo(addrinfo* ai) { resolve::free_list(ai); }

TUNSOCK_EXPORT int getnameinfo(const sockaddr* sa, socklen_t salen, char* host, socklen_t hostlen, char* serv,
                               socklen_t servlen, int flags) {
  // A numeric host, no host asked, another family: glibc asks no server.
  if (!sa || !host || !hostlen || (flags & NI_NUMERICHOST) || resolve::use_host() ||
      (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
      salen < (sa->sa_family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6)))
    return resolve::real_getnameinfo()(sa, salen, host, hostlen, serv, servlen, flags);
  int e = resolve::stack_getnameinfo(sa, salen, host, hostlen, serv, servlen, flags);
  trace("getnameinfo(family %d) = %d", sa->sa_family, e);
  return e;
}
