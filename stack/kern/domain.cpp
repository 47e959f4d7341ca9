// Finding a domain and its protocols: the lookups socreate() does.
// FreeBSD: sys/kern/uipc_domain.c (pffinddomain, pffindtype, pffindproto).
#include "kern/protosw.hpp"
#include "kern/stack.hpp"

namespace tunsock {

const Domain* pffinddomain(const Stack& st, int family) {
  for (const Domain* d : st.domains())
    if (d->dom_family == family) return d;
  return nullptr;
}

const Protosw* pffindtype(const Stack& st, int family, int type) {
  const Domain* d = pffinddomain(st, family);
  if (!d) return nullptr;
  for (const Protosw& pr : d->dom_protosw)
    if (pr.pr_type == type) return &pr;
  return nullptr;
}

const Protosw* pffindproto(const Stack& st, int family, int protocol, int type) {
  const Domain* d = pffinddomain(st, family);
  if (!d) return nullptr;
  if (protocol == 0 || protocol == d->dom_protoalias) return pffindtype(st, family, type);
  for (const Protosw& pr : d->dom_protosw)
    if (pr.pr_protocol == protocol && pr.pr_type == type) return &pr;
  return nullptr;
}

}  // namespace tunsock
