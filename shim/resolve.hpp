// Name resolution through the stack (issue 8 item 7): the shared part of
// shim/resolve_*.cpp. glibc's resolver makes its sockets inside libc, past
// the interposed socket(), so the shim answers the resolver calls itself:
// /etc/hosts and the /etc/resolv.conf name servers through c-ares, whose
// sockets are made through the shim's own socket path (resolve_ares.cpp).
// glibc counterparts: resolv/, nss/nss_files, nss/nss_dns, posix/getaddrinfo.c.
#pragma once

#include <sys/socket.h>

#include <cstdint>
#include <string>
#include <vector>

namespace tunsock::shim::resolve {

// Who answers a resolver call of the program: glibc itself
// (TUNSOCK_RESOLVER=host, or a daemon that does not serve inet: said once
// in the shim's log), or the shim through the stack.
bool use_host();

struct Addr {
  int family = 0;          // AF_INET or AF_INET6
  unsigned char bytes[16] = {};
  bool operator==(const Addr& o) const;
};

// A host's addresses as the hosts file or DNS gave them, in their order.
struct Hosts {
  std::string canon;                 // canonical name (CNAME target, or the hosts line's first name)
  std::vector<std::string> aliases;  // other names
  std::vector<Addr> addrs;
  bool files = false;                // from the hosts file (no query made)
};

// Lookup outcomes, named as glibc's h_errno values.
enum Status {
  kOk = 0,
  kNotFound,    // NXDOMAIN everywhere, not in the hosts file: HOST_NOT_FOUND
  kNoData,      // the name exists, no record of the type: NO_DATA
  kTryAgain,    // no server answered (timeout, refused, SERVFAIL): TRY_AGAIN
  kNoRecovery,  // FORMERR, NOTIMP, a malformed answer: NO_RECOVERY
  kSystem,      // a local failure (libcares missing, out of memory): errno set
};

// Forward lookup: the hosts file first (as nsswitch's "files dns"), then
// DNS with search domains and ndots from resolv.conf. family AF_INET,
// AF_INET6 or AF_UNSPEC (A and AAAA asked together). No query for a name
// the hosts file holds.
Status lookup_name(const char* name, int family, Hosts& out);
// The errno glibc's res_search leaves behind for the latest lookup_name
// of this thread: ECONNREFUSED when a server refused or failed
// (REFUSED, SERVFAIL), ETIMEDOUT when none answered, else 0; it is
// sticky over the search list, as glibc's (nss_dns turns it into
// NSS_STATUS_UNAVAIL, which the _r forms' return value shows).
int last_search_errno();
// Reverse lookup of one address: hosts file, then PTR.
Status lookup_addr(const Addr& a, Hosts& out);

// The res_* calls: one DNS message in, the answer out.
enum class Query { kQuery, kSearch, kSend };
// kQuery/kSearch: name, class, type; kSend: msg/msglen. Returns the
// answer's length (copied into ans, truncated to anslen) or -1 with
// *herr set (h_errno values).
int raw_query(Query kind, const char* name, int klass, int type, const unsigned char* msg, int msglen,
              unsigned char* ans, int anslen, int* herr);

// The source address for a destination (a UDP socket connected to it, as
// glibc asks the kernel for RFC 6724's rules): the stack's for a family the
// shim sends to the daemon, the kernel's for one it keeps on the kernel;
// false when there is no route.
bool source_for(const Addr& dst, Addr* src);

// AI_ADDRCONFIG (glibc's __check_pf): does the program's view hold an
// address of each family other than 127.0.0.1 / ::1? The view is the
// daemon's interfaces for a family the shim sends there, else the kernel's.
void families_configured(bool* v4, bool* v6);

}  // namespace tunsock::shim::resolve
