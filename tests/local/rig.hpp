// A stack with the local domain, driven directly through the so* calls as
// the daemon would, and an upcall recorder. Helpers build addresses,
// send and receive strings, and make SCM_RIGHTS control mbufs of made-up
// descriptor numbers (the stack never looks inside them).
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <string>
#include <vector>

#include "kern/socket.hpp"
#include "kern/stack.hpp"
#include "local/uipc_usrreq.hpp"

namespace tunsock::test {

struct Recorder : SocketUpcalls {
  int readable = 0, writable = 0, statechange = 0, freed = 0;
  std::vector<int> disposed_fds;  // descriptors of rights nobody received
  void so_readable(Socket&) override { ++readable; }
  void so_writable(Socket&) override { ++writable; }
  void so_statechange(Socket&) override { ++statechange; }
  void so_freed(Socket&) override { ++freed; }
  void so_dispose_rights(mbuf* control) override {
    REQUIRE(control->m_type == MType::Control);
    cmsghdr cm;
    std::memcpy(&cm, control->m_data, sizeof cm);
    size_t n = (cm.cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, control->m_data + CMSG_LEN(0) + i * sizeof(int), sizeof fd);
      disposed_fds.push_back(fd);
    }
  }
};

inline SockAddr path_addr(const char* path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path, path, std::min(std::strlen(path), sizeof sun.sun_path));
  return SockAddr::from(&sun, socklen_t(offsetof(sockaddr_un, sun_path) + std::strlen(path)));
}

inline SockAddr abstract_addr(const std::string& name) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::memcpy(sun.sun_path + 1, name.data(), name.size());
  return SockAddr::from(&sun, socklen_t(offsetof(sockaddr_un, sun_path) + 1 + name.size()));
}

inline SockAddr family_only(sa_family_t f) {
  SockAddr a;
  a.ss.ss_family = f;
  a.len = sizeof(sa_family_t);
  return a;
}

inline std::string name_text(const SockAddr& a) {
  if (a.len <= sizeof(sa_family_t)) return "";
  const auto* sun = reinterpret_cast<const sockaddr_un*>(&a.ss);
  return std::string(sun->sun_path, a.len - offsetof(sockaddr_un, sun_path));
}

// An SCM_RIGHTS control mbuf naming fds.
inline mbuf* rights(std::vector<int> fds) {
  const size_t len = CMSG_SPACE(fds.size() * sizeof(int));
  mbuf* m = m_get2(int(len), M_NOWAIT, MType::Control, false);
  REQUIRE(m);
  std::memset(m->m_data, 0, len);
  cmsghdr cm{};
  cm.cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
  cm.cmsg_level = SOL_SOCKET;
  cm.cmsg_type = SCM_RIGHTS;
  std::memcpy(m->m_data, &cm, sizeof cm);
  std::memcpy(m->m_data + CMSG_LEN(0), fds.data(), fds.size() * sizeof(int));
  m->m_len = int(len);
  return m;
}

inline std::vector<int> fds_of(const mbuf* control) {
  std::vector<int> out;
  for (; control; control = control->m_next) {
    cmsghdr cm;
    std::memcpy(&cm, control->m_data, sizeof cm);
    size_t n = (cm.cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < n; ++i) {
      int fd;
      std::memcpy(&fd, control->m_data + CMSG_LEN(0) + i * sizeof(int), sizeof fd);
      out.push_back(fd);
    }
  }
  return out;
}

struct Rig {
  Recorder up;
  Stack st{7};
  Ucred cred{4242, 1000, 100};

  Rig() {
    local_attach(st);
    st.set_upcalls(&up);
  }
  ~Rig() { st.set_upcalls(nullptr); }

  Td td(uint64_t ino = 0) const { return Td{cred, VnodeId{ino ? 99u : 0u, ino}}; }

  Socket* sock(int type) {
    Socket* so = nullptr;
    REQUIRE(socreate(st, AF_UNIX, &so, type, 0, td()) == 0);
    REQUIRE(so);
    return so;
  }
  std::pair<Socket*, Socket*> pair(int type) {
    Socket* a = sock(type);
    Socket* b = sock(type);
    REQUIRE(soconnect2(*a, *b) == 0);
    return {a, b};
  }
  // A listener bound to a pathname whose socket file has inode ino.
  Socket* listener(int type, const char* path, uint64_t ino, int backlog = 5) {
    Socket* so = sock(type);
    REQUIRE(sobind(*so, path_addr(path), td(ino)) == 0);
    REQUIRE(solisten(*so, backlog, td()) == 0);
    return so;
  }
  // connect + take the new socket off the listener as the daemon does.
  Socket* connect_accept(Socket& client, Socket& head, const char* path, uint64_t ino) {
    REQUIRE(soconnect(client, path_addr(path), td(ino)) == 0);
    REQUIRE(soaccept_check(head) == 0);
    Socket* so = soaccept_dequeue(head);
    REQUIRE(so);
    SockAddr peer;
    REQUIRE(soaccept(*so, &peer) == 0);
    return so;
  }

  int send(Socket& so, const std::string& data, const SockAddr* to = nullptr, mbuf* control = nullptr,
           uint64_t ino = 0, int flags = 0) {
    mbuf* m = data.empty() ? m_gethdr(M_NOWAIT, MType::Data)
                           : m_devget(data.data(), int(data.size()), M_NOWAIT, true);
    REQUIRE(m);
    return sosend(so, to, m, control, flags, td(ino));
  }

  // Receive up to n bytes; the errno goes to *err (0 when data or EOF).
  std::string recv(Socket& so, size_t n = 4096, int flags = 0, SockAddr* from = nullptr, int* err = nullptr,
                   RecvArgs* out = nullptr, mbuf** controlp = nullptr) {
    std::string buf(n, '\0');
    RecvArgs a;
    a.buf = reinterpret_cast<std::byte*>(buf.data());
    a.len = n;
    a.flags = flags;
    a.from = from;
    a.controlp = controlp;
    int e = soreceive(so, a);
    if (err) *err = e;
    else REQUIRE(e == 0);
    if (out) *out = a;
    buf.resize(e ? 0 : a.done);
    return buf;
  }
};

}  // namespace tunsock::test
