// IP input dispatch by table (ip_protox): a protocol registered by number
// gets its datagrams and the ICMP errors quoting its datagrams; a number
// nobody registered draws protocol unreachable; registering replaces.
#include "netinet/inet_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

constexpr uint8_t kExp = 253;  // RFC 3692 experimental protocol number

// What the fake protocol saw (the hooks are plain function pointers).
struct Seen {
  std::vector<Pkt> input;
  std::vector<uint8_t> input_proto;
  std::vector<std::tuple<uint8_t, uint8_t, uint32_t, uint32_t, Pkt>> ctl;  // type, code, rest, offender, quoted
};
Seen g_seen;

void exp_input(Inet&, mbuf* m, const wire::Ipv4Repr& ip) {
  g_seen.input.push_back(flat(m));
  g_seen.input_proto.push_back(ip.proto);
  m_freem(m);
}

void exp_ctlinput(Inet&, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> q) {
  g_seen.ctl.emplace_back(ic.type, ic.code, ic.rest, offender, Pkt(q.begin(), q.end()));
}

}  // namespace

TEST_CASE("protox: a registered protocol gets its datagrams, header in front") {
  g_seen = {};
  Host h;
  ip_protox_register(h.in(), kExp, {exp_input, exp_ctlinput});
  Pkt p = ip_pkt(kPeer, kUs, kExp, bytes_of("payload"));
  h.inject(p);
  REQUIRE(g_seen.input.size() == 1);
  CHECK(g_seen.input[0] == p);
  CHECK(g_seen.input_proto[0] == kExp);
  CHECK(h.in().ipstat.delivered == 1);
  CHECK(h.in().ipstat.noproto == 0);
  CHECK(h.out.empty());
}

TEST_CASE("protox: an unregistered protocol draws protocol unreachable and counts noproto") {
  g_seen = {};
  Host h;
  Pkt p = ip_pkt(kPeer, kUs, kExp, bytes_of("payload"));
  h.inject(p);
  CHECK(g_seen.input.empty());
  CHECK(h.in().ipstat.noproto == 1);
  CHECK(h.in().ipstat.delivered == 0);
  REQUIRE(h.out.size() == 1);
  Pkt got = h.take();
  uint16_t id = wire::get16(&got[4]);
  CHECK(got == ip_pkt(kUs, kPeer, 1, icmp_msg(3, 2, 0, p), 64, id, 0, 0xc0));
}

TEST_CASE("protox: an ICMP error quoting our datagram reaches that protocol's pr_ctlinput") {
  g_seen = {};
  Host h;
  ip_protox_register(h.in(), kExp, {exp_input, exp_ctlinput});
  Pkt sent = ip_pkt(kUs, kFar, kExp, bytes_of("12345678abcd"));
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 1, 0, sent)));  // host unreachable from the gateway
  REQUIRE(g_seen.ctl.size() == 1);
  auto& [type, code, rest, offender, quoted] = g_seen.ctl[0];
  CHECK(type == 3);
  CHECK(code == 1);
  CHECK(rest == 0);
  CHECK(offender == kPeer);
  CHECK(quoted == sent);
  CHECK(g_seen.input.empty());
  // Time exceeded too; a protocol without pr_ctlinput is skipped quietly.
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(11, 0, 0, sent)));
  CHECK(g_seen.ctl.size() == 2);
  ip_protox_register(h.in(), kExp, {exp_input, nullptr});
  h.inject(ip_pkt(kPeer, kUs, 1, icmp_msg(3, 1, 0, sent)));
  CHECK(g_seen.ctl.size() == 2);
  CHECK(h.in().icmpstat.inunreach == 2);
}

TEST_CASE("protox: registering a number replaces its entry (UDP goes through the table)") {
  g_seen = {};
  Host h;
  Pkt p = udp_pkt(kPeer, 5353, kUs, 9, bytes_of("x"));
  h.inject(p);
  CHECK(h.out.size() == 1);  // the stack's UDP: port unreachable
  h.out.clear();
  ip_protox_register(h.in(), IPPROTO_UDP, {exp_input, exp_ctlinput});
  h.inject(p);
  CHECK(h.out.empty());
  REQUIRE(g_seen.input.size() == 1);
  CHECK(g_seen.input_proto[0] == IPPROTO_UDP);
  CHECK(h.in().udpstat.ipackets == 1);  // only the first went to udp_input
  // Unregistering makes it noproto.
  ip_protox_register(h.in(), IPPROTO_UDP, {});
  h.inject(p);
  CHECK(h.in().ipstat.noproto == 1);
  REQUIRE(h.out.size() == 1);
  CHECK(uint8_t(h.out[0][20]) == 3);
  CHECK(uint8_t(h.out[0][21]) == 2);
}

TEST_CASE("protox: inet_attach registers ICMP and UDP with both hooks") {
  Host h;
  CHECK((h.in().ip_protox[kExp].pr_input == nullptr));
  CHECK((h.in().ip_protox[IPPROTO_ICMP].pr_input == icmp_input));
  CHECK((h.in().ip_protox[IPPROTO_ICMP].pr_ctlinput == icmp_ctlinput));
  CHECK((h.in().ip_protox[IPPROTO_UDP].pr_input == udp_input));
  CHECK((h.in().ip_protox[IPPROTO_UDP].pr_ctlinput == udp_ctlinput));
}
