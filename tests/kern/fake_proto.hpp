// A fake protocol for socket-layer tests: a domain of its own whose user
// requests record each call ("attach:0", "connect", "send:5+ctl"...) and
// answer what the test configured. Connection-oriented (SOCK_STREAM, proto
// 6) and datagram (SOCK_DGRAM, proto 17) entries; no PR_RIGHTS.
#pragma once

#include <sys/socket.h>

#include <doctest/doctest.h>

#include <string>
#include <vector>

#include "kern/socket.hpp"
#include "kern/stack.hpp"

namespace tunsock::test {

inline constexpr int kFakeFamily = 44;  // unused by the stack (AF_XDP on Linux)

struct FakeProto {
  std::vector<std::string> calls;
  int attach_error = 0, bind_error = 0, listen_error = 0, connect_error = 0, send_error = 0;
  bool connect_completes = true;
  std::vector<std::string> sent;   // payloads pru_send received
  std::vector<int> send_flags;     // PRUS_* it received
  bool detach_saw_state = false;   // domain_state reachable in pru_detach
  bool has(const std::string& c) const {
    for (auto& x : calls)
      if (x == c) return true;
    return false;
  }
  int count(const std::string& c) const {
    int n = 0;
    for (auto& x : calls) n += x == c;
    return n;
  }
};

inline FakeProto*& fake() {
  static FakeProto* f = nullptr;
  return f;
}

namespace fakepr {
inline void rec(const std::string& s) { fake()->calls.push_back(s); }
inline int attach(Socket& so, int proto, const Td&) {
  rec("attach:" + std::to_string(proto));
  if (fake()->attach_error) return fake()->attach_error;
  so.so_pcb = fake();
  return 0;
}
inline void detach(Socket& so) {
  rec("detach");
  if (so.so_stack->domain_state(kFakeFamily)) fake()->detach_saw_state = true;
  so.so_pcb = nullptr;
}
inline int bind(Socket&, const SockAddr&, const Td&) {
  rec("bind");
  return fake()->bind_error;
}
inline int listen(Socket&, int, const Td&) {
  rec("listen");
  return fake()->listen_error;
}
inline int connect(Socket& so, const SockAddr&, const Td&) {
  rec("connect");
  if (fake()->connect_error) return fake()->connect_error;
  if (fake()->connect_completes) soisconnected(so);
  else soisconnecting(so);
  return 0;
}
inline int disconnect(Socket& so) {
  rec("disconnect");
  soisdisconnected(so);
  return 0;
}
inline int send(Socket&, int flags, mbuf* m, const SockAddr*, mbuf* control, const Td&) {
  int len = m ? m_length(m) : 0;
  std::string data(size_t(len), '\0');
  if (len) m_copydata(m, 0, len, data.data());
  rec("send:" + std::to_string(len) + (control ? "+ctl" : ""));
  fake()->sent.push_back(data);
  fake()->send_flags.push_back(flags);
  m_freem(m);
  m_freem(control);
  return fake()->send_error;
}
inline int rcvd(Socket&, int) {
  rec("rcvd");
  return 0;
}
inline int shutdown(Socket& so) {
  rec("shutdown");
  socantsendmore(so);
  return 0;
}
inline void flush(Socket&, int how) { rec("flush:" + std::to_string(how)); }
inline void abort(Socket&) { rec("abort"); }
inline int accept(Socket&, SockAddr* nam) {
  rec("accept");
  nam->ss.ss_family = kFakeFamily;
  nam->len = sizeof(sa_family_t);
  return 0;
}
inline void close(Socket&) { rec("close"); }
inline void dispose(Socket&, mbuf*) { rec("dispose"); }
inline int sockaddr(Socket&, SockAddr* nam) {
  nam->ss.ss_family = kFakeFamily;
  nam->len = sizeof(sa_family_t);
  return 0;
}
}  // namespace fakepr

inline const PrUsrreqs& fake_usrreqs() {
  static const PrUsrreqs u = pru_with_defaults({
      .pru_abort = fakepr::abort,
      .pru_accept = fakepr::accept,
      .pru_attach = fakepr::attach,
      .pru_bind = fakepr::bind,
      .pru_connect = fakepr::connect,
      .pru_connect2 = nullptr,
      .pru_detach = fakepr::detach,
      .pru_disconnect = fakepr::disconnect,
      .pru_listen = fakepr::listen,
      .pru_peeraddr = fakepr::sockaddr,
      .pru_rcvd = fakepr::rcvd,
      .pru_send = fakepr::send,
      .pru_shutdown = fakepr::shutdown,
      .pru_sockaddr = fakepr::sockaddr,
      .pru_close = fakepr::close,
      .pru_dispose = fakepr::dispose,
      .pru_sendspace = nullptr,
      .pru_flush = fakepr::flush,
      .pru_rcvoob = nullptr,
      .pru_oobmark = nullptr,
      .pru_presend = nullptr,
  });
  return u;
}

inline Domain fake_domain{.dom_family = kFakeFamily, .dom_name = "fake", .dom_protosw = {}};
inline const Protosw fake_sw[] = {
    {.pr_type = SOCK_STREAM, .pr_domain = &fake_domain, .pr_protocol = 6,
     .pr_flags = PR_CONNREQUIRED | PR_WANTRCVD, .pr_ctloutput = nullptr, .pr_usrreqs = fake_usrreqs()},
    {.pr_type = SOCK_DGRAM, .pr_domain = &fake_domain, .pr_protocol = 17,
     .pr_flags = PR_ATOMIC | PR_ADDR, .pr_ctloutput = nullptr, .pr_usrreqs = fake_usrreqs()},
    // TCP-like: an unconnected send is EPIPE.
    {.pr_type = SOCK_SEQPACKET, .pr_domain = &fake_domain, .pr_protocol = 132,
     .pr_flags = PR_CONNREQUIRED | PR_NOTCONN_EPIPE, .pr_ctloutput = nullptr, .pr_usrreqs = fake_usrreqs()},
};

struct SockUpcalls : SocketUpcalls {
  int readable = 0, writable = 0, statechange = 0, freed = 0;
  void so_readable(Socket&) override { ++readable; }
  void so_writable(Socket&) override { ++writable; }
  void so_statechange(Socket&) override { ++statechange; }
  void so_freed(Socket&) override { ++freed; }
};

// A stack with the fake domain registered and the recorder installed.
struct FakeRig {
  FakeProto f;
  SockUpcalls up;
  Stack st{3};
  Td td{Ucred{10, 20, 30}, {}};
  FakeRig() {
    fake() = &f;
    fake_domain.dom_protosw = fake_sw;
    st.add_domain(&fake_domain);
    st.set_upcalls(&up);
  }
  ~FakeRig() { st.set_upcalls(nullptr); }
  Socket* sock(int type, int proto = 0) {
    Socket* so = nullptr;
    REQUIRE(socreate(st, kFakeFamily, &so, type, proto, td) == 0);
    return so;
  }
  Socket* connected() {
    Socket* so = sock(SOCK_STREAM);
    REQUIRE(soconnect(*so, SockAddr{}, td) == 0);
    return so;
  }
  static mbuf* data(const std::string& s) {
    return s.empty() ? m_gethdr(M_NOWAIT, MType::Data) : m_devget(s.data(), int(s.size()), M_NOWAIT, true);
  }
};

}  // namespace tunsock::test
