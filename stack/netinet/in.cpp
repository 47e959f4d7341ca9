// The inet domain: its protocol switch (tcp, udp, ping, raw icmp), attaching it to
// a Stack, the Internet checksum over mbuf chains, and the `netstat -s` text.
// FreeBSD: netinet/in_proto.c, in.c, in_cksum.c; netstat/inet.c.
#include <array>
#include <cassert>
#include <cerrno>

#include "netinet/in.hpp"
#include "netinet/in_var.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

const Domain& inetdomain() {
  static std::array<Protosw, 5> sw;
  static Domain dom;
  static bool init = false;
  if (!init) {
    init = true;
    dom.dom_family = AF_INET;
    dom.dom_name = "internet";
    // TCP: connection-oriented; an unconnected send is EPIPE (Linux
    // sk_stream_wait_connect); shutdown unconnected says ENOTCONN.
    sw[0] = Protosw{.pr_type = SOCK_STREAM, .pr_domain = &dom, .pr_protocol = IPPROTO_TCP,
                    .pr_flags = PR_CONNREQUIRED | PR_WANTRCVD | PR_NOTCONN_EPIPE | PR_SHUTENOTCONN,
                    .pr_ctloutput = tcp_ctloutput,
                    .pr_usrreqs = pru_with_defaults(tcp_usrreqs())};
    sw[1] = Protosw{.pr_type = SOCK_DGRAM, .pr_domain = &dom, .pr_protocol = IPPROTO_UDP,
                    .pr_flags = PR_ATOMIC | PR_ADDR | PR_CONTROL | PR_SENDNOADDR | PR_BIGDGRAM | PR_OOBIGNORE |
                                PR_SHUTENOTCONN,
                    .pr_ctloutput = in_ctloutput,
                    .pr_usrreqs = pru_with_defaults(udp_usrreqs())};
    sw[2] = Protosw{.pr_type = SOCK_DGRAM, .pr_domain = &dom, .pr_protocol = IPPROTO_ICMP,
                    .pr_flags = PR_ATOMIC | PR_ADDR | PR_CONTROL | PR_SHUTENOTCONN, .pr_ctloutput = in_ctloutput,
                    .pr_usrreqs = pru_with_defaults(ping_usrreqs())};
    sw[3] = Protosw{.pr_type = SOCK_RAW, .pr_domain = &dom, .pr_protocol = IPPROTO_ICMP,
                    .pr_flags = PR_ATOMIC | PR_ADDR | PR_CONTROL | PR_SHUTENOTCONN, .pr_ctloutput = in_ctloutput,
                    .pr_usrreqs = pru_with_defaults(rip_usrreqs())};
    // UDP-Lite (RFC 3828): UDP's code and flags; after UDP, which stays SOCK_DGRAM's default.
    sw[4] = Protosw{.pr_type = SOCK_DGRAM, .pr_domain = &dom, .pr_protocol = IPPROTO_UDPLITE,
                    .pr_flags = sw[1].pr_flags, .pr_ctloutput = in_ctloutput,
                    .pr_usrreqs = pru_with_defaults(udplite_usrreqs())};
    dom.dom_protosw = std::span<const Protosw>(sw.data(), sw.size());
    dom.dom_ifinput = ip_ifinput;
  }
  return dom;
}

}  // namespace

Inet* inet_of(Stack& st) { return static_cast<Inet*>(st.domain_state(AF_INET)); }

Inet& inet(Stack& st) {
  Inet* in = inet_of(st);
  assert(in);
  return *in;
}

Inet& inet_attach(Stack& st) {
  if (Inet* in = inet_of(st)) return *in;
  auto state = std::make_shared<Inet>(st);
  Inet* in = state.get();
  st.set_domain_state(AF_INET, state);
  st.add_domain(&inetdomain());
  in->ip_id = uint16_t(st.rng().next_u32());
  in->isn_key = {st.rng().next_u64(), st.rng().next_u64()};
  in->port_key = {st.rng().next_u64(), st.rng().next_u64()};
  ip_protox_register(*in, IPPROTO_ICMP, {icmp_input, icmp_ctlinput});
  ip_protox_register(*in, IPPROTO_UDP, {udp_input, udp_ctlinput});
  ip_protox_register(*in, IPPROTO_UDPLITE, {udplite_input, udplite_ctlinput});
  ip_protox_register(*in, IPPROTO_TCP, {tcp_input, tcp_ctlinput});
  in_add_address(loif_attach(st), 0x7f000001, 8);
  return *in;
}

int in_add_address(ifnet& ifp, uint32_t addr, int plen) {
  if (plen < 0 || plen > 32 || !ifp.if_stack) return EINVAL;
  Inet& in = inet_attach(*ifp.if_stack);
  for (auto& i : if_state(in.st).ifs)
    for (auto& a : i->if_addrs)
      if (a.ia_addr == addr) return EEXIST;
  InIfaddr ia{addr, plen};
  ifp.if_addrs.push_back(ia);
  Route r{ia.subnet(), plen, 0, &ifp, addr};
  // Longest prefix first, so the first match wins (rt_lookup).
  auto it = in.routes.begin();
  while (it != in.routes.end() && it->plen >= plen) ++it;
  in.routes.insert(it, r);
  return 0;
}

int route_set_default(Stack& st, uint32_t gw) {
  Inet& in = inet_attach(st);
  if (gw == 0) {
    in.defrt = Route{};
    return 0;
  }
  const Route* r = rt_lookup(in, gw);
  if (!r || r->plen == 0) return ENETUNREACH;
  in.defrt = Route{0, 0, gw, r->ifp, r->src};
  return 0;
}

void inet_set_ping_group_range(Stack& st, uint32_t lo, uint32_t hi) {
  Inet& in = inet_attach(st);
  in.ping_group_lo = lo;
  in.ping_group_hi = hi;
}

uint32_t in_cksum_chain(const mbuf* m, int off, int len, uint32_t sum) {
  // A piece that starts at an odd offset of the whole contributes its sum
  // byte-swapped (RFC 1071 §2(B)).
  bool odd = false;
  for (; m && off >= m->m_len; m = m->m_next) off -= m->m_len;
  uint64_t acc = sum;
  for (; m && len > 0; m = m->m_next, off = 0) {
    int n = std::min(len, m->m_len - off);
    if (n <= 0) continue;
    uint32_t s = wire::cksum_add(0, wire::Bytes(m->m_data + off, size_t(n)));
    while (s >> 16) s = (s & 0xffff) + (s >> 16);
    if (odd) s = ((s & 0xff) << 8) | (s >> 8);
    acc += s;
    if (n & 1) odd = !odd;
    len -= n;
  }
  while (acc >> 32) acc = (acc & 0xffffffff) + (acc >> 32);
  return uint32_t(acc);
}

std::string inet_stats_text(Stack& st) {
  Inet* in = inet_of(st);
  if (!in) return "";
  const IpStat& i = in->ipstat;
  const IcmpStat& c = in->icmpstat;
  const UdpStat& u = in->udpstat;
  auto l = [](uint64_t n, const char* what) { return "\t" + std::to_string(n) + " " + what + "\n"; };
  std::string s = "ip:\n";
  s += l(i.total, "total packets received");
  s += l(i.badsum, "bad header checksums");
  s += l(i.tooshort, "with size smaller than minimum");
  s += l(i.badlen, "with data length < header length or > packet");
  s += l(i.badhlen, "with header length < data size");
  s += l(i.badvers, "with incorrect version number");
  s += l(i.badoptions, "with bad options");
  s += l(i.badttl, "with ttl 0");
  s += l(i.badaddr, "with a martian source or destination");
  s += l(i.fragments, "fragments received");
  s += l(i.fragdropped, "fragments dropped (dup, overlap or out of space)");
  s += l(i.fragtimeout, "fragments dropped after timeout");
  s += l(i.reassembled, "packets reassembled ok");
  s += l(i.delivered, "packets for this host");
  s += l(i.noproto, "packets for unknown/unsupported protocol");
  s += l(i.notforus, "packets not for this host (not forwarded)");
  s += l(i.localout, "packets sent from this host");
  s += l(i.odropped, "output packets dropped due to no bufs, etc.");
  s += l(i.noroute, "output packets discarded due to no route");
  s += l(i.fragmented, "output datagrams fragmented");
  s += l(i.ofragments, "fragments created");
  s += l(i.cantfrag, "datagrams that can't be fragmented");
  s += "icmp:\n";
  s += l(c.inmsgs, "messages received");
  s += l(c.tooshort, "messages with bad length");
  s += l(c.checksum, "bad checksums");
  s += l(c.inecho, "echo requests received");
  s += l(c.inechoreply, "echo replies received");
  s += l(c.inunreach, "destination unreachable received");
  s += l(c.inerrors_delivered, "errors delivered to sockets");
  s += l(c.outmsgs, "messages sent");
  s += l(c.outechoreply, "echo replies sent");
  s += l(c.outecho, "echo requests sent");
  s += l(c.outunreach, "destination unreachable sent");
  s += l(c.ratelimited, "errors not sent due to rate limit");
  s += l(c.olderr, "errors not generated (old message was icmp, fragment or broadcast)");
  s += "udp:\n";
  s += l(u.ipackets, "datagrams received");
  s += l(u.hdrops, "with incomplete header");
  s += l(u.badlen, "with bad data length field");
  s += l(u.badsum, "with bad checksum");
  s += l(u.nosum, "with no checksum");
  s += l(u.noport, "dropped due to no socket");
  s += l(u.noportbcast, "broadcast/multicast datagrams undelivered");
  s += l(u.fullsock, "dropped due to full socket buffers");
  s += l(u.opackets, "datagrams output");
  s += udplite_stats_text(in->udplitestat);
  s += tcp_stats_text(st);
  return s;
}

}  // namespace tunsock
