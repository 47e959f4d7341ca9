// gethostbyname, gethostbyname2, gethostbyaddr (and their _r forms) and
// the res_* query calls answered through the stack (resolve.hpp), with
// glibc's return conventions (nss/getXXbyYY_r.c, resolv/res_query.c):
// h_errno HOST_NOT_FOUND / NO_DATA / TRY_AGAIN / NO_RECOVERY, the _r forms
// 0 with a null result when the name is unknown, ERANGE for a short buffer.
// DEVIATION: the res_* calls read /etc/resolv.conf (through c-ares), not the
// program's _res: name servers a program writes into _res by hand are not
// used.
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <dlfcn.h>
#include <netdb.h>
#include <resolv.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common.hpp"
#include "resolve.hpp"

namespace tunsock::shim::resolve {
namespace {

template <class F>
F next(const char* name) {
  return reinterpret_cast<F>(::dlsym(RTLD_NEXT, name));
}

using Byname2R = int (*)(const char*, int, hostent*, char*, size_t, hostent**, int*);
using ByaddrR = int (*)(const void*, socklen_t, int, hostent*, char*, size_t, hostent**, int*);
using ResQuery = int (*)(const char*, int, int, unsigned char*, int);
using ResQuerydomain = int (*)(const char*, const char*, int, int, unsigned char*, int);
using ResSend = int (*)(const unsigned char*, int, unsigned char*, int);
using ResNQuery = int (*)(res_state, const char*, int, int, unsigned char*, int);
using ResNQuerydomain = int (*)(res_state, const char*, const char*, int, int, unsigned char*, int);
using ResNSend = int (*)(res_state, const unsigned char*, int, unsigned char*, int);

// Lay a host entry out in the caller's buffer as glibc does: pointer
// arrays first (aligned), then the addresses, then the strings.
int pack(const char* name, const std::vector<std::string>& aliases, const std::vector<Addr>& addrs, int family,
         hostent* ret, char* buf, size_t buflen) {
  const size_t alen = family == AF_INET ? 4 : 16;
  size_t n = 0;
  for (const Addr& a : addrs) n += a.family == family;
  size_t need = (n + 1 + aliases.size() + 1) * sizeof(char*) + n * alen + std::strlen(name) + 1;
  for (const auto& s : aliases) need += s.size() + 1;
  const size_t pad = (alignof(char*) - reinterpret_cast<uintptr_t>(buf) % alignof(char*)) % alignof(char*);
  if (buflen < pad || buflen - pad < need) return ERANGE;
  char* p = buf + pad;
  auto** addr_list = reinterpret_cast<char**>(p);
  p += (n + 1) * sizeof(char*);
  auto** alias_list = reinterpret_cast<char**>(p);
  p += (aliases.size() + 1) * sizeof(char*);
  size_t i = 0;
  for (const Addr& a : addrs) {
    if (a.family != family) continue;
    std::memcpy(p, a.bytes, alen);
    addr_list[i++] = p;
    p += alen;
  }
  addr_list[i] = nullptr;
  for (size_t k = 0; k < aliases.size(); ++k) {
    std::memcpy(p, aliases[k].c_str(), aliases[k].size() + 1);
    alias_list[k] = p;
    p += aliases[k].size() + 1;
  }
  alias_list[aliases.size()] = nullptr;
  std::strcpy(p, name);
  ret->h_name = p;
  ret->h_aliases = alias_list;
  ret->h_addrtype = family;
  ret->h_length = int(alen);
  ret->h_addr_list = addr_list;
  return 0;
}

// The _r forms' return value and h_errno for a lookup that found nothing.
int failed(Status s, hostent** result, int* herr) {
  *result = nullptr;
  switch (s) {
    case kNotFound: *herr = HOST_NOT_FOUND; return 0;
    case kNoData: *herr = NO_DATA; return 0;
    case kTryAgain: *herr = TRY_AGAIN; return EAGAIN;
    case kSystem: *herr = NETDB_INTERNAL; return errno;
    default: *herr = NO_RECOVERY; return 0;
  }
}

bool digits_dots(const char* s) {
  if (!*s) return false;
  for (; *s; ++s)
    if (!((*s >= '0' && *s <= '9') || *s == '.')) return false;
  return true;
}

int byname2_r(const char* name, int af, hostent* ret, char* buf, size_t buflen, hostent** result, int* herr) {
  const int olderr = errno;
  *result = nullptr;
  // glibc refuses a buffer too small for an address, two pointers and the
  // name before any lookup (ERANGE), whether or not the name exists.
  if (buflen < 16 + 2 * sizeof(char*) + std::strlen(name) + 1) {
    *herr = NETDB_INTERNAL;
    errno = ERANGE;
    return ERANGE;
  }
  if (af != AF_INET && af != AF_INET6) {
    *herr = NETDB_INTERNAL;
    errno = EAFNOSUPPORT;
    return EAFNOSUPPORT;
  }
  // A numeric name: no lookup (glibc's __nss_hostname_digits_dots).
  Addr a;
  a.family = af;
  bool numeric = af == AF_INET ? digits_dots(name) && ::inet_aton(name, reinterpret_cast<in_addr*>(a.bytes))
                               : ::inet_pton(AF_INET6, name, a.bytes) == 1;
  // A literal of the other family: not found, and no query (glibc).
  unsigned char other[16];
  if (!numeric && (af == AF_INET ? ::inet_pton(AF_INET6, name, other) == 1
                                 : digits_dots(name) && ::inet_aton(name, reinterpret_cast<in_addr*>(other)))) {
    *herr = HOST_NOT_FOUND;
    return 0;
  }
  if (numeric) {
    if (int e = pack(name, {}, {a}, af, ret, buf, buflen)) {
      *herr = NETDB_INTERNAL;
      errno = e;
      return e;
    }
    *result = ret;
    *herr = 0;
    return 0;
  }
  Hosts hs;
  Status s = lookup_name(name, af, hs);
  if (s != kOk) {
    int e = failed(s, result, herr);
    // glibc (nss/getXXbyYY_r.c over nss_dns): a name with CNAMEs and no
    // address of the family is NSS_STATUS_TRYAGAIN with NO_RECOVERY:
    // EAGAIN. A search that ended without the name after a server refused
    // or timed out is NSS_STATUS_UNAVAIL with the caller's errno put back:
    // that errno comes back (EINVAL for ERANGE).
    if (s == kNoRecovery) {
      e = EAGAIN;
    } else if ((s == kNotFound || s == kNoData) && last_search_errno()) {
      errno = olderr;
      e = olderr == ERANGE ? EINVAL : olderr;
    }
    return e;
  }
  if (int e = pack(hs.canon.empty() ? name : hs.canon.c_str(), hs.aliases, hs.addrs, af, ret, buf, buflen)) {
    *herr = NETDB_INTERNAL;
    errno = e;
    return e;
  }
  *result = ret;
  *herr = 0;
  return 0;
}

int byaddr_r(const void* addr, socklen_t len, int type, hostent* ret, char* buf, size_t buflen, hostent** result,
             int* herr) {
  const int olderr = errno;
  *result = nullptr;
  if ((type == AF_INET && len != 4) || (type == AF_INET6 && len != 16) || (type != AF_INET && type != AF_INET6)) {
    *herr = NETDB_INTERNAL;
    errno = type == AF_INET || type == AF_INET6 ? EINVAL : EAFNOSUPPORT;
    return errno;
  }
  Addr a;
  a.family = type;
  std::memcpy(a.bytes, addr, len);
  static const unsigned char kAny[16] = {};
  if (type == AF_INET6 && !std::memcmp(a.bytes, kAny, 16)) {  // "::" has no name (glibc, no query)
    *herr = HOST_NOT_FOUND;
    return 0;
  }
  // glibc's nss_dns asks for a v4-mapped (::ffff:a.b.c.d) or IPv4-compatible
  // (::a.b.c.d, not ::1) address as the IPv4 address, and answers with an
  // IPv4 entry. DEVIATION: the shim unmaps before the hosts file too.
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static const unsigned char kCompat[12] = {};
  static const unsigned char kOne[4] = {0, 0, 0, 1};
  if (type == AF_INET6 &&
      (!std::memcmp(a.bytes, kMapped, 12) || (!std::memcmp(a.bytes, kCompat, 12) && std::memcmp(a.bytes + 12, kOne, 4)))) {
    std::memmove(a.bytes, a.bytes + 12, 4);
    a.family = type = AF_INET;
  }
  Hosts hs;
  Status s = lookup_addr(a, hs);
  if (s == kOk && hs.canon.empty()) s = kNotFound;
  if (s != kOk) {
    // glibc's nss_dns answers a failed PTR query NSS_STATUS_NOTFOUND (0)
    // unless the caller's errno was ECONNREFUSED (UNAVAIL: returned).
    int e = failed(s, result, herr);
    if (s != kSystem) {
      errno = olderr;
      e = olderr == ECONNREFUSED ? ECONNREFUSED : 0;
    }
    return e;
  }
  if (int e = pack(hs.canon.c_str(), hs.aliases, {a}, type, ret, buf, buflen)) {
    *herr = NETDB_INTERNAL;
    errno = e;
    return e;
  }
  *result = ret;
  *herr = 0;
  return 0;
}

// The non-reentrant forms: one static entry and buffer, as glibc's.
struct Static {
  hostent ent{};
  char* buf = nullptr;
  size_t len = 0;
};
Static g_static;

template <class F>
hostent* with_static(F&& fill) {
  if (!g_static.buf) {
    g_static.len = 1024;
    g_static.buf = static_cast<char*>(std::malloc(g_static.len));
  }
  for (int i = 0; i < 8 && g_static.buf; ++i) {
    hostent* r = nullptr;
    int herr = 0;
    int e = fill(&g_static.ent, g_static.buf, g_static.len, &r, &herr);
    if (e != ERANGE) {
      h_errno = herr;
      return r;
    }
    g_static.len *= 2;
    std::free(g_static.buf);
    g_static.buf = static_cast<char*>(std::malloc(g_static.len));
  }
  h_errno = NETDB_INTERNAL;
  errno = ENOMEM;
  return nullptr;
}

int querydomain_name(const char* name, const char* domain, char* out) {
  const size_t n = std::strlen(name);
  if (!domain) {
    if (n + 1 > NS_MAXDNAME) return -1;
    std::memcpy(out, name, n + 1);
    if (n && out[n - 1] == '.') out[n - 1] = '\0';  // glibc drops one trailing dot
    return 0;
  }
  const size_t d = std::strlen(domain);
  if (n + 1 + d + 1 > NS_MAXDNAME) return -1;
  std::memcpy(out, name, n);
  out[n] = '.';
  std::memcpy(out + n + 1, domain, d + 1);
  return 0;
}

int do_query(Query kind, const char* name, int klass, int type, unsigned char* ans, int anslen, res_state st) {
  int herr = 0;
  int n = raw_query(kind, name, klass, type, nullptr, 0, ans, anslen, &herr);
  if (n < 0) {
    h_errno = herr;
    if (st) st->res_h_errno = herr;
  }
  return n;
}

int do_send(const unsigned char* msg, int len, unsigned char* ans, int anslen) {
  int herr = 0;
  int n = raw_query(Query::kSend, nullptr, 0, 0, msg, len, ans, anslen, &herr);
  if (n < 0) {
    h_errno = herr;
    errno = herr == TRY_AGAIN ? ETIMEDOUT : ECONNREFUSED;
  }
  return n;
}

}  // namespace
}  // namespace tunsock::shim::resolve

using namespace tunsock::shim;
using namespace tunsock::shim::resolve;

TUNSOCK_EXPORT int gethostbyname2_r(const char* name, int af, hostent* ret, char* buf, size_t buflen, hostent** result,
                                    int* herr) {
  if (use_host()) return next<Byname2R>("gethostbyname2_r")(name, af, ret, buf, buflen, result, herr);
  int e = byname2_r(name, af, ret, buf, buflen, result, herr);
  trace("gethostbyname2_r(%s, %d) = %d (h_errno %d)", name, af, e, *herr);
  return e;
}

TUNSOCK_EXPORT int gethostbyname_r(const char* name, hostent* ret, char* buf, size_t buflen, hostent** result,
                                   int* herr) {
  return gethostbyname2_r(name, AF_INET, ret, buf, buflen, result, herr);
}

TUNSOCK_EXPORT hostent* gethostbyname2(const char* name, int af) {
  return with_static([&](hostent* ret, char* buf, size_t len, hostent** r, int* herr) {
    return gethostbyname2_r(name, af, ret, buf, len, r, herr);
  });
}

TUNSOCK_EXPORT hostent* gethostbyname(const char* name) { return gethostbyname2(name, AF_INET); }

TUNSOCK_EXPORT int gethostbyaddr_r(const void* addr, socklen_t len, int type, hostent* ret, char* buf, size_t buflen,
                                   hostent** result, int* herr) {
  if (use_host()) return next<ByaddrR>("gethostbyaddr_r")(addr, len, type, ret, buf, buflen, result, herr);
  int e = byaddr_r(addr, len, type, ret, buf, buflen, result, herr);
  trace("gethostbyaddr_r(family %d) = %d (h_errno %d)", type, e, *herr);
  return e;
}

TUNSOCK_EXPORT hostent* gethostbyaddr(const void* addr, socklen_t len, int type) {
  return with_static([&](hostent* ret, char* buf, size_t blen, hostent** r, int* herr) {
    return gethostbyaddr_r(addr, len, type, ret, buf, blen, r, herr);
  });
}

TUNSOCK_EXPORT int res_query(const char* name, int klass, int type, unsigned char* ans, int anslen) {
  if (use_host()) return next<ResQuery>("res_query")(name, klass, type, ans, anslen);
  return do_query(Query::kQuery, name, klass, type, ans, anslen, nullptr);
}
TUNSOCK_EXPORT int res_search(const char* name, int klass, int type, unsigned char* ans, int anslen) {
  if (use_host()) return next<ResQuery>("res_search")(name, klass, type, ans, anslen);
  return do_query(Query::kSearch, name, klass, type, ans, anslen, nullptr);
}
TUNSOCK_EXPORT int res_querydomain(const char* name, const char* domain, int klass, int type, unsigned char* ans,
                                   int anslen) {
  if (use_host()) return next<ResQuerydomain>("res_querydomain")(name, domain, klass, type, ans, anslen);
  char full[NS_MAXDNAME];
  if (querydomain_name(name, domain, full)) {
    h_errno = NO_RECOVERY;
    return -1;
  }
  return do_query(Query::kQuery, full, klass, type, ans, anslen, nullptr);
}
TUNSOCK_EXPORT int res_send(const unsigned char* msg, int len, unsigned char* ans, int anslen) {
  if (use_host()) return next<ResSend>("res_send")(msg, len, ans, anslen);
  return do_send(msg, len, ans, anslen);
}
TUNSOCK_EXPORT int res_nquery(res_state st, const char* name, int klass, int type, unsigned char* ans, int anslen) {
  if (use_host()) return next<ResNQuery>("res_nquery")(st, name, klass, type, ans, anslen);
  return do_query(Query::kQuery, name, klass, type, ans, anslen, st);
}
TUNSOCK_EXPORT int res_nsearch(res_state st, const char* name, int klass, int type, unsigned char* ans, int anslen) {
  if (use_host()) return next<ResNQuery>("res_nsearch")(st, name, klass, type, ans, anslen);
  return do_query(Query::kSearch, name, klass, type, ans, anslen, st);
}
TUNSOCK_EXPORT int res_nquerydomain(res_state st, const char* name, const char* domain, int klass, int type,
                                    unsigned char* ans, int anslen) {
  if (use_host()) return next<ResNQuerydomain>("res_nquerydomain")(st, name, domain, klass, type, ans, anslen);
  char full[NS_MAXDNAME];
  if (querydomain_name(name, domain, full)) {
    h_errno = st->res_h_errno = NO_RECOVERY;
    return -1;
  }
  return do_query(Query::kQuery, full, klass, type, ans, anslen, st);
}
TUNSOCK_EXPORT int res_nsend(res_state st, const unsigned char* msg, int len, unsigned char* ans, int anslen) {
  if (use_host()) return next<ResNSend>("res_nsend")(st, msg, len, ans, anslen);
  return do_send(msg, len, ans, anslen);
}

// Programs built against glibc before 2.34 call these names (libresolv's).
TUNSOCK_EXPORT int __res_query(const char* n, int c, int t, unsigned char* a, int l) { return res_query(n, c, t, a, l); }
TUNSOCK_EXPORT int __res_search(const char* n, int c, int t, unsigned char* a, int l) {
  return res_search(n, c, t, a, l);
}
TUNSOCK_EXPORT int __res_querydomain(const char* n, const char* d, int c, int t, unsigned char* a, int l) {
  return res_querydomain(n, d, c, t, a, l);
}
TUNSOCK_EXPORT int __res_send(const unsigned char* m, int n, unsigned char* a, int l) { return res_send(m, n, a, l); }
TUNSOCK_EXPORT int __res_nquery(res_state s, const char* n, int c, int t, unsigned char* a, int l) {
  return res_nquery(s, n, c, t, a, l);
}
TUNSOCK_EXPORT int __res_nsearch(res_state s, const char* n, int c, int t, unsigned char* a, int l) {
  return res_nsearch(s, n, c, t, a, l);
}
TUNSOCK_EXPORT int __res_nquerydomain(res_state s, const char* n, const char* d, int c, int t, unsigned char* a,
                                      int l) {
  return res_nquerydomain(s, n, d, c, t, a, l);
}
TUNSOCK_EXPORT int __res_nsend(res_state s, const unsigned char* m, int n, unsigned char* a, int l) {
  return res_nsend(s, m, n, a, l);
}
