// The inet6 domain's per-Stack state (Stack::domain_state(AF_INET6)):
// routes, the path MTU cache, the reassembly queues, the ICMPv6 rate-limit
// buckets, the protocol table by next header, and the ip6/icmp6 counters
// of `netstat -s -f inet6`. Internal to stack/netinet6; drivers use
// netinet6/in6.hpp. FreeBSD: netinet6/in6_var.h, ip6_var.h (ip6stat),
// icmp6.h (icmp6stat), frag6.c (ip6q), in6_rmx.c.
#pragma once

#include <array>
#include <cstdint>
#include <deque>
#include <ctime>  // linux/errqueue.h needs timespec
#include <linux/errqueue.h>
#include <list>
#include <map>
#include <span>
#include <utility>
#include <vector>

#include "kern/stack.hpp"
#include "net/if.hpp"
#include "netinet/in_var.hpp"
#include "netinet6/in6.hpp"
#include "wire/ip.hpp"
#include "wire/ip6_hdr.hpp"

namespace tunsock {

using wire::In6;

struct Ip6Stat {  // FreeBSD struct ip6stat (the subset we count)
  uint64_t total = 0, tooshort = 0, badvers = 0, badlen = 0, badaddr = 0, notforus = 0, badoptions = 0,
           noproto = 0, delivered = 0, toomanyhdr = 0;
  uint64_t fragments = 0, fragdropped = 0, fragoverlap = 0, fragtimeout = 0, reassembled = 0, atomicfrags = 0;
  uint64_t localout = 0, noroute = 0, fragmented = 0, ofragments = 0, cantfrag = 0, odropped = 0;
};
struct Icmp6Stat {  // FreeBSD struct icmp6stat (subset)
  uint64_t inmsgs = 0, tooshort = 0, checksum = 0, inecho = 0, inerrors = 0, inerrors_delivered = 0,
           unknown = 0, outmsgs = 0, outechoreply = 0, outerrors = 0, ratelimited = 0, olderr = 0, omcast = 0,
           pmtuchg = 0;
  std::array<uint64_t, 256> intype{}, outtype{};
};

// A route (FreeBSD rtentry for inet6): connected prefix (gateway ::) or the
// default (plen 0, gateway set).
struct Route6 {
  In6 dst{};
  int plen = 0;
  In6 gateway{};
  ifnet* ifp = nullptr;
};

// One datagram being reassembled (FreeBSD struct ip6q), keyed by source,
// destination and identification (RFC 8200 §4.5).
struct Ip6ReassQ {
  In6 src{}, dst{};
  uint32_t id = 0;
  std::map<uint16_t, std::vector<std::byte>> frags;  // offset -> fragment data, no overlaps kept
  std::vector<std::byte> unfrag;     // the first fragment's unfragmentable part (header + ext headers)
  std::vector<std::byte> first;      // the first fragment as received (for Time Exceeded)
  int nxt_off = 0;                   // in unfrag: the Next Header byte that named the fragment header
  uint8_t nxt = 0;                   // the fragment header's Next Header (from offset 0)
  int total = -1;                    // fragmentable part's length once the last fragment is in
  size_t bytes = 0;
  bool dead = false;                 // RFC 5722: overlapped; later fragments are dropped too
  Stack::CalloutId timer = 0;
  ifnet* rcvif = nullptr;
};

// A path MTU learned from Packet Too Big (RFC 8201 §4).
struct Pmtu6Entry {
  uint32_t mtu = 0;
  Time expires{0};
};

// ICMPv6 error rate limit (Linux inet_peer_xrlim_allow): tokens in ns.
struct Icmp6Bucket {
  Time tokens{0};
  Time last{0};
};

struct Inet6;
struct Inet;   // netinet/in_var.hpp
struct InPcb;

// What an ICMPv6 error tells the transport whose datagram it quotes (FreeBSD
// ip6ctlparam; Linux's err_handler arguments plus icmpv6_err_convert).
struct Ip6CtlParam {
  uint8_t type = 0, code = 0;
  uint32_t info = 0;                 // MTU (packet too big) or pointer (parameter problem)
  In6 offender{};                    // who sent the ICMPv6 error
  In6 src{}, dst{};                  // the quoted datagram's addresses (src: ours)
  uint8_t proto = 0;                 // its upper-layer protocol
  std::span<const std::byte> quoted; // the quoted datagram from its IPv6 header on
  int off = 0;                       // in quoted: where the upper-layer header starts
  int error = 0;                     // icmp6_errno's errno (ECONNREFUSED, EHOSTUNREACH, EMSGSIZE...)
  bool fatal = false;                // reported to a socket without IPV6_RECVERR too
};

// The MSG_ERRQUEUE entry an ICMPv6 error makes (Linux ipv6_icmp_error):
// origin, type, code, info, offender and destination; the transport adds
// the port and the quoted bytes it shows.
inline SockErr icmp6_sockerr_entry(const Ip6CtlParam& p) {
  SockErr e;
  e.v6 = true;
  e.ee_errno = p.error;
  e.ee_origin = SO_EE_ORIGIN_ICMP6;
  e.ee_type = p.type;
  e.ee_code = p.code;
  e.ee_info = p.info;
  e.offender6 = p.offender;
  e.dst6 = p.dst;
  return e;
}

// FreeBSD ip6_protox / ip6proto_register: input and ICMPv6-error handlers by
// next header value. pr_input gets the packet with its IPv6 header in front
// and off at the upper-layer header; it consumes m.
struct Ip6ProtoSw {
  void (*pr_input)(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip6) = nullptr;
  void (*pr_ctlinput)(Inet6& in6, const Ip6CtlParam& p) = nullptr;
};

// One ICMPv6 socket (FreeBSD struct inpcb for inet6 raw; Linux ping and
// raw6 sockets): ping (SOCK_DGRAM: lport is the echo identifier) or raw.
struct In6Pcb {
  Socket* so = nullptr;
  bool ping = false;
  In6 laddr{}, faddr{};
  uint16_t lport = 0;
  uint16_t fport = 0;                     // connect's port (getpeername; Linux inet_dport)
  // Linux SOCK_BINDADDR_LOCK / SOCK_BINDPORT_LOCK: what bind fixed, which a
  // disconnect keeps (an identifier taken by a send or connect it drops).
  bool bindaddr_lock = false, bindport_lock = false;
  In6PcbOpts opts;                        // SOL_IPV6 options (ip6_ctloutput.cpp)
  std::array<uint32_t, 8> filter{};       // ICMP6_FILTER: a set bit blocks that type
  std::deque<SockErr> errq;               // IPV6_RECVERR's MSG_ERRQUEUE (read by in_errqueue_receive)
};

struct Inet6 {
  explicit Inet6(Stack& s) : st(s) {}
  Stack& st;
  std::vector<Route6> routes;        // connected prefixes, longest first
  Route6 defrt;                      // plen 0; gateway :: = none
  std::map<In6, Pmtu6Entry> pmtu;
  Time mtu_expires = std::chrono::seconds(600);  // Linux net.ipv6.route.mtu_expires
  std::list<Ip6ReassQ> reass;
  size_t reass_bytes = 0;
  size_t reass_limit = 4 << 20;      // Linux ip6frag_high_thresh
  Time reass_timeout = std::chrono::seconds(60);  // RFC 8200 §4.5, Linux ip6frag_time
  uint32_t frag_id = 0;
  // Linux net.ipv6.icmp.ratelimit (ms) and ratemask (types 0-1, 3-127:
  // every error but Packet Too Big).
  Time icmp6_ratelimit = std::chrono::milliseconds(1000);
  std::map<In6, Icmp6Bucket> icmp6_bucket;
  int hlim = 64;                     // net.ipv6.conf.all.hop_limit
  bool bindv6only = false;           // net.ipv6.bindv6only (IPV6_V6ONLY's default)
  std::array<Ip6ProtoSw, 256> ip6_protox{};
  std::list<In6Pcb*> icmp6b;         // ping and raw ICMPv6 sockets (raw_ip6.cpp)
  uint16_t ping_last_id = 0;         // the ping rover when the stack has no inet (ping_get_ident)
  Ip6Stat ip6stat;
  Icmp6Stat icmp6stat;
};

Inet6& inet6(Stack& st);  // inet6_attach'd state (asserting)

// --- in6.cpp / in6_src.cpp: addresses, routes, source selection ---
bool in6_localaddr(const Inet6& in6, const In6& a);   // assigned here (or ::1)
ifnet* in6_addr_ifp(const Inet6& in6, const In6& a);  // the interface a is assigned to
// The route towards dst (connected longest prefix, then the default);
// nullptr: no route. Link-local destinations are on the first interface
// with a link-local address (DEVIATION: no scope ids yet).
const Route6* rt6_lookup(const Inet6& in6, const In6& dst);
// The interface a packet to dst leaves by (loopback for our own addresses).
ifnet* in6_out_ifp(const Inet6& in6, const In6& dst);
// RFC 6724 §5 reduced to one global address per interface plus its
// link-local: rule 1 (the destination itself), rule 2 (the scope of dst:
// link-local for link-local and link-scope multicast, global otherwise),
// rule 5 (the outgoing interface's address first). EADDRNOTAVAIL: none.
int in6_selectsrc(const Inet6& in6, const In6& dst, const ifnet* ifp, In6* src);

// --- route6 / path MTU (in6.cpp) ---
uint32_t ip6_pmtu(const Inet6& in6, const In6& dst);  // 0: no route
// Packet Too Big said mtu towards dst (RFC 8201 §4): never raise; below
// 1280 it is discarded; kept mtu_expires.
void ip6_pmtu_update(Inet6& in6, const In6& dst, uint32_t mtu);

// --- ip6_input.cpp ---
void ip6_input(Inet6& in6, ifnet& ifp, mbuf* m);
void ip6_ifinput(ifnet& ifp, mbuf* m);  // the inet6 Domain's dom_ifinput
void ip6_protox_register(Inet6& in6, uint8_t proto, Ip6ProtoSw sw);
// Whether this host takes group on ifp: the all-nodes groups, or one a
// socket joined there.
bool ip6_mcast_member(const Inet6& in6, const ifnet& ifp, const In6& group);
// Walk the extension headers of a (quoted) datagram to its upper layer:
// *proto and *off. False when the chain is cut short or is a non-first
// fragment.
bool ip6_lasthdr(std::span<const std::byte> pkt, uint8_t* proto, int* off);

// --- frag6.cpp ---
// A fragment header at off (nxt_off: the Next Header byte that named it).
// Returns the reassembled datagram (the fragment header removed, *off at
// where it was, *nxt the next header after it) or nullptr (held or
// dropped). Consumes m.
mbuf* frag6_input(Inet6& in6, mbuf* m, int* off, int nxt_off, uint8_t* nxt);

// --- ip6_output.cpp ---
struct Ip6OutOpts {
  int hlim = -1;                     // -1: the default (64)
  uint8_t tclass = 0;
  bool dontfrag = false;             // too big is EMSGSIZE (IPV6_DONTFRAG)
  bool dontfrag_set = false;         // by IPV6_DONTFRAG itself (Linux ipc6.dontfrag), not PMTUDISC
  bool minmtu = false;               // fragment to 1280 (IPV6_USE_MIN_MTU; ICMPv6 errors)
  ifnet* ifp = nullptr;              // the interface (multicast, link-local), not the route's
  uint32_t fragsize = 0;             // IPV6_MTU: fragment to at most this (0: the path MTU)
  bool ignore_pmtu = false;          // IPV6_PMTUDISC_PROBE, INTERFACE, OMIT: the interface's MTU
  bool mcast_loop = false;           // a multicast copy to this host's members (IPV6_MULTICAST_LOOP)
};
// Prepend an IPv6 header to m (the upper-layer header and data; consumed),
// route, select the source when src is ::, fragment to the path MTU,
// transmit. 0 or an errno (ENETUNREACH, EADDRNOTAVAIL, EMSGSIZE, ENOBUFS).
int ip6_output(Inet6& in6, mbuf* m, const In6& src, const In6& dst, uint8_t nxt, const Ip6OutOpts& o);

// --- icmp6.cpp ---
void icmp6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip6);
// Send an ICMPv6 error about orig (IPv6 header in front; not consumed),
// unless RFC 4443 §2.4(e) forbids it or the rate limit says no.
void icmp6_error(Inet6& in6, const mbuf* orig, uint8_t type, uint8_t code, uint32_t info);
// Linux icmpv6_err_convert: the errno an ICMPv6 error means for a socket and
// whether it is fatal (reported without IPV6_RECVERR).
int icmp6_errno(uint8_t type, uint8_t code, bool* fatal);
// ICMPv6's pr_ctlinput: an error quoting our echo request goes to its ping socket.
void icmp6_ctlinput(Inet6& in6, const Ip6CtlParam& p);

// --- raw_ip6.cpp: ping and raw ICMPv6 sockets ---
// A copy of every ICMPv6 message (msg: from the ICMPv6 header on) to each
// raw ICMPv6 socket whose addresses and ICMP6_FILTER let it through, and an
// echo reply to the ping socket of its identifier.
void rip6_input(Inet6& in6, std::span<const std::byte> msg, const wire::Ip6Repr& ip);
bool ping6_input(Inet6& in6, std::span<const std::byte> msg, const wire::Ip6Repr& ip);
PrUsrreqs ping6_usrreqs();
PrUsrreqs rip6_usrreqs();
// SOL_ICMPV6 ICMP6_FILTER (raw only); SOL_IPV6 IPV6_UNICAST_HOPS.
int icmp6_ctloutput(Socket& so, Sockopt& sopt);
// The error queue of a ping or raw ICMPv6 socket (in_errqueue_receive reads it).
std::deque<SockErr>& icmp6_errq(Socket& so);
int in6_sockaddr(const In6& a, uint16_t port, SockAddr* nam);
int in6_getsin6(const SockAddr& nam, In6* a, uint16_t* port);  // EINVAL / EAFNOSUPPORT

// --- netinet/udp_usrreq.cpp: UDP and UDP-Lite over IPv6 (ip6_protox) ---
// RFC 8200 §8.1: the checksum is mandatory (zero: dropped, nosum); no
// socket: ICMPv6 port unreachable. Counters: Inet's udp6stat, udplite6stat.
void udp6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip);
void udplite6_input(Inet6& in6, mbuf* m, int off, const wire::Ip6Repr& ip);
// An ICMPv6 error quoting a datagram we sent: so_error and IPV6_RECVERR.
void udp6_ctlinput(Inet6& in6, const Ip6CtlParam& p);
void udplite6_ctlinput(Inet6& in6, const Ip6CtlParam& p);

// --- in6_pcb.cpp: inet6 sockets on the shared InPcb (netinet/in_var.hpp) ---
// An inet6 socket's addresses (UDP, UDP-Lite, TCP) as Linux keeps them:
// bound or connected to a v4-mapped address it is an IPv4 socket
// (inp_vflag INP_IPV4, the uint32 fields), else an IPv6 one (in6p_*); on ::
// without IPV6_V6ONLY it takes both (INP_IPV4 | INP_IPV6).
In6 in6_mapped(uint32_t v4);             // ::ffff:a.b.c.d from host order
uint32_t in6_mapped_v4(const In6& a);    // host order a.b.c.d of ::ffff:a.b.c.d
// Linux __inet6_bind: nam a sockaddr_in6 (EINVAL when shorter than 24
// bytes, EAFNOSUPPORT another family); EACCES below 1024 without root;
// EINVAL when already bound or a mapped address on a V6ONLY socket;
// EADDRNOTAVAIL an address not ours (IPV6_FREEBIND/IP_TRANSPARENT aside);
// a link-local one needs sin6_scope_id (EINVAL; ENODEV no such interface);
// binding a non-mapped specific address sets V6ONLY (as Linux does); the
// port: in_pcbgetport on head (EADDRINUSE, Linux's cross-family rules).
// nam null: an implicit bind (ephemeral port, address kept).
int in6_pcbbind(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr* nam, const Td& td);
// Linux __ip6_datagram_connect: a sockaddr_in (EAFNOSUPPORT under V6ONLY)
// or a v4-mapped address (ENETUNREACH under V6ONLY) connects the IPv4 way
// (in_pcbconnect); :: means ::1; the source by in6_selectsrc unless bound
// (ENETUNREACH no route); binds an ephemeral port first. Not AF_UNSPEC:
// the caller disconnects for it.
int in6_pcbconnect(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr& nam, const Td& td);
// The source address inp sends to dst from: its bound one, else the one
// RFC 6724 selection gives (ENETUNREACH, EADDRNOTAVAIL); EAFNOSUPPORT when
// inp is bound to a v4-mapped address (Linux ip6_dst_lookup_tail).
int in6_pcbsrc(const Inet6& in6, const InPcb& inp, const In6& dst, In6* src);
// Best match among inet6 sockets taking IPv6 (inp_vflag INP_IPV6) for an
// incoming datagram: bound address, connected peer, each matched field
// scoring (Linux udp6 compute_score); SO_REUSEPORT groups by hash.
InPcb* in6_pcblookup(std::list<InPcb*>& head, const In6& src, uint16_t sport, const In6& dst, uint16_t dport);
// getsockname (peer false) / getpeername (peer true) of an inet6 socket: a
// sockaddr_in6, v4-mapped for an IPv4-bound or -connected one.
int in6_pcbsockaddr(const InPcb& inp, bool peer, SockAddr* nam);
// A datagram's source for recvfrom: sockaddr_in6 (v4: mapped).
int in6_sockaddr_v4(uint32_t a, uint16_t port, SockAddr* nam);

// --- ip6_ctloutput.cpp: SOL_IPV6 options of InPcb sockets ---
// Linux ipv6_setsockopt/getsockopt for UDP, UDP-Lite and TCP: SOL_IPV6
// here, SOL_IP (a v4-mapped socket's IPv4 options) and SOL_UDP/SOL_UDPLITE
// to in_ctloutput, other levels ENOPROTOOPT.
int in6_ctloutput(Socket& so, Sockopt& sopt);
// The options of one inet6 socket as ip6_ctloutput sees them: InPcb's
// (in6_ctloutput) or an ICMPv6 socket's In6Pcb (raw_ip6.cpp).
struct Ip6OptTarget {
  In6PcbOpts& o;
  bool bound = false;                // IPV6_V6ONLY: EINVAL once bound
  uint8_t* vflag = nullptr;          // InPcb's inp_vflag, kept in step with V6ONLY
  bool* freebind = nullptr;          // IPV6_FREEBIND (IP_FREEBIND's flag), if the socket has one
  std::deque<SockErr>* errq = nullptr;  // purged when IPV6_RECVERR goes off
  int mtu = 0;                       // IPV6_MTU's answer (0: ENOTCONN)
};
int ip6_ctloutput(Socket& so, Ip6OptTarget& t, Sockopt& s);
Ip6OutOpts ip6_outopts(const Inet6& in6, const In6PcbOpts& p, const In6& dst);
mbuf* ip6_rcvcontrol(Socket& so, const In6PcbOpts& o, const wire::Ip6Repr& ip, const ifnet* rcvif);
// Whether some inet6 socket of st joined group on ifp (ip6_input takes it).
bool in6_mcast_host_member(Stack& st, const In6& group, const ifnet& ifp);
// How ip6_output sends for inp towards dst: hop limit (unicast or
// multicast), traffic class, DONTFRAG, the multicast interface.
Ip6OutOpts in6_outopts(const Inet6& in6, const InPcb& inp, const In6& dst);
// The cmsgs (cmsg-formatted mbufs) for a datagram received on inp: the
// timestamp, then IPV6_PKTINFO, IPV6_HOPLIMIT, IPV6_TCLASS as asked
// (Linux ip6_datagram_recv_ctl order).
mbuf* in6_rcvcontrol(const InPcb& inp, const wire::Ip6Repr& ip, const ifnet* rcvif);
// The same for an IPv4 datagram reaching a dual-stack socket: the
// timestamp, IPV6_PKTINFO (v4-mapped), then in_rcvcontrol's SOL_IP ones.
mbuf* in6_rcvcontrol_v4(Inet& in, const InPcb& inp, const wire::Ipv4Repr& ip, const ifnet* rcvif, int frag_max);
// sendmsg's SOL_IPV6 control (Linux ip6_datagram_send_ctl): IPV6_PKTINFO
// (source, which must be ours: EINVAL; interface: ENODEV), IPV6_HOPLIMIT,
// IPV6_TCLASS, IPV6_DONTFRAG; other SOL_IPV6 types EINVAL; other levels skipped.
int in6_sendcontrol(const Inet6& in6, const mbuf* control, Ip6OutOpts* o, In6* src);

}  // namespace tunsock
