// SOL_IPV6 options of UDP sockets (ip6_ctloutput.cpp) with Linux's
// defaults, ranges and errnos (ipv6_sockglue.c), their effect on what is
// sent, the receive cmsgs (IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS, in
// ip6_datagram_recv_ctl's order), sendmsg's SOL_IPV6 control, SOL_IP on a
// dual-stack socket, and IPV6_JOIN_GROUP/LEAVE_GROUP.
#include "netinet6/udp6_fixture.hpp"

using namespace tunsock;
using namespace tunsock::test6;

TEST_CASE("udp6 opts: getsockopt defaults are Linux's") {
  Dual h;
  Socket* so = mk6(h.st);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_V6ONLY) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 64);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MULTICAST_HOPS) == 1);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MULTICAST_LOOP) == 1);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MULTICAST_IF) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_TCLASS) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVPKTINFO) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVHOPLIMIT) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVTCLASS) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVERR) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MTU_DISCOVER) == IPV6_PMTUDISC_WANT);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_DONTFRAG) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MTU) == -ENOTCONN);  // no route cached: unconnected
  CHECK(getint(*so, IPPROTO_IPV6, 4242) == -ENOPROTOOPT);
  CHECK(getint(*so, IPPROTO_TCP, 1) == -ENOPROTOOPT);        // a level not IPv6's
  CHECK(setint(*so, IPPROTO_IPV6, 4242, 1) == ENOPROTOOPT);
  REQUIRE(connect6(*so, sa6(kPeer, 9)) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MTU) == 1500);
  soclose(*so);
}

TEST_CASE("udp6 opts: setsockopt ranges and errnos") {
  Dual h;
  Socket* so = mk6(h.st);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 256) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -2) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9, 1) == EINVAL);  // needs a whole int
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 9) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 9);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS, -1) == 0);  // back to the route's
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS) == 64);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 256) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, -1) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MULTICAST_HOPS) == 1);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 2) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MULTICAST_LOOP) == 0);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_IF, 99) == ENODEV);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_IF, h.tun->if_index) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MULTICAST_IF) == h.tun->if_index);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_TCLASS, 256) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_TCLASS, -2) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_TCLASS, 0xb8) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_TCLASS) == 0xb8);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_TCLASS, -1) == 0);  // RFC 3542 §6.5: the default, 0
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_TCLASS) == 0);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MTU_DISCOVER, 6) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MTU_DISCOVER) == IPV6_PMTUDISC_DO);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MTU, 1279) == EINVAL);  // below the IPv6 minimum
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MTU, 1280) == 0);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_MTU, 0) == 0);
  for (int opt : {IPV6_RECVPKTINFO, IPV6_RECVHOPLIMIT, IPV6_RECVTCLASS, IPV6_RECVERR, IPV6_DONTFRAG}) {
    CAPTURE(opt);
    CHECK(setint(*so, IPPROTO_IPV6, opt, 5) == 0);
    CHECK(getint(*so, IPPROTO_IPV6, opt) == 1);
    CHECK(setint(*so, IPPROTO_IPV6, opt, 0) == 0);
    CHECK(getint(*so, IPPROTO_IPV6, opt) == 0);
    CHECK(setint(*so, IPPROTO_IPV6, opt, 1, 3) == EINVAL);
  }
  soclose(*so);
}

TEST_CASE("udp6 opts: hop limits and traffic class reach the wire (unicast and multicast)") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 7) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 5) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_TCLASS, 0x28) == 0);
  SockAddr to = sa6(kFar, 9);
  REQUIRE(send6(*so, bytes("u"), &to) == 0);
  Out6 o = h.take();
  CHECK(o.ip.hlim == 7);
  CHECK(o.ip.tclass == 0x28);
  SockAddr grp = sa6(kGroup, 9);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_IF, h.tun->if_index) == 0);
  REQUIRE(send6(*so, bytes("m"), &grp) == 0);
  o = h.take();
  CHECK(o.ip.hlim == 5);
  CHECK(o.ip.dst == kGroup);
  CHECK(o.ip.src == kUsLL);  // link-scope group: link-local source (RFC 6724 rule 2)
  soclose(*so);
}

TEST_CASE("udp6 opts: IPV6_RECVPKTINFO IPV6_RECVHOPLIMIT and IPV6_RECVTCLASS cmsgs in Linux's order") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4100)) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_RECVTCLASS, 1) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == 0);
  Pkt p = udp6_pkt(kPeer, 1, kUs, 4100, bytes("x"), 33);
  p[0] = std::byte(0x60 | (0x2c >> 4));  // traffic class 0x2c
  p[1] = std::byte((0x2c & 0xf) << 4);
  h.inject(p);
  Rcvd r = recv6(*so);
  REQUIRE(r.err == 0);
  REQUIRE(r.cmsgs.size() == 3);
  CHECK(r.cmsgs[0].level == IPPROTO_IPV6);
  CHECK(r.cmsgs[0].type == IPV6_PKTINFO);
  CHECK(r.cmsgs[1].type == IPV6_HOPLIMIT);
  CHECK(r.cmsgs[2].type == IPV6_TCLASS);
  auto pi = as<in6_pktinfo>(r.cmsgs[0].data);
  CHECK(std::memcmp(&pi.ipi6_addr, kUs.data(), 16) == 0);
  CHECK(int(pi.ipi6_ifindex) == h.tun->if_index);
  CHECK(as<int>(r.cmsgs[1].data) == 33);
  CHECK(as<int>(r.cmsgs[2].data) == 0x2c);
  soclose(*so);
}

TEST_CASE("udp6 opts: RFC 2292 IPV6_2292PKTINFO and IPV6_2292HOPLIMIT are flags of their own with their own cmsgs") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4102)) == 0);
  for (int opt : {IPV6_2292PKTINFO, IPV6_2292HOPLIMIT}) {
    CAPTURE(opt);
    CHECK(getint(*so, IPPROTO_IPV6, opt) == 0);
    CHECK(setint(*so, IPPROTO_IPV6, opt, 7) == 0);
    CHECK(getint(*so, IPPROTO_IPV6, opt) == 1);
  }
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVPKTINFO) == 0);  // not the RFC 3542 flag (Linux rxoinfo != rxinfo)
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVHOPLIMIT) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == 0);
  h.inject(udp6_pkt(kPeer, 1, kUs, 4102, bytes("x"), 21));
  Rcvd r = recv6(*so);
  REQUIRE(r.err == 0);
  REQUIRE(r.cmsgs.size() == 3);
  CHECK(r.cmsgs[0].type == IPV6_PKTINFO);
  CHECK(r.cmsgs[1].type == IPV6_2292PKTINFO);  // the RFC 2292 forms after the others
  CHECK(r.cmsgs[2].type == IPV6_2292HOPLIMIT);
  auto pi = as<in6_pktinfo>(r.cmsgs[1].data);
  CHECK(std::memcmp(&pi.ipi6_addr, kUs.data(), 16) == 0);
  CHECK(as<int>(r.cmsgs[2].data) == 21);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_2292PKTINFO, 0) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_2292PKTINFO) == 0);
  soclose(*so);
}

TEST_CASE("udp6 opts: an IPv4 datagram on a dual-stack socket gets IPV6_PKTINFO v4-mapped and the SOL_IP cmsgs") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4101)) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) == 0);  // IPv6 only: nothing for IPv4
  REQUIRE(setint(*so, SOL_IP, IP_RECVTTL, 1) == 0);               // a dual-stack socket's SOL_IP option
  h.inject(ip4_udp(kPeer4, 1, kUs4, 4101, bytes("v4")));
  Rcvd r = recv6(*so);
  REQUIRE(r.err == 0);
  REQUIRE(r.cmsgs.size() == 2);
  CHECK(r.cmsgs[0].level == IPPROTO_IPV6);
  CHECK(r.cmsgs[0].type == IPV6_PKTINFO);
  auto pi = as<in6_pktinfo>(r.cmsgs[0].data);
  In6 m = mapped(kUs4);
  CHECK(std::memcmp(&pi.ipi6_addr, m.data(), 16) == 0);
  CHECK(int(pi.ipi6_ifindex) == h.tun->if_index);
  CHECK(r.cmsgs[1].level == SOL_IP);
  CHECK(r.cmsgs[1].type == IP_TTL);
  CHECK(as<int>(r.cmsgs[1].data) == 64);
  soclose(*so);
}

TEST_CASE("udp6 opts: SOL_IP IP_TTL and IP_TOS of a dual-stack socket apply to its v4-mapped sends") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(setint(*so, SOL_IP, IP_TTL, 17) == 0);
  REQUIRE(setint(*so, SOL_IP, IP_TOS, 0x20) == 0);
  CHECK(getint(*so, SOL_IP, IP_TTL) == 17);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 3) == 0);  // IPv6's, not IPv4's
  SockAddr to = sa6(mapped(kPeer4), 9);
  REQUIRE(send6(*so, bytes("x"), &to) == 0);
  auto ip = take4(h);
  REQUIRE(ip);
  CHECK(ip->ttl == 17);
  CHECK(ip->tos == 0x20);
  soclose(*so);
}

TEST_CASE("udp6 opts: sendmsg IPV6_PKTINFO IPV6_HOPLIMIT IPV6_TCLASS and their errnos") {
  Dual h;
  Socket* so = mk6(h.st);
  SockAddr to = sa6(kPeer, 9);
  in6_pktinfo pi{};
  std::memcpy(&pi.ipi6_addr, kUsLL.data(), 16);
  pi.ipi6_ifindex = unsigned(h.tun->if_index);
  mbuf* c = cmsg(IPPROTO_IPV6, IPV6_PKTINFO, pi);
  c->m_next = cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, 9);
  c->m_next->m_next = cmsg(IPPROTO_IPV6, IPV6_TCLASS, 0x10);
  REQUIRE(send6(*so, bytes("x"), &to, c) == 0);
  Out6 o = h.take();
  CHECK(o.ip.src == kUsLL);
  CHECK(o.ip.hlim == 9);
  CHECK(o.ip.tclass == 0x10);
  in6_pktinfo notours{};
  std::memcpy(&notours.ipi6_addr, kPeer.data(), 16);
  CHECK(send6(*so, bytes("x"), &to, cmsg(IPPROTO_IPV6, IPV6_PKTINFO, notours)) == EINVAL);
  in6_pktinfo nodev{};
  nodev.ipi6_ifindex = 99;
  CHECK(send6(*so, bytes("x"), &to, cmsg(IPPROTO_IPV6, IPV6_PKTINFO, nodev)) == ENODEV);
  in6_pktinfo ll{};
  std::memcpy(&ll.ipi6_addr, kUsLL.data(), 16);
  CHECK(send6(*so, bytes("x"), &to, cmsg(IPPROTO_IPV6, IPV6_PKTINFO, ll)) == EINVAL);  // link-local needs an interface
  CHECK(send6(*so, bytes("x"), &to, cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, 256)) == EINVAL);
  CHECK(send6(*so, bytes("x"), &to, cmsg(IPPROTO_IPV6, IPV6_TCLASS, -2)) == EINVAL);
  CHECK(send6(*so, bytes("x"), &to, cmsg(IPPROTO_IPV6, IPV6_RECVERR, 1)) == EINVAL);  // not a send cmsg
  CHECK(h.out.empty());
  soclose(*so);
}

TEST_CASE("udp6 opts: IPV6_JOIN_GROUP and IPV6_LEAVE_GROUP errnos and what a member hears") {
  Dual h;
  Socket* member = mk6(h.st);
  Socket* plain = mk6(h.st);
  REQUIRE(setint(*member, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(setint(*plain, SOL_SOCKET, SO_REUSEADDR, 1) == 0);
  REQUIRE(bind6(*member, sa6(In6{}, 4102)) == 0);
  REQUIRE(bind6(*plain, sa6(In6{}, 4102)) == 0);
  auto mreq = [&](const In6& g, int idx) {
    ipv6_mreq m{};
    std::memcpy(&m.ipv6mr_multiaddr, g.data(), 16);
    m.ipv6mr_interface = unsigned(idx);
    return m;
  };
  auto mc = [&](Socket& so, int name, const ipv6_mreq& m, size_t len = sizeof(ipv6_mreq)) {
    Sockopt s;
    s.sopt_dir = SOPT_SET;
    s.sopt_level = IPPROTO_IPV6;
    s.sopt_name = name;
    ipv6_mreq v = m;
    s.sopt_val = &v;
    s.sopt_valsize = len;
    return sosetopt(so, s);
  };
  CHECK(mc(*member, IPV6_JOIN_GROUP, mreq(kPeer, 0)) == EINVAL);  // not multicast
  CHECK(mc(*member, IPV6_JOIN_GROUP, mreq(kGroup, 99)) == ENODEV);
  CHECK(mc(*member, IPV6_JOIN_GROUP, mreq(kGroup, h.tun->if_index), 8) == EINVAL);
  CHECK(mc(*member, IPV6_JOIN_GROUP, mreq(kGroup, h.tun->if_index)) == 0);
  CHECK(mc(*member, IPV6_JOIN_GROUP, mreq(kGroup, h.tun->if_index)) == EADDRINUSE);
  // A socket that joined a group hears only its groups; one that joined
  // none hears every group the host takes (here the all-nodes group).
  h.inject(udp6_pkt(kPeerLL, 1, kAllNodes, 4102, bytes("all")));
  CHECK(recv6(*member).err == EWOULDBLOCK);
  CHECK(recv6(*plain).data == bytes("all"));
  CHECK(mc(*member, IPV6_LEAVE_GROUP, mreq(kGroup, 0)) == 0);
  CHECK(mc(*member, IPV6_LEAVE_GROUP, mreq(kGroup, 0)) == EADDRNOTAVAIL);
  CHECK(mc(*member, IPV6_LEAVE_GROUP, mreq(kPeer, 0)) == EINVAL);
  h.inject(udp6_pkt(kPeerLL, 1, kAllNodes, 4102, bytes("all2")));
  CHECK(recv6(*member).data == bytes("all2"));
  CHECK(recv6(*plain).data == bytes("all2"));
  CHECK(h.out.empty());  // no port unreachable about a multicast datagram
  soclose(*member);
  soclose(*plain);
}

TEST_CASE("udp6 opts: a joined group is taken by the host on that interface and left with the last member") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4103)) == 0);
  h.inject(udp6_pkt(kPeerLL, 1, kGroup, 4103, bytes("before")));
  CHECK(h.s().notforus == 1);  // nobody joined ff02::1:2
  ipv6_mreq m{};
  std::memcpy(&m.ipv6mr_multiaddr, kGroup.data(), 16);
  m.ipv6mr_interface = unsigned(h.tun->if_index);
  Sockopt s;
  s.sopt_dir = SOPT_SET;
  s.sopt_level = IPPROTO_IPV6;
  s.sopt_name = IPV6_JOIN_GROUP;
  s.sopt_val = &m;
  s.sopt_valsize = sizeof m;
  REQUIRE(sosetopt(*so, s) == 0);
  CHECK(in6_mcast_host_member(h.st, kGroup, *h.tun));
  h.inject(udp6_pkt(kPeerLL, 1, kGroup, 4103, bytes("during")));
  Rcvd r = recv6(*so);
  CHECK(r.data == bytes("during"));
  CHECK(r.from_addr() == kPeerLL);
  CHECK(r.from6().sin6_scope_id == uint32_t(h.tun->if_index));  // a link-local peer names its interface
  soclose(*so);
  CHECK(!in6_mcast_host_member(h.st, kGroup, *h.tun));
  h.inject(udp6_pkt(kPeerLL, 1, kGroup, 4103, bytes("after")));
  CHECK(h.s().notforus == 2);
}

TEST_CASE("udp6 opts: interface 0 means the multicast route's interface (ff00::/8, no default route needed): join, a repeated join, leave") {
  Host6 h(1, 1500, false);  // no default route, as the daemon without --gateway
  inet_attach(h.st);
  CHECK(rt6_lookup(h.in6(), a6("2001:db9::1")) == nullptr);
  const Route6* r = rt6_lookup(h.in6(), a6("ff05::114"));
  REQUIRE(r);
  CHECK(r->ifp == h.tun);
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4104)) == 0);
  auto mc = [&](int name, const In6& g, int idx) {
    ipv6_mreq m{};
    std::memcpy(&m.ipv6mr_multiaddr, g.data(), 16);
    m.ipv6mr_interface = unsigned(idx);
    Sockopt s;
    s.sopt_dir = SOPT_SET;
    s.sopt_level = IPPROTO_IPV6;
    s.sopt_name = name;
    s.sopt_val = &m;
    s.sopt_valsize = sizeof m;
    return sosetopt(*so, s);
  };
  const In6 g = a6("ff02::1:3");
  CHECK(mc(IPV6_JOIN_GROUP, g, 0) == 0);
  CHECK(in6_mcast_host_member(h.st, g, *h.tun));
  CHECK(mc(IPV6_JOIN_GROUP, g, 0) == EADDRINUSE);
  CHECK(mc(IPV6_JOIN_GROUP, g, h.tun->if_index) == EADDRINUSE);  // the same interface, named
  CHECK(mc(IPV6_ADD_MEMBERSHIP, a6("ff05::114"), 0) == 0);
  h.inject(udp6_pkt(kPeerLL, 1, g, 4104, bytes("to the group")));
  CHECK(recv6(*so).data == bytes("to the group"));
  CHECK(mc(IPV6_LEAVE_GROUP, g, 0) == 0);  // 0 matches any interface (Linux ipv6_sock_mc_drop)
  CHECK(mc(IPV6_LEAVE_GROUP, g, 0) == EADDRNOTAVAIL);
  CHECK(!in6_mcast_host_member(h.st, g, *h.tun));
  CHECK(mc(IPV6_DROP_MEMBERSHIP, a6("ff05::114"), h.tun->if_index) == 0);
  // A send to a group without IPV6_MULTICAST_IF leaves by that interface too.
  SockAddr grp = sa6(g, 9);
  REQUIRE(send6(*so, bytes("m"), &grp) == 0);
  Out6 o = h.take();
  CHECK(o.ip.dst == g);
  CHECK(o.ip.src == kUsLL);
  soclose(*so);
}

TEST_CASE("udp6 opts: IPV6_PATHMTU reads the connected path's MTU - IPV6_RECVPATHMTU leaves a record for a send IPV6_DONTFRAG refused (Linux ipv6_local_rxpmtu)") {
  Dual h;
  Socket* so = mk6(h.st);
  auto pathmtu = [&](ip6_mtuinfo* mi, size_t len = sizeof(ip6_mtuinfo)) {
    std::memset(mi, 0x55, sizeof *mi);
    Sockopt s;
    s.sopt_dir = SOPT_GET;
    s.sopt_level = IPPROTO_IPV6;
    s.sopt_name = IPV6_PATHMTU;
    s.sopt_val = mi;
    s.sopt_valsize = len;
    const int e = sogetopt(*so, s);
    if (!e) CHECK(s.sopt_valsize == sizeof(ip6_mtuinfo));
    return e;
  };
  ip6_mtuinfo mi;
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVPATHMTU) == 0);
  CHECK(pathmtu(&mi) == ENOTCONN);
  CHECK(pathmtu(&mi, sizeof mi - 1) == EINVAL);
  CHECK(setint(*so, IPPROTO_IPV6, IPV6_PATHMTU, 1) == ENOPROTOOPT);  // read only
  REQUIRE(connect6(*so, sa6(kPeer, 9)) == 0);
  REQUIRE(pathmtu(&mi) == 0);
  CHECK(mi.ip6m_mtu == 1500);
  CHECK(mi.ip6m_addr.sin6_family == 0);  // Linux leaves the address zero
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MTU) == 1500);
  const Pkt big(1500, std::byte{'b'});
  // Without IPV6_RECVPATHMTU a refused send leaves nothing to read.
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_DONTFRAG, 1) == 0);
  CHECK(send6(*so, big, nullptr) == EMSGSIZE);
  CHECK(recv6(*so).err == EWOULDBLOCK);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_RECVPATHMTU, 1) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_RECVPATHMTU) == 1);
  CHECK(send6(*so, big, nullptr) == EMSGSIZE);
  Rcvd r = recv6(*so);
  REQUIRE(r.err == 0);
  CHECK(r.data.empty());
  CHECK(r.from_addr() == kPeer);
  CHECK(r.from_port() == 0);
  const Cmsg* c = r.find(SOL_IPV6, IPV6_PATHMTU);
  REQUIRE(c);
  REQUIRE(c->data.size() == sizeof(ip6_mtuinfo));
  const auto got = as<ip6_mtuinfo>(c->data);
  CHECK(got.ip6m_mtu == 1500);
  CHECK(got.ip6m_addr.sin6_family == AF_INET6);
  CHECK(std::memcmp(&got.ip6m_addr.sin6_addr, kPeer.data(), 16) == 0);
  CHECK(recv6(*so).err == EWOULDBLOCK);
  // IPV6_PMTUDISC_DO refuses too, but only IPV6_DONTFRAG leaves the record.
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_DONTFRAG, 0) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO) == 0);
  CHECK(send6(*so, big, nullptr) == EMSGSIZE);
  CHECK(recv6(*so).err == EWOULDBLOCK);
  CHECK(send6(*so, Pkt(1452, std::byte{'s'}), nullptr) == 0);  // 1452 + 8 + 40 fits
  soclose(*so);
}

TEST_CASE("udp6 opts: IPV6_MULTICAST_LOOP (default on) loops a send to a group this host takes back to its members - off, only the wire gets it") {
  Dual h;
  const In6 g = a6("ff05::1:7");
  Socket* member = mk6(h.st);
  REQUIRE(bind6(*member, sa6(In6{}, 4106)) == 0);
  ipv6_mreq m{};
  std::memcpy(&m.ipv6mr_multiaddr, g.data(), 16);
  m.ipv6mr_interface = unsigned(h.tun->if_index);
  Sockopt o;
  o.sopt_dir = SOPT_SET;
  o.sopt_level = IPPROTO_IPV6;
  o.sopt_name = IPV6_JOIN_GROUP;
  o.sopt_val = &m;
  o.sopt_valsize = sizeof m;
  REQUIRE(sosetopt(*member, o) == 0);
  Socket* other = mk6(h.st);  // bound to another port: hears nothing
  REQUIRE(bind6(*other, sa6(In6{}, 4107)) == 0);
  Socket* so = mk6(h.st);
  REQUIRE(bind6(*so, sa6(In6{}, 4108)) == 0);
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_IF, h.tun->if_index) == 0);
  SockAddr to = sa6(g, 4106);
  REQUIRE(send6(*so, bytes("looped"), &to) == 0);
  Out6 w = h.take();  // the wire gets it as well
  CHECK(w.ip.dst == g);
  CHECK(recv6(*member).err == EWOULDBLOCK);  // not before the stack runs its callouts
  h.advance(std::chrono::milliseconds(0));
  Rcvd r = recv6(*member);
  CHECK(r.data == bytes("looped"));
  CHECK(r.from_addr() == kUs);
  CHECK(r.from_port() == 4108);
  CHECK(recv6(*other).err == EWOULDBLOCK);
  CHECK(h.out.empty());  // no port unreachable, nothing more on the wire
  // The all-nodes group is every node's: a send there loops as well.
  SockAddr all = sa6(kAllNodes, 4107);
  REQUIRE(send6(*so, bytes("all"), &all) == 0);
  h.out.clear();
  h.advance(std::chrono::milliseconds(0));
  CHECK(recv6(*other).data == bytes("all"));
  // A group nobody here joined: only the wire.
  SockAddr none = sa6(a6("ff05::1:8"), 4106);
  REQUIRE(send6(*so, bytes("away"), &none) == 0);
  h.out.clear();
  h.advance(std::chrono::milliseconds(0));
  CHECK(recv6(*member).err == EWOULDBLOCK);
  // IPV6_MULTICAST_LOOP off: only the wire.
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) == 0);
  REQUIRE(send6(*so, bytes("not looped"), &to) == 0);
  CHECK(h.take().ip.dst == g);
  h.advance(std::chrono::milliseconds(0));
  CHECK(recv6(*member).err == EWOULDBLOCK);
  // A datagram larger than the link leaves in fragments; the copy is whole.
  REQUIRE(setint(*so, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 1) == 0);
  const Pkt big(3000, std::byte{'f'});
  REQUIRE(send6(*so, big, &to) == 0);
  CHECK(h.out.size() == 3);
  h.out.clear();
  h.advance(std::chrono::milliseconds(0));
  CHECK(recv6(*member).data == big);
  soclose(*so);
  soclose(*other);
  soclose(*member);
}

TEST_CASE("udp6 opts: netstat -s -f inet6 has udp6 and udplite6 sections") {
  Dual h;
  Socket* so = mk6(h.st);
  SockAddr to = sa6(kPeer, 9);
  REQUIRE(send6(*so, bytes("x"), &to) == 0);
  h.inject(udp6_pkt(kPeer, 1, kUs, 4999, bytes("x")));
  const std::string t = inet6_stats_text(h.st);
  CHECK(t.find("udp6:\n\t1 datagrams received\n") != std::string::npos);
  CHECK(t.find("\t1 dropped due to no socket\n\t0 multicast datagrams undelivered\n\t0 dropped due to full socket buffers\n\t1 datagrams output\nudplite6:") != std::string::npos);
  soclose(*so);
}

TEST_CASE("udp6 opts: ping6 and raw ICMPv6 sockets take the same SOL_IPV6 options and cmsgs (Linux ipv6_setsockopt)") {
  Dual h;
  Socket* ping = mk6(h.st, IPPROTO_ICMPV6);
  Socket* raw = mk6(h.st, IPPROTO_ICMPV6, nullptr, AF_INET6, SOCK_RAW);
  CHECK(setint(*raw, IPPROTO_IPV6, IPV6_V6ONLY, 1) == EINVAL);  // a raw socket counts as bound
  CHECK(setint(*ping, IPPROTO_IPV6, IPV6_V6ONLY, 1) == 0);
  CHECK(getint(*ping, IPPROTO_IPV6, IPV6_MTU) == -ENOTCONN);
  REQUIRE(setint(*ping, IPPROTO_IPV6, IPV6_TCLASS, 0x20) == 0);
  REQUIRE(setint(*ping, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 5) == 0);
  REQUIRE(setint(*ping, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) == 0);
  CHECK(getint(*ping, IPPROTO_IPV6, IPV6_RECVHOPLIMIT) == 1);
  Pkt echo = bytes({128, 0, 0, 0, 0, 0, 0, 1, 'h', 'i'});
  SockAddr to = sa6(kPeer);
  REQUIRE(send6(*ping, echo, &to) == 0);
  Out6 o = h.take();
  CHECK(o.ip.tclass == 0x20);
  CHECK(o.ip.hlim == 5);
  const uint16_t id = wire::get16(&o.rest[4]);
  h.inject(echo_req(kPeer, kUs, 0, 0, {}));  // (answered by the stack; not for the socket)
  h.out.clear();
  Pkt reply = ip6(kPeer, kUs, 58, icmp6(kPeer, kUs, 129, 0, (uint32_t(id) << 16) | 1, bytes("hi")), 41);
  h.inject(reply);
  Rcvd r = recv6(*ping);
  REQUIRE(r.err == 0);
  const Cmsg* hl = r.find(IPPROTO_IPV6, IPV6_HOPLIMIT);
  REQUIRE(hl);
  CHECK(as<int>(hl->data) == 41);
  // sendmsg's IPV6_HOPLIMIT on a raw socket.
  REQUIRE(send6(*raw, echo, &to, cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, 3)) == 0);
  CHECK(h.take().ip.hlim == 3);
  CHECK(send6(*raw, echo, &to, cmsg(IPPROTO_IPV6, IPV6_HOPLIMIT, 300)) == EINVAL);
  soclose(*ping);
  soclose(*raw);
}

TEST_CASE("udp6 opts: IPV6_MTU of a socket connected over lo is lo's 65536 (Linux ip6_mtu caps at IP6_MAX_MTU)") {
  Dual h;
  Socket* so = mk6(h.st);
  REQUIRE(connect6(*so, sa6(a6("::1"), 9)) == 0);
  CHECK(getint(*so, IPPROTO_IPV6, IPV6_MTU) == int(if_loopback(h.st)->if_mtu));
  Socket* m = mk6(h.st);
  REQUIRE(connect6(*m, sa6(mapped(0x7f000001), 9)) == 0);
  CHECK(getint(*m, IPPROTO_IPV6, IPV6_MTU) == 65535);  // the IPv4 route's, IP_MAX_MTU
  soclose(*so);
  soclose(*m);
}
