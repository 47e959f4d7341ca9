// The Stack context: callouts on virtual time, per-domain state that
// outlives the sockets, the socket registry.
#include <algorithm>

#include "kern/fake_proto.hpp"
#include "local/uipc_usrreq.hpp"

using namespace tunsock;
using namespace tunsock::test;
using std::chrono::milliseconds;

TEST_CASE("kern: callouts fire in time order from poll") {
  Stack st;
  std::vector<int> fired;
  CHECK(st.next_deadline() == Time::max());
  auto a = st.callout_reset(milliseconds(30), [&] { fired.push_back(30); });
  auto b = st.callout_reset(milliseconds(10), [&] { fired.push_back(10); });
  auto c = st.callout_reset(milliseconds(20), [&] { fired.push_back(20); });
  CHECK(a != 0);
  CHECK(a != b);
  CHECK(st.callouts_pending() == 3);
  CHECK(st.next_deadline() == milliseconds(10));
  CHECK(st.callout_stop(c));
  CHECK(!st.callout_stop(c));
  st.poll(milliseconds(15));
  CHECK(fired == std::vector<int>{10});
  CHECK(st.now() == milliseconds(15));
  CHECK(!st.callout_stop(b));  // fired already
  st.poll(milliseconds(5));    // time never goes back
  CHECK(st.now() == milliseconds(15));
  st.poll(milliseconds(30));
  CHECK(fired == std::vector<int>{10, 30});
  CHECK(st.callouts_pending() == 0);
}

TEST_CASE("kern: a callout may reset another from poll") {
  Stack st;
  int n = 0;
  std::function<void()> tick = [&] {
    if (++n < 3) st.callout_reset(st.now() + milliseconds(1), tick);
  };
  st.callout_reset(milliseconds(1), tick);
  st.poll(milliseconds(100));
  CHECK(n == 1);  // re-armed relative to the poll time: due at 101 ms
  st.poll(milliseconds(101));
  CHECK(n == 2);
}

TEST_CASE("kern: per-domain state set, get, clear") {
  Stack st;
  CHECK(st.domain_state(AF_INET) == nullptr);
  auto p = std::make_shared<int>(5);
  st.set_domain_state(AF_INET, p);
  CHECK(st.domain_state(AF_INET) == p.get());
  CHECK(st.domain_state(AF_INET6) == nullptr);
  st.set_domain_state(AF_INET, nullptr);
  CHECK(st.domain_state(AF_INET) == nullptr);
}

TEST_CASE("kern: domain state outlives the sockets ~Stack closes") {
  FakeProto f;
  fake() = &f;
  fake_domain.dom_protosw = fake_sw;
  std::weak_ptr<int> watch;
  {
    Stack st;
    st.add_domain(&fake_domain);
    auto state = std::make_shared<int>(1);
    watch = state;
    st.set_domain_state(kFakeFamily, std::move(state));
    Socket* so = nullptr;
    REQUIRE(socreate(st, kFakeFamily, &so, SOCK_STREAM, 0, Td{}) == 0);
    REQUIRE(socreate(st, kFakeFamily, &so, SOCK_DGRAM, 0, Td{}) == 0);
  }
  CHECK(f.count("detach") == 2);
  CHECK(f.detach_saw_state);
  CHECK(watch.expired());
}

TEST_CASE("kern: pffinddomain, pffindtype, pffindproto") {
  FakeProto f;
  fake() = &f;
  fake_domain.dom_protosw = fake_sw;
  Stack st;
  CHECK(pffinddomain(st, kFakeFamily) == nullptr);
  st.add_domain(&fake_domain);
  CHECK(pffinddomain(st, kFakeFamily) == &fake_domain);
  CHECK(pffinddomain(st, AF_UNIX) == nullptr);  // a domain is there once attached
  local_attach(st);
  local_attach(st);  // idempotent: registered once
  CHECK(pffinddomain(st, AF_UNIX) == &localdomain);
  CHECK(std::count(st.domains().begin(), st.domains().end(), &localdomain) == 1);
  CHECK(pffindtype(st, kFakeFamily, SOCK_DGRAM) == &fake_sw[1]);
  CHECK(pffindtype(st, kFakeFamily, SOCK_RAW) == nullptr);
  CHECK(pffindproto(st, kFakeFamily, 0, SOCK_STREAM) == &fake_sw[0]);
  CHECK(pffindproto(st, kFakeFamily, 6, SOCK_STREAM) == &fake_sw[0]);
  CHECK(pffindproto(st, kFakeFamily, 17, SOCK_STREAM) == nullptr);
  CHECK(pffindproto(st, kFakeFamily, 17, SOCK_DGRAM) == &fake_sw[1]);
  CHECK(pffindproto(st, AF_UNIX, PF_UNIX, SOCK_SEQPACKET) != nullptr);
  CHECK(pffindproto(st, 99, 0, SOCK_STREAM) == nullptr);
}
