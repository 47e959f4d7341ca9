// The inet6 domain: its record, attaching it to a Stack, interface
// addresses and routes (connected prefixes and one default gateway), the
// path MTU cache (RFC 8201), and the `netstat -s -f inet6` text.
// FreeBSD: netinet6/in6_proto.c, in6.c (in6_update_ifa), in6_rmx.c,
// tcp_hostcache.c (the MTU part); Linux: ipv6/route.c (rt6_mtu_change,
// mtu_expires).
#include <netinet/in.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <cassert>
#include <cerrno>
#include <memory>

#include "netinet/in_var.hpp"
#include "netinet/tcp_var.hpp"
#include "netinet6/in6_var.hpp"

namespace tunsock {

namespace {

// UDP first: SOCK_DGRAM's default (protocol 0), as in the inet domain;
// UDP-Lite after it (RFC 3828). Both share inet's PCB lists (dual-stack).
const Domain& inet6domain() {
  static std::array<Protosw, 5> sw;
  static Domain dom;
  static bool init = false;
  if (!init) {
    init = true;
    dom.dom_family = AF_INET6;
    dom.dom_name = "internet6";
    dom.dom_ifinput = ip6_ifinput;
    constexpr uint32_t kUdpFlags = PR_ATOMIC | PR_ADDR | PR_CONTROL | PR_SENDNOADDR | PR_BIGDGRAM | PR_OOBIGNORE |
                                   PR_SHUTENOTCONN;
    sw[0] = Protosw{.pr_type = SOCK_DGRAM, .pr_domain = &dom, .pr_protocol = IPPROTO_UDP, .pr_flags = kUdpFlags,
                    .pr_ctloutput = in6_ctloutput, .pr_usrreqs = pru_with_defaults(udp_usrreqs())};
    sw[1] = Protosw{.pr_type = SOCK_DGRAM, .pr_domain = &dom, .pr_protocol = IPPROTO_ICMPV6,
                    .pr_flags = PR_ATOMIC | PR_ADDR | PR_CONTROL | PR_SHUTENOTCONN, .pr_ctloutput = icmp6_ctloutput,
                    .pr_usrreqs = pru_with_defaults(ping6_usrreqs())};
    sw[2] = Protosw{.pr_type = SOCK_RAW, .pr_domain = &dom, .pr_protocol = IPPROTO_ICMPV6,
                    .pr_flags = PR_ATOMIC | PR_ADDR | PR_CONTROL | PR_SHUTENOTCONN, .pr_ctloutput = icmp6_ctloutput,
                    .pr_usrreqs = pru_with_defaults(rip6_usrreqs())};
    sw[3] = Protosw{.pr_type = SOCK_DGRAM, .pr_domain = &dom, .pr_protocol = IPPROTO_UDPLITE, .pr_flags = kUdpFlags,
                    .pr_ctloutput = in6_ctloutput, .pr_usrreqs = pru_with_defaults(udplite_usrreqs())};
    // TCP: the one implementation of both families (tcp_usrreq.cpp), inet's flags.
    sw[4] = Protosw{.pr_type = SOCK_STREAM, .pr_domain = &dom, .pr_protocol = IPPROTO_TCP,
                    .pr_flags = PR_CONNREQUIRED | PR_WANTRCVD | PR_NOTCONN_EPIPE | PR_SHUTENOTCONN,
                    .pr_ctloutput = tcp_ctloutput, .pr_usrreqs = pru_with_defaults(tcp_usrreqs())};
    dom.dom_protosw = std::span<const Protosw>(sw.data(), sw.size());
  }
  return dom;
}

void add_route(Inet6& in6, const Route6& r) {
  // Longest prefix first, so the first match wins (rt6_lookup).
  auto it = in6.routes.begin();
  while (it != in6.routes.end() && it->plen >= r.plen) ++it;
  in6.routes.insert(it, r);
}

}  // namespace

Inet6* inet6_of(Stack& st) { return static_cast<Inet6*>(st.domain_state(AF_INET6)); }

Inet6& inet6(Stack& st) {
  Inet6* in6 = inet6_of(st);
  assert(in6);
  return *in6;
}

Inet6& inet6_attach(Stack& st) {
  if (Inet6* in6 = inet6_of(st)) return *in6;
  auto state = std::make_shared<Inet6>(st);
  Inet6* in6 = state.get();
  st.set_domain_state(AF_INET6, state);
  st.add_domain(&inet6domain());
  in6->frag_id = st.rng().next_u32();
  ip6_protox_register(*in6, wire::IPPROTO_ICMPV6_, {icmp6_input, icmp6_ctlinput});
  ip6_protox_register(*in6, IPPROTO_UDP, {udp6_input, udp6_ctlinput});
  ip6_protox_register(*in6, IPPROTO_UDPLITE, {udplite6_input, udplite6_ctlinput});
  ip6_protox_register(*in6, IPPROTO_TCP, {tcp6_input, tcp6_ctlinput});
  In6 one{};
  one[15] = 1;
  in6_add_address(loif_attach(st), one, 128);
  return *in6;
}

int in6_add_address(ifnet& ifp, const In6Addr& addr, int plen) {
  if (plen < 0 || plen > 128 || !ifp.if_stack) return EINVAL;
  if (wire::in6_is_multicast(addr) || wire::in6_is_unspecified(addr)) return EINVAL;
  Inet6& in6 = inet6_attach(*ifp.if_stack);
  if (in6_addr_ifp(in6, addr)) return EEXIST;
  ifp.if_addrs6.push_back(In6Ifaddr{addr, plen, IN6_IFF_NODAD});
  add_route(in6, Route6{wire::in6_mask(addr, plen), plen, {}, &ifp});
  // Linux addrconf_add_mroute: an interface with IPv6 (not lo) takes the
  // multicast prefix ff00::/8, so a group without an interface (a join on
  // interface 0, a send without IPV6_MULTICAST_IF) goes by the first such
  // interface rather than the default gateway.
  if (!(ifp.if_flags & IFF_LOOPBACK)) {
    const In6 mc = wire::in6_mask(In6{0xff}, 8);
    const bool have = std::any_of(in6.routes.begin(), in6.routes.end(),
                                  [&](const Route6& r) { return r.plen == 8 && r.dst == mc && r.ifp == &ifp; });
    if (!have) add_route(in6, Route6{mc, 8, {}, &ifp});
  }
  return 0;
}

int route6_set_default(Stack& st, const In6Addr& gw) {
  Inet6& in6 = inet6_attach(st);
  if (wire::in6_is_unspecified(gw)) {
    in6.defrt = Route6{};
    return 0;
  }
  const Route6* r = nullptr;
  for (const Route6& c : in6.routes)
    if (wire::in6_prefix_match(gw, c.dst, c.plen) && !(c.ifp->if_flags & IFF_LOOPBACK)) {
      r = &c;
      break;
    }
  if (!r) return ENETUNREACH;
  in6.defrt = Route6{{}, 0, gw, r->ifp};
  return 0;
}

const Route6* rt6_lookup(const Inet6& in6, const In6& dst) {
  for (const Route6& r : in6.routes)
    if (wire::in6_prefix_match(dst, r.dst, r.plen)) return &r;
  if (!wire::in6_is_unspecified(in6.defrt.gateway)) return &in6.defrt;
  return nullptr;
}

// --- path MTU (RFC 8201) ---

uint32_t ip6_pmtu(const Inet6& in6, const In6& dst) {
  const ifnet* ifp = in6_out_ifp(in6, dst);
  if (!ifp) return 0;
  uint32_t mtu = std::min<uint32_t>(ifp->if_mtu, 65535);
  auto it = in6.pmtu.find(dst);
  if (it != in6.pmtu.end() && in6.st.now() < it->second.expires) mtu = std::min(mtu, it->second.mtu);
  return mtu;
}

void ip6_pmtu_update(Inet6& in6, const In6& dst, uint32_t mtu) {
  // RFC 8201 §4: a Packet Too Big below the IPv6 minimum link MTU is
  // discarded (RFC 2460 took it as 1280 plus atomic fragments, which RFC
  // 8021 retired; Linux __ip6_rt_update_pmtu returns early as well), and
  // none raises the estimate.
  if (mtu < wire::kIp6MinMtu) return;
  const uint32_t cur = ip6_pmtu(in6, dst);
  if (cur == 0 || mtu >= cur) return;
  if (in6.pmtu.size() >= 4096) {
    const Time now = in6.st.now();
    std::erase_if(in6.pmtu, [now](const auto& kv) { return now >= kv.second.expires; });
    if (in6.pmtu.size() >= 4096) in6.pmtu.erase(in6.pmtu.begin());
  }
  in6.pmtu[dst] = Pmtu6Entry{mtu, in6.st.now() + in6.mtu_expires};
  in6.icmp6stat.pmtuchg++;
}

std::string inet6_stats_text(Stack& st) {
  Inet6* in6 = inet6_of(st);
  if (!in6) return "";
  const Ip6Stat& i = in6->ip6stat;
  const Icmp6Stat& c = in6->icmp6stat;
  auto l = [](uint64_t n, const char* what) { return "\t" + std::to_string(n) + " " + what + "\n"; };
  std::string s = "ip6:\n";
  s += l(i.total, "total packets received");
  s += l(i.tooshort, "with size smaller than minimum");
  s += l(i.badlen, "with data size < data length");
  s += l(i.badaddr, "with a bad source or destination address");
  s += l(i.badoptions, "with bad options or extension headers");
  s += l(i.fragments, "fragments received");
  s += l(i.fragdropped, "fragments dropped (dup or out of space)");
  s += l(i.fragoverlap, "datagrams dropped for overlapping fragments");
  s += l(i.fragtimeout, "fragments dropped after timeout");
  s += l(i.atomicfrags, "atomic fragments processed whole");
  s += l(i.reassembled, "packets reassembled ok");
  s += l(i.delivered, "packets for this host");
  s += l(i.noproto, "packets for unknown/unsupported protocol");
  s += l(i.notforus, "packets not for this host (not forwarded)");
  s += l(i.localout, "packets sent from this host");
  s += l(i.noroute, "output packets discarded due to no route");
  s += l(i.fragmented, "output datagrams fragmented");
  s += l(i.ofragments, "fragments created");
  s += l(i.cantfrag, "datagrams that can't be fragmented");
  s += "icmp6:\n";
  s += l(c.inmsgs, "messages received");
  s += l(c.tooshort, "messages with bad length");
  s += l(c.checksum, "bad checksums");
  s += l(c.inecho, "echo requests received");
  s += l(c.inerrors, "error messages received");
  s += l(c.inerrors_delivered, "errors delivered to protocols");
  s += l(c.outmsgs, "messages sent");
  s += l(c.outechoreply, "echo replies sent");
  s += l(c.outerrors, "error messages sent");
  s += l(c.ratelimited, "errors not sent due to rate limit");
  s += l(c.olderr, "errors not generated in response to an icmp6 error");
  s += l(c.omcast, "errors not generated in response to a multicast or unspecified source");
  s += l(c.pmtuchg, "path MTU changes");
  if (const Inet* in = inet_of(st)) {  // UDP and UDP-Lite over IPv6 (udp_usrreq.cpp)
    for (const auto& [name, u] : {std::pair{"udp6:\n", &in->udp6stat}, std::pair{"udplite6:\n", &in->udplite6stat}}) {
      s += name;
      s += l(u->ipackets, "datagrams received");
      s += l(u->hdrops, "with incomplete header");
      s += l(u->badlen, "with bad data length field");
      s += l(u->badcov, "with bad checksum coverage");
      s += l(u->badsum, "with bad checksum");
      s += l(u->nosum, "with no checksum (dropped)");
      s += l(u->shortcov, "with less coverage than the socket's minimum");
      s += l(u->noport, "dropped due to no socket");
      s += l(u->noportbcast, "multicast datagrams undelivered");
      s += l(u->fullsock, "dropped due to full socket buffers");
      s += l(u->opackets, "datagrams output");
    }
  }
  return s;
}

}  // namespace tunsock
