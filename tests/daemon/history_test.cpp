// Op::History: the daemon answers with every TCP control block's event
// ring and its 4-tuple as JSON (docs/ctl-json.md "history"), one socket's
// when sock_id names it, in pages that start at index a; the "tcp" logger's
// sink is in place from start-up.
#include <doctest/doctest.h>
#include <netinet/in.h>

#include <nlohmann/json.hpp>

#include "daemon/ctl_history.hpp"
#include "harness.hpp"
#include "kern/socket.hpp"
#include "netinet/in_var.hpp"
#include "netinet/tcp_var.hpp"

using namespace tunsock;
using namespace tunsock::test;
using nlohmann::json;

namespace {

SockAddr lo_addr(uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  SockAddr a;
  std::memcpy(&a.ss, &sin, sizeof sin);
  a.len = sizeof sin;
  return a;
}

// A loopback connection made inside the daemon's stack: the ids of the
// listener, the client and (once accepted) the server socket.
struct LoConn {
  uint64_t lis = 0, cli = 0, srv = 0;
};

LoConn make_connection(DaemonHarness& h, uint16_t port) {
  LoConn c;
  h.on_daemon([&] {
    h.daemon().tick();  // as the dispatcher does around stack work
    Stack& st = h.daemon().stack();
    Socket *l = nullptr, *s = nullptr;
    REQUIRE(socreate(st, AF_INET, &l, SOCK_STREAM, 0, Td{}) == 0);
    REQUIRE(sobind(*l, lo_addr(port), Td{}) == 0);
    REQUIRE(solisten(*l, 4, Td{}) == 0);
    REQUIRE(socreate(st, AF_INET, &s, SOCK_STREAM, 0, Td{}) == 0);
    REQUIRE(soconnect(*s, lo_addr(port), Td{}) == 0);
    c.lis = l->so_id;
    c.cli = s->so_id;
    h.daemon().run_pending();
    h.daemon().settle();
    return 0;
  });
  // The loopback delivers on the daemon's timer: wait, bounded, for the accept queue.
  for (int i = 0; i < 300 && !c.srv; ++i) {
    c.srv = h.on_daemon([&]() -> uint64_t {
      Socket* l = h.daemon().stack().find_socket(c.lis);
      if (!l || l->so_comp.empty()) return 0;
      Socket* so = soaccept_dequeue(*l);
      soaccept(*so, nullptr);
      return so->so_id;
    });
    if (!c.srv) wait_fd(-1, 0, 10);
  }
  return c;
}

const json* find_conn(const json& j, uint64_t id) {
  for (const json& c : j["connections"])
    if (c["sock_id"] == id) return &c;
  return nullptr;
}

}  // namespace

TEST_CASE("daemon: History answers every TCP connection's events with its 4-tuple") {
  DaemonHarness h;
  REQUIRE(h.started());
  const LoConn lc = make_connection(h, 7001);
  REQUIRE(lc.srv);
  Client c(h.path());
  auto r = c.call(ipc::Op::History);
  REQUIRE(r);
  REQUIRE(r->hdr.error == 0);
  const json j = json::parse(r->payload);
  CHECK(j["capacity"] == kTcpHistoryLen);
  CHECK(j["next"].is_null());
  CHECK(j["wall_offset_us"].get<int64_t>() > 0);
  const json* cli = find_conn(j, lc.cli);
  const json* srv = find_conn(j, lc.srv);
  const json* lis = find_conn(j, lc.lis);
  REQUIRE(cli);
  REQUIRE(srv);
  REQUIRE(lis);
  CHECK((*cli)["remote"]["addr"] == "127.0.0.1");
  CHECK((*cli)["remote"]["port"] == 7001);
  CHECK((*srv)["local"]["port"] == 7001);
  CHECK((*srv)["remote"]["port"] == (*cli)["local"]["port"]);
  CHECK((*cli)["state"] == "ESTABLISHED");
  CHECK((*lis)["state"] == "LISTEN");
  // The client's ring: SYN-SENT, the initial window, ESTABLISHED, in order.
  std::vector<std::string> seen;
  for (const json& e : (*cli)["events"]) {
    seen.push_back(e["kind"].get<std::string>() + (e.contains("to") ? " " + e["to"].get<std::string>() : ""));
    CHECK(!e["text"].get<std::string>().empty());
    CHECK(e["t_us"].get<int64_t>() >= 0);
  }
  REQUIRE(seen.size() >= 3);
  CHECK(seen[0] == "state SYN-SENT");
  CHECK(seen[1] == "cwnd");
  CHECK(seen[2] == "state ESTABLISHED");
  CHECK((*cli)["events"][1]["reason"] == "init");
  CHECK((*cli)["events"][1]["cwnd"] == 10 * (*cli)["mss"].get<uint32_t>());

  // One socket by its id.
  auto one = c.call(ipc::Op::History, lc.srv);
  REQUIRE(one);
  const json j1 = json::parse(one->payload);
  REQUIRE(j1["connections"].size() == 1);
  CHECK(j1["connections"][0]["sock_id"] == lc.srv);
  bool established = false;
  for (const json& e : j1["connections"][0]["events"]) established |= e.value("to", "") == "ESTABLISHED";
  CHECK(established);

  // A page from index 1 leaves out the first control block (the listener,
  // made first); a negative index is EINVAL.
  auto page = c.call(ipc::Op::History, 0, 1);
  REQUIRE(page);
  const json jp = json::parse(page->payload);
  CHECK(jp["connections"].size() == j["connections"].size() - 1);
  CHECK(!find_conn(jp, lc.lis));
  auto bad = c.call(ipc::Op::History, 0, -1);
  REQUIRE(bad);
  CHECK(bad->hdr.error == EINVAL);
}

TEST_CASE("daemon: history pages stay within the record and name where the next starts") {
  DaemonHarness h;
  REQUIRE(h.started());
  for (uint16_t p = 7100; p < 7104; ++p) REQUIRE(make_connection(h, p).srv);
  // Twelve control blocks (four listeners, four pairs); a page of ~one.
  const std::string s = h.on_daemon([&] { return daemon::history_json(h.daemon().stack(), 0, 0, 600); });
  const json j = json::parse(s);
  REQUIRE(j["connections"].size() == 1);  // at least one, even when it alone is larger
  REQUIRE(j["next"] == 1);
  size_t total = 0, from = 0;
  for (int guard = 0; guard < 100; ++guard) {
    const json jp = json::parse(h.on_daemon([&] { return daemon::history_json(h.daemon().stack(), 0, from, 4000); }));
    total += jp["connections"].size();
    if (jp["next"].is_null()) break;
    from = jp["next"].get<size_t>();
  }
  CHECK(total == 12);
}
