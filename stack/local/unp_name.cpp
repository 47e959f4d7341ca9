// The local domain's name space: binding pathname and abstract names,
// autobind, and finding the socket a connect/sendto addresses.
// Linux: net/unix/af_unix.c (unix_validate_addr, unix_mkname_bsd,
// unix_bind_bsd, unix_bind_abstract, unix_autobind, unix_find_other);
// FreeBSD: uipc_usrreq.c (unp_bind, unp_connect's namei).
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "local/unp.hpp"

namespace tunsock {
namespace {

constexpr socklen_t kPathOff = offsetof(sockaddr_un, sun_path);  // == sizeof(sa_family_t)

const sockaddr_un& sun_of(const SockAddr& a) { return *reinterpret_cast<const sockaddr_un*>(&a.ss); }

LocalDomainState& state_of(const UnpCb& unp) { return local_state(*unp.unp_socket->so_stack); }

std::pair<int, std::string> abstract_key(int type, const SockAddr& nam) {
  return {type, std::string(sun_of(nam).sun_path, nam.len - kPathOff)};
}

// Linux unix_mkname_bsd: the name is the path up to its first NUL, and the
// length getsockname reports counts that NUL (the path need not be
// terminated in the caller's buffer; ss has room for the NUL).
SockAddr path_name(const SockAddr& nam) {
  SockAddr a = SockAddr::from(&nam.ss, nam.len);  // the bytes past len are zero
  a.len = socklen_t(kPathOff + std::strlen(sun_of(a).sun_path) + 1);
  return a;
}

int bind_abstract(UnpCb& unp, const SockAddr& nam) {
  LocalDomainState& ls = state_of(unp);
  auto key = abstract_key(unp.unp_socket->so_type, nam);
  if (ls.by_abstract.count(key)) return EADDRINUSE;
  ls.by_abstract.emplace(std::move(key), &unp);
  unp.unp_addr = nam;
  unp.unp_abstract = true;
  unp.unp_socket->so_state |= SS_ISBOUND;
  return 0;
}

}  // namespace

int unp_validate_addr(const SockAddr& nam) {
  if (nam.len <= kPathOff || nam.len > sizeof(sockaddr_un)) return EINVAL;
  if (nam.family() != AF_UNIX) return EINVAL;
  return 0;
}

int unp_autobind(UnpCb& unp) {
  if (unp.unp_addr.len) return 0;
  Stack& st = *unp.unp_socket->so_stack;
  uint32_t ordernum = st.rng().next_u32();
  const uint32_t lastnum = ordernum & 0xFFFFF;
  for (;;) {
    ordernum = (ordernum + 1) & 0xFFFFF;
    SockAddr nam;
    nam.ss.ss_family = AF_UNIX;
    char* path = reinterpret_cast<sockaddr_un*>(&nam.ss)->sun_path;
    char digits[8];
    std::snprintf(digits, sizeof digits, "%05x", unsigned(ordernum));
    std::memcpy(path + 1, digits, 5);  // path[0] stays NUL: abstract
    nam.len = kPathOff + 1 + 5;
    if (bind_abstract(unp, nam) == 0) break;
    if (ordernum == lastnum) return ENOSPC;
  }
  ++state_of(unp).stats.autobinds;
  return 0;
}

int unp_bind(UnpCb& unp, const SockAddr& nam, const Td& td) {
  if (nam.len == kPathOff && nam.family() == AF_UNIX) return unp_autobind(unp);
  if (int e = unp_validate_addr(nam)) return e;
  if (unp.unp_addr.len) return EINVAL;  // bound already (Linux: even to the same name)
  LocalDomainState& ls = state_of(unp);
  int e = 0;
  if (sun_of(nam).sun_path[0] == '\0') {
    e = bind_abstract(unp, nam);
  } else {
    // The shim made the socket file (mknod; EEXIST is its EADDRINUSE) and
    // sends its inode. Without one the caller is not the shim: refuse.
    if (!td.vnode.valid()) return EINVAL;
    auto key = std::make_pair(td.vnode.dev, td.vnode.ino);
    // The shim has just made this inode (mknod succeeded: the path did not
    // exist). A socket still holding an inode of that number lost its file
    // (unlinked, the number reused): as on Linux, it keeps its name for
    // getsockname, but no lookup reaches it any more (unix_find_bsd finds
    // sockets by the inode a path has at connect time).
    if (auto it = ls.by_vnode.find(key); it != ls.by_vnode.end()) {
      it->second->unp_vnode = {};
      ls.by_vnode.erase(it);
    }
    ls.by_vnode.emplace(key, &unp);
    ls.dead_vnodes.erase(key);
    unp.unp_vnode = td.vnode;
    unp.unp_addr = path_name(nam);
    unp.unp_socket->so_state |= SS_ISBOUND;
  }
  if (!e) ++ls.stats.binds;
  return e;
}

int unp_lookup(Stack& st, const SockAddr& nam, const Td& td, int type, UnpCb** out) {
  *out = nullptr;
  LocalDomainState& ls = local_state(st);
  if (sun_of(nam).sun_path[0] != '\0') {
    auto it = td.vnode.valid() ? ls.by_vnode.find({td.vnode.dev, td.vnode.ino}) : ls.by_vnode.end();
    if (it == ls.by_vnode.end()) {
      if (ls.dead_vnodes.count({td.vnode.dev, td.vnode.ino})) return ECONNREFUSED;
      ++ls.stats.not_ours;
      return ENOTOURS;
    }
    if (it->second->unp_socket->so_type != type) return EPROTOTYPE;
    *out = it->second;
    return 0;
  }
  // An abstract name nobody here holds may be held in the host kernel: let
  // it decide (it answers ECONNREFUSED when nobody holds it there either).
  auto it = ls.by_abstract.find(abstract_key(type, nam));
  if (it == ls.by_abstract.end()) {
    ++ls.stats.not_ours;
    return ENOTOURS;
  }
  *out = it->second;
  return 0;
}

void unp_unname(UnpCb& unp) {
  LocalDomainState& ls = state_of(unp);
  if (unp.unp_abstract) {
    auto it = ls.by_abstract.find(abstract_key(unp.unp_socket->so_type, unp.unp_addr));
    if (it != ls.by_abstract.end() && it->second == &unp) ls.by_abstract.erase(it);
    unp.unp_abstract = false;
  }
  if (unp.unp_vnode.valid()) {
    auto it = ls.by_vnode.find({unp.unp_vnode.dev, unp.unp_vnode.ino});
    if (it != ls.by_vnode.end() && it->second == &unp) {
      ls.by_vnode.erase(it);
      auto key = std::make_pair(unp.unp_vnode.dev, unp.unp_vnode.ino);
      if (ls.dead_vnodes.insert(key).second) ls.dead_order.push_back(key);
      while (ls.dead_order.size() > kUnpDeadNames) {
        ls.dead_vnodes.erase(ls.dead_order.front());
        ls.dead_order.pop_front();
      }
    }
    unp.unp_vnode = {};
  }
}

SockAddr unp_name_of(const UnpCb* unp) {
  if (unp && unp->unp_addr.len) return unp->unp_addr;
  SockAddr a;
  a.ss.ss_family = AF_UNIX;
  a.len = kPathOff;
  return a;
}

}  // namespace tunsock
