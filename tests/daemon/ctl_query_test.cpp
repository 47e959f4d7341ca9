// Op::CtlQuery (stack/daemon/ctl_query.*): the socket table with ss's
// states, queues (bytes held in the channels included), peers and the
// processes holding each socket; paging; the counters, mbufs and
// interfaces; EINVAL for an unknown query.
#include <doctest/doctest.h>
#include <arpa/inet.h>
#include <sys/un.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "daemon/ctl_query.hpp"
#include "netinet/in_var.hpp"
#include "harness.hpp"
#include "local_rig.hpp"

using namespace tunsock;
using namespace tunsock::test;
using nlohmann::json;

namespace {

struct Rig : LocalRig {
  json query(int what, int64_t after = 0, int64_t* next = nullptr) {
    auto r = c.call(ipc::Op::CtlQuery, 0, what, 0, 0, nullptr, 0, {}, {}, after);
    REQUIRE(r);
    REQUIRE(r->hdr.error == 0);
    if (next) *next = r->hdr.value;
    return json::parse(r->payload);
  }
  json sock(uint64_t id) {
    const json all = query(ipc::kCtlSockets);
    for (const json& s : all["sockets"])
      if (s["id"] == id) return s;
    return nullptr;
  }
};

std::string unique(const char* what) { return std::string("tunsockd-ctl.") + what + "." + std::to_string(::getpid()); }

bool holds(const json& s, int fd) {
  for (const json& u : s["users"])
    if (u["pid"] == ::getpid() && u["fd"] == fd) return true;
  return false;
}

}  // namespace

TEST_CASE("daemon: CtlQuery lists sockets with ss's states, queues, peers and holders") {
  Rig r;
  REQUIRE(r.h.started());
  const std::string name = unique("ss");
  uint64_t lid = 0, cid = 0, aid = 0;
  int lfd = r.socket(SOCK_STREAM, &lid);
  REQUIRE(lfd >= 0);
  REQUIRE(r.bind(lid, name) == 0);
  REQUIRE(r.listen(lid, 5, lfd) == lfd);
  int cfd = r.socket(SOCK_STREAM, &cid);
  REQUIRE(cfd >= 0);
  const int ce = r.connect(cid, name, cfd);
  REQUIRE((ce == 0 || ce == EINPROGRESS));
  int afd = r.accept(lfd, &aid);
  REQUIRE(afd >= 0);
  REQUIRE(::write(cfd, "hello", 5) == 5);

  json l = r.sock(lid);
  REQUIRE(l.is_object());
  CHECK(l["netid"] == "u_str");
  CHECK(l["state"] == "LISTEN");
  CHECK(l["send_q"] == 5);  // the backlog, as ss shows a listener's Send-Q
  CHECK(l["recv_q"] == 0);
  CHECK(l["local"]["path"] == "@" + name);
  CHECK(holds(l, lfd));
  CHECK(l["ino"].get<uint64_t>() != 0);

  // The 5 bytes pass the stack into the accepted socket's channel, unread:
  // its Recv-Q (bounded wait for the daemon's pump).
  json a;
  for (int i = 0; i < 300; ++i) {
    a = r.sock(aid);
    if (a.is_object() && a["recv_q"] == 5) break;
    ::usleep(10000);
  }
  REQUIRE(a.is_object());
  CHECK(a["state"] == "ESTAB");
  CHECK(a["recv_q"] == 5);
  CHECK(a["send_q"] == 0);
  CHECK(holds(a, afd));
  json c = r.sock(cid);
  CHECK(c["state"] == "ESTAB");
  CHECK(c["peer_id"] == aid);
  CHECK(a["peer_id"] == cid);
  CHECK(holds(c, cfd));
  CHECK(c["ino"] != a["ino"]);
  CHECK(c["skmem"]["rb"].get<uint64_t>() > 0);
  CHECK_FALSE(c.contains("tcp_info"));  // unix: no tcp_info
  // ss -e's shutdown arrows: the client shuts down writing.
  REQUIRE(r.c.call(ipc::Op::Shutdown, cid, SHUT_WR));
  CHECK(r.sock(cid)["shut_wr"] == true);
  ::close(afd);
  ::close(cfd);
  ::close(lfd);
}

TEST_CASE("daemon: CtlQuery pages a long socket table") {
  Rig r;
  REQUIRE(r.h.started());
  std::vector<int> fds;
  std::vector<uint64_t> ids;
  for (int i = 0; i < 40; ++i) {
    uint64_t id = 0;
    int fd = r.socket(SOCK_DGRAM, &id);
    REQUIRE(fd >= 0);
    fds.push_back(fd);
    ids.push_back(id);
  }
  // A page of at most 2000 bytes: several pages, each socket once, in order.
  std::vector<uint64_t> seen;
  uint64_t after = 0;
  int pages = 0;
  for (; pages < 100; ++pages) {
    uint64_t next = 0;
    json j = r.h.on_daemon([&] { return daemon::ctl_sockets(r.h.daemon(), after, 2000, &next); });
    for (const json& s : j["sockets"]) seen.push_back(s["id"]);
    if (!next) break;
    CHECK(next > after);
    after = next;
  }
  CHECK(pages > 1);
  CHECK(seen == ids);
  // Over the protocol: one page holds them all here (the page is 96 KiB).
  int64_t next = -1;
  json j = r.query(ipc::kCtlSockets, 0, &next);
  CHECK(next == 0);
  CHECK(j["sockets"].size() == ids.size());
  CHECK(j["sockets"][0]["state"] == "UNCONN");
  CHECK(j["sockets"][0]["netid"] == "u_dgr");
  for (int fd : fds) ::close(fd);
}

TEST_CASE("daemon: CtlQuery answers counters, mbufs and interfaces, EINVAL otherwise") {
  Rig r;
  REQUIRE(r.h.started());
  json c = r.query(ipc::kCtlCounters);
  for (const char* k : {"ip", "icmp", "udp", "tcp", "local", "sockets"}) CHECK_MESSAGE(c.contains(k), k);
  CHECK(c["ip"].contains("badsum"));
  CHECK(c["tcp"].contains("rcvbadsum"));
  CHECK(c["tcp"].contains("rcvbadaddr"));  // IPv6 segments with a multicast or mapped address
  CHECK(c["udp"].contains("noport"));
  CHECK(c["sockets"]["created"].get<uint64_t>() == 0);
  uint64_t id = 0;
  int fd = r.socket(SOCK_DGRAM, &id);
  REQUIRE(fd >= 0);
  CHECK(r.query(ipc::kCtlCounters)["sockets"]["created"] == 1);
  json m = r.query(ipc::kCtlMbufs);
  CHECK(m["mbuf_size"].get<uint64_t>() > 0);
  CHECK(m.contains("clusters_pooled"));
  json i = r.query(ipc::kCtlInterfaces);
  REQUIRE(i["interfaces"].is_array());
  REQUIRE_FALSE(i["interfaces"].empty());
  CHECK(i["interfaces"][0]["name"] == "lo");
  CHECK(i["interfaces"][0]["addrs"][0] == "127.0.0.1/8");
  CHECK(i["interfaces"][0]["stats"].contains("rx_dropped"));
  auto bad = r.c.call(ipc::Op::CtlQuery, 0, 99);
  REQUIRE(bad);
  CHECK(bad->hdr.error == EINVAL);
  ::close(fd);
}

// The addresses tunsockctl ss and history show for an inet6 PCB (issue 8
// item 6): the IPv6 address, ::ffff:a.b.c.d when the IPv4 path carries the
// socket, and Linux's IPv6-only flag (V6ONLY, or bound to a non-mapped
// address) that decides ss's "*" or "[::]" for a wildcard.
TEST_CASE("daemon: inet6 PCB addresses as text, v4-mapped, and Linux's ipv6-only rule") {
  auto in6 = [](const char* s) {
    wire::In6 a{};
    REQUIRE(::inet_pton(AF_INET6, s, a.data()) == 1);
    return a;
  };
  InPcb v4;
  v4.inp_laddr = 0xc6120002;  // 198.18.0.2
  v4.inp_faddr = 0xc6120001;
  CHECK(daemon::inp_addr_text(v4, false) == "198.18.0.2");
  CHECK(daemon::inp_addr_text(v4, true) == "198.18.0.1");
  CHECK_FALSE(daemon::inp_v6only(v4));

  InPcb any;  // bind(::) without V6ONLY: both families
  any.inp_family = AF_INET6;
  any.inp_vflag = INP_IPV4 | INP_IPV6;
  CHECK(daemon::inp_addr_text(any, false) == "::");
  CHECK(daemon::inp_addr_text(any, true) == "::");
  CHECK_FALSE(daemon::inp_v6only(any));
  any.in6p.v6only = true;  // IPV6_V6ONLY: ss's [::]
  CHECK(daemon::inp_v6only(any));

  InPcb six;  // bound and connected over IPv6
  six.inp_family = AF_INET6;
  six.inp_vflag = INP_IPV6;
  six.in6p_laddr = in6("2001:db8::2");
  six.in6p_faddr = in6("2001:db8::1");
  CHECK(daemon::inp_addr_text(six, false) == "2001:db8::2");
  CHECK(daemon::inp_addr_text(six, true) == "2001:db8::1");
  CHECK(daemon::inp_v6only(six));  // Linux sets sk_ipv6only on such a bind

  InPcb mapped;  // an accepted IPv4 connection on a dual-stack listener
  mapped.inp_family = AF_INET6;
  mapped.inp_vflag = INP_IPV4;
  mapped.inp_laddr = 0xc6120002;
  mapped.inp_faddr = 0xc6120001;
  CHECK(daemon::inp_addr_text(mapped, false) == "::ffff:198.18.0.2");
  CHECK(daemon::inp_addr_text(mapped, true) == "::ffff:198.18.0.1");
  CHECK_FALSE(daemon::inp_v6only(mapped));
}
