// The inet domain's per-Stack state (kept in Stack::domain_state(AF_INET)):
// routes, PCB lists, the reassembly queue, ICMP rate limit,
// and the ip/icmp/udp counters of `netstat -s`. Internal to stack/net and
// stack/netinet; drivers use net/if.hpp.
// FreeBSD: netinet/in_var.h, ip_var.h (ipstat), icmp_var.h, udp_var.h, in_pcb.h.
#pragma once

#include <netinet/in.h>

#include <array>
#include <cstdint>
#include <deque>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "kern/siphash.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "wire/ip.hpp"
#include "wire/ip6_hdr.hpp"

namespace tunsock {

struct TcpCb;       // netinet/tcp_var.hpp
struct TcpGlobals;

struct IpStat {  // FreeBSD struct ipstat (the subset we count)
  uint64_t total = 0, tooshort = 0, badvers = 0, badhlen = 0, badlen = 0, badsum = 0, badttl = 0,
           badoptions = 0, badaddr = 0, notforus = 0, noproto = 0, delivered = 0;
  uint64_t fragments = 0, fragdropped = 0, fragtimeout = 0, reassembled = 0;
  uint64_t localout = 0, noroute = 0, fragmented = 0, ofragments = 0, cantfrag = 0, odropped = 0;
};
struct IcmpStat {  // FreeBSD struct icmpstat (subset)
  uint64_t inmsgs = 0, tooshort = 0, checksum = 0, badcode = 0, inecho = 0, inechoreply = 0, inunreach = 0,
           inerrors_delivered = 0, outmsgs = 0, outecho = 0, outechoreply = 0, outunreach = 0,
           ratelimited = 0, olderr = 0;
};
struct UdpStat {  // FreeBSD struct udpstat (subset); one for UDP, one for UDP-Lite
  uint64_t ipackets = 0, hdrops = 0, badlen = 0, badsum = 0, nosum = 0, noport = 0, noportbcast = 0,
           fullsock = 0, opackets = 0;
  // UDP-Lite only (RFC 3828 §3.1, §3.3): a coverage outside 8..length (0
  // means all), and one below the receiving socket's UDPLITE_RECV_CSCOV.
  uint64_t badcov = 0, shortcov = 0;
};

// A route: connected (gateway 0) or the default (plen 0, gateway set).
struct Route {
  uint32_t dst = 0;
  int plen = 0;
  uint32_t gateway = 0;
  ifnet* ifp = nullptr;
  uint32_t src = 0;      // the interface address a local socket sends from
};

// An entry of a socket's error queue (IP_RECVERR, read with MSG_ERRQUEUE).
struct SockErr {
  int ee_errno = 0;
  uint8_t ee_origin = 2, ee_type = 0, ee_code = 0;  // SO_EE_ORIGIN_ICMP
  uint32_t ee_info = 0;
  uint32_t offender = 0;                             // who sent the ICMP error
  uint32_t dst = 0;                                  // where the failed datagram went
  uint16_t dport = 0;
  std::vector<std::byte> payload;                    // the quoted bytes after the L4 header
  // An error for an inet6 socket about an IPv6 datagram (SO_EE_ORIGIN_ICMP6
  // or a local one): the addresses are these (offender, dst) instead.
  bool v6 = false;
  wire::In6 offender6{}, dst6{};
};

// How ip_output sends one datagram (ip_output.cpp).
struct IpOutOpts {
  uint8_t ttl = 64, tos = 0;
  bool df = false;                   // DF when the packet fits (Linux IP_PMTUDISC_WANT)
  bool dontfrag = false;             // too big is EMSGSIZE (IP_PMTUDISC_DO)
  // Linux ip_sk_use_pmtu false (IP_PMTUDISC_PROBE, INTERFACE, OMIT): size to
  // the interface's MTU, not the path MTU learned from ICMP.
  bool ignore_pmtu = false;
  bool hdrincl = false;              // m already has an IP header (raw IP_HDRINCL)
  bool broadcast_ok = false;         // SO_BROADCAST
  ifnet* ifp = nullptr;              // the interface, not the route's (IP_MULTICAST_IF)
  bool mcast_loop = false;           // a multicast copy to this host's members (IP_MULTICAST_LOOP)
};

// FreeBSD inp_vflag: which family's addresses of an InPcb are live.
inline constexpr uint8_t INP_IPV4 = 0x1, INP_IPV6 = 0x2;

// The IPV6_* options of an inet6 socket (Linux struct ipv6_pinfo; FreeBSD
// in6p_outputopts). Owned by netinet6/ip6_ctloutput.cpp; kept here so one
// InPcb serves both families.
struct In6PcbOpts {
  bool v6only = false;               // IPV6_V6ONLY (default net.ipv6.bindv6only = 0)
  int hlim = -1;                     // IPV6_UNICAST_HOPS (-1: the route's, 64)
  int mcast_hops = 1;                // IPV6_MULTICAST_HOPS
  bool mcast_loop = true;            // IPV6_MULTICAST_LOOP
  int mcast_ifindex = 0;             // IPV6_MULTICAST_IF
  int tclass = 0;                    // IPV6_TCLASS
  int mtu_discover = 1;              // IPV6_MTU_DISCOVER (IPV6_PMTUDISC_WANT)
  int mtu = 0;                       // IPV6_MTU (0: the path MTU)
  bool dontfrag = false;             // IPV6_DONTFRAG
  bool recvpktinfo = false, recvhoplimit = false, recvtclass = false, recverr = false;
  // RFC 2292's IPV6_2292PKTINFO/IPV6_2292HOPLIMIT: separate flags in Linux
  // (rxoinfo, rxohlim), cmsgs of their own type after the RFC 3542 ones.
  bool recv2292pktinfo = false, recv2292hoplimit = false;
  bool recvpathmtu = false;          // IPV6_RECVPATHMTU (Linux rxopt.bits.rxpmtu)
  std::vector<std::pair<wire::In6, int>> mships;  // IPV6_JOIN_GROUP: group, ifindex
};

// FreeBSD struct inpcb: one per inet or inet6 socket (udp, tcp, ping, raw).
// An inet6 socket's InPcb says by inp_vflag which addresses are live:
// INP_IPV6 alone (V6ONLY, or bound/connected to a non-mapped address: the
// in6p_ fields), INP_IPV4 alone (bound or connected to a v4-mapped address:
// the uint32 fields hold it and the IPv4 code paths carry it, as FreeBSD and
// Linux do), or both (on :: without V6ONLY: it takes both families).
struct InPcb {
  int inp_family = AF_INET;          // the socket's domain
  uint8_t inp_vflag = INP_IPV4;
  wire::In6 in6p_laddr{}, in6p_faddr{};
  uint32_t in6p_flowinfo = 0;        // sin6_flowinfo of connect
  In6PcbOpts in6p;
  Socket* inp_socket = nullptr;
  int inp_proto = 0;                 // IPPROTO_UDP, IPPROTO_ICMP
  bool inp_ping = false;             // SOCK_DGRAM/IPPROTO_ICMP: lport is the echo id
  uint32_t inp_laddr = 0, inp_faddr = 0;  // host order
  uint16_t inp_lport = 0, inp_fport = 0;
  int inp_ttl = -1;                  // IP_TTL (-1: default 64)
  uint8_t inp_tos = 0;               // IP_TOS
  bool inp_recvpktinfo = false, inp_recvttl = false, inp_recvtos = false, inp_recverr = false;
  // IP_RECVOPTS / IP_RETOPTS: kept and reported. DEVIATION: no cmsg is
  // delivered for a datagram that carried IP options (input skips them).
  bool inp_recvopts = false, inp_retopts = false;
  bool inp_hdrincl = false;          // raw: IP_HDRINCL
  int inp_pmtudisc = 1;              // IP_MTU_DISCOVER (Linux default IP_PMTUDISC_WANT for... kept)
  int inp_mcast_ttl = 1, inp_mcast_loop = 1;
  uint32_t icmp_filter = 0;          // raw ICMP: ICMP_FILTER bit per type
  uint32_t reuse_uid = 0;            // uid that bound with SO_REUSEPORT
  bool bindaddr_lock = false, bindport_lock = false;  // Linux SOCK_BIND*_LOCK: bound by the user
  // More of Linux's per-socket IP flags (ip_sockglue.c). IP_FREEBIND and
  // IP_TRANSPARENT let bind take an address that is not ours (only
  // TRANSPARENT may then send from it); IP_BIND_ADDRESS_NO_PORT leaves the
  // port to the first send or connect; IP_RECVORIGDSTADDR adds
  // IP_ORIGDSTADDR to each datagram, IP_RECVFRAGSIZE the size of the largest
  // fragment of a reassembled one. IP_MINTTL, IP_MULTICAST_ALL, IP_CHECKSUM
  // and IP_PASSSEC are kept and reported only, which is all they do here:
  // Linux UDP does not look at IP_MINTTL, nothing joins multicast groups,
  // no interface gives CHECKSUM_COMPLETE, no security module labels packets.
  bool inp_freebind = false, inp_transparent = false, inp_bind_noport = false, inp_recvorigdst = false;
  bool inp_mcast_all = true, inp_checksum = false, inp_passsec = false, inp_recvfragsize = false;
  int inp_minttl = 0;
  // UDP_CORK (Linux udp_sock corkflag, pending): while corked, sends are
  // gathered into one datagram for the first one's destination, source and
  // options, sent when the cork is taken out (udp_usrreq.cpp).
  bool udp_cork = false, udp_pending = false;
  mbuf* udp_pend = nullptr;          // the gathered payload (freed at detach)
  int udp_pendlen = 0;
  uint32_t cork_src = 0, cork_dst = 0;
  uint16_t cork_dport = 0;
  IpOutOpts cork_o;
  bool cork_v6 = false;              // an inet6 socket gathering for an IPv6 peer:
  wire::In6 cork_src6{}, cork_dst6{};  // its addresses (options: the socket's at push)
  // UDP-Lite (RFC 3828; Linux udp_sock pcslen, pcrlen and the
  // UDPLITE_SEND_CC/RECV_CC flags): the checksum coverage to send and the
  // least coverage to accept, each set by its option (udplite.cpp).
  uint16_t udp_pcslen = 0, udp_pcrlen = 0;
  bool udp_send_cc = false, udp_recv_cc = false;
  // Multicast (in_mcast.cpp): IP_MULTICAST_IF's address and interface, and
  // the groups joined, each on one interface.
  uint32_t inp_mcast_addr = 0;
  int inp_mcast_ifindex = 0;
  std::vector<std::pair<uint32_t, const ifnet*>> inp_mships;
  std::deque<SockErr> errq;          // MSG_ERRQUEUE
  // TCP (tcp_var.hpp): the control block, and whether connect() picked the
  // port (Linux: such a port may be shared by connects to other 4-tuples).
  TcpCb* inp_tcpcb = nullptr;
  bool inp_connect_port = false;
};

// One datagram being reassembled (RFC 815 hole list kept as sorted pieces).
struct ReassQ {
  uint32_t src, dst;
  uint16_t id;
  uint8_t proto;
  std::map<uint16_t, std::vector<std::byte>> frags;  // offset -> bytes (no overlap kept)
  std::vector<std::byte> hdr;        // the first fragment's IP header
  int total = -1;                    // payload length once the last fragment is in
  size_t bytes = 0;
  Stack::CalloutId timer = 0;
  ifnet* rcvif = nullptr;
  uint16_t max_size = 0;             // the largest fragment so far (IP_RECVFRAGSIZE)
};

// A path MTU learned from ICMP "fragmentation needed" (RFC 1191 §6.3; Linux
// fib_nh_exception: fnhe_pmtu, fnhe_mtu_locked, fnhe_expires).
struct PmtuEntry {
  uint32_t mtu = 0;
  bool locked = false;  // asked below min_pmtu: no DF for IP_PMTUDISC_WANT, no further updates
  Time expires{0};
};

struct Inet;

// FreeBSD ip_protox / pr_input, pr_ctlinput: one entry per IP protocol
// number, filled by ip_protox_register (inet_attach: ICMP, UDP; TCP adds its
// own). An entry without pr_input is noproto: ICMP protocol unreachable.
struct IpProtoSw {
  void (*pr_input)(Inet& in, mbuf* m, const wire::Ipv4Repr& ip) = nullptr;  // consumes m; header still in front
  // An ICMP error quoting a datagram of this protocol that we sent.
  void (*pr_ctlinput)(Inet& in, const wire::IcmpRepr& ic, uint32_t offender,
                      std::span<const std::byte> quoted) = nullptr;
};

struct Inet {
  explicit Inet(Stack& s) : st(s) {}
  Stack& st;
  std::vector<Route> routes;         // connected routes, longest prefix wins
  Route defrt;                       // plen 0; gateway 0 = none
  std::list<InPcb*> udb;             // UDP
  std::list<InPcb*> ulitecb;         // UDP-Lite: a port space of its own (FreeBSD V_ulitecbinfo)
  std::list<InPcb*> icmpb;           // ping + raw ICMP sockets
  std::list<ReassQ> reass;
  size_t reass_bytes = 0;
  size_t reass_limit = 4 << 20;      // Linux ipfrag_high_thresh
  Time reass_timeout = std::chrono::seconds(30);  // Linux ipfrag_time
  uint16_t ip_id = 0;
  // ICMP error rate limit (Linux icmp_ratelimit 1000 ms, burst 6, token bucket
  // per destination: icmp_ratemask includes dest unreachable).
  std::map<uint32_t, std::pair<Time, int>> icmp_bucket;
  Time wall_offset{0};               // SO_TIMESTAMP: added to st.now() (daemon: realtime - steady)
  // net.ipv4.ping_group_range: who may make ping sockets. Everyone by
  // default (Debian's systemd sets 0 2147483647); the daemon loads the host's.
  uint32_t ping_group_lo = 0, ping_group_hi = 2147483647;
  uint16_t ping_port_rover = 0;      // Linux ping_port_rover: the last identifier handed out (raw_ip.cpp)
  std::array<IpProtoSw, 256> ip_protox{};  // by IP protocol number (ip_input.cpp)
  // Path MTU per destination (net/route.cpp), Linux's defaults:
  // net.ipv4.route.min_pmtu and mtu_expires.
  std::map<uint32_t, PmtuEntry> pmtu;
  uint32_t min_pmtu = 552;
  Time mtu_expires = std::chrono::seconds(600);
  // Keyed hashes (in_hash.cpp): keys drawn from the Stack's Rng at
  // inet_attach; RFC 6056 Algorithm 4's table (Linux table_perturb),
  // allocated on first use.
  SipKey isn_key, port_key;
  static constexpr size_t kTablePerturbSize = size_t(1) << 16;  // Linux INET_TABLE_PERTURB_SIZE
  std::vector<uint32_t> table_perturb;
  IpStat ipstat;
  IcmpStat icmpstat;
  UdpStat udpstat;
  UdpStat udplitestat;
  UdpStat udp6stat, udplite6stat;    // the same over IPv6 (udp_usrreq.cpp)
  std::shared_ptr<TcpGlobals> tcp;   // tcp_globals(): hashes, ports, tcpstat
};

Inet& inet(Stack& st);                // inet_attach'd state (asserting)

// --- ip_output.cpp ---
inline constexpr int IP_NOFRAG = 0x1;
// (IpOutOpts: above InPcb, which keeps one for UDP_CORK.)
// Prepend a header to payload m (or take m's own with hdrincl), route,
// fragment to the MTU, transmit. Consumes m. 0 or an errno (ENETUNREACH,
// EMSGSIZE with DF, ENOBUFS, EACCES broadcast without SO_BROADCAST).
int ip_output(Inet& in, mbuf* m, uint32_t src, uint32_t dst, uint8_t proto, const IpOutOpts& o);
uint16_t ip_newid(Inet& in);
// Route lookup (net/route.cpp): nullptr = ENETUNREACH.
const Route* rt_lookup(const Inet& in, uint32_t dst);
// The route's interface MTU towards dst (loopback's for our own addresses),
// at most 65535; 0 when there is no route. What TCP advertises (Linux advmss).
uint32_t rt_mtu(const Inet& in, uint32_t dst);
// Path MTU (RFC 1191): the MTU to use towards dst: the route's interface MTU
// (loopback's for our own addresses), lowered by ICMP "fragmentation needed"
// (kept per destination, expires after mtu_expires; never below min_pmtu),
// at most 65535 (Linux IP_MAX_MTU). 0 when there is no route.
uint32_t ip_pmtu(const Inet& in, uint32_t dst);
// What ICMP taught about dst, unexpired, or UINT32_MAX (ip_output combines it
// with the interface it sends on).
uint32_t ip_pmtu_learned(const Inet& in, uint32_t dst);
// ICMP "fragmentation needed" said mtu towards dst (Linux __ip_rt_update_pmtu):
// a value above the current path MTU is ignored, one below min_pmtu becomes
// min_pmtu and locks the entry. icmp_input calls it before pr_ctlinput.
void ip_pmtu_update(Inet& in, uint32_t dst, uint32_t mtu);
bool ip_pmtu_locked(const Inet& in, uint32_t dst);
bool in_localaddr(const Inet& in, uint32_t a);     // assigned to some interface (or 127/8)
ifnet* in_addr_ifp(const Inet& in, uint32_t a);    // the interface a is assigned to, or nullptr
bool in_broadcast(const Inet& in, uint32_t a);     // 255.255.255.255 or a subnet broadcast

// --- ip_input.cpp / ip_reass.cpp ---
void ip_input(Inet& in, ifnet& ifp, mbuf* m);
// The inet Domain's dom_ifinput: ip_input on ifp's stack's Inet.
void ip_ifinput(ifnet& ifp, mbuf* m);
// FreeBSD ipproto_register: proto's input and ICMP-error handlers (replaces any).
void ip_protox_register(Inet& in, uint8_t proto, IpProtoSw sw);
// Returns the reassembled datagram (header + payload) or nullptr (held or dropped). Consumes m.
mbuf* ip_reass(Inet& in, mbuf* m, const wire::Ipv4Repr& ip);

// --- ip_icmp.cpp ---
// ICMP's pr_input: raw ICMP sockets get a copy first (FreeBSD icmp_input
// ends in rip_input), then echo, echo reply, and errors through the quoted
// protocol's pr_ctlinput. Consumes m.
void icmp_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip);
// ICMP's pr_ctlinput: an error quoting an ICMP message we sent goes to the
// ping socket of its echo id and to the raw ICMP sockets.
void icmp_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> quoted);
// Linux icmp_err_convert: the errno of an ICMP error; *hard for the ones a
// socket without IP_RECVERR still reports (port and protocol unreachable).
int icmp_to_errno(uint8_t type, uint8_t code, bool* hard);
// Send an ICMP error about the datagram orig (header at the front; not consumed).
void icmp_error(Inet& in, const mbuf* orig, const wire::Ipv4Repr& ip, uint8_t type, uint8_t code, uint32_t info);

// --- udp_usrreq.cpp / raw_ip.cpp ---
void udp_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip);
// An ICMP error quoting a datagram we sent (FreeBSD pr_ctlinput).
void udp_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> quoted);
void rip_input(Inet& in, const mbuf* m, const wire::Ipv4Repr& ip);   // copies; not consumed
bool ping_input(Inet& in, const mbuf* m, const wire::Ipv4Repr& ip); // echo reply to a ping socket
void ping_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> quoted);
void rip_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> quoted);
PrUsrreqs udp_usrreqs();
// UDP-Lite (RFC 3828, IPPROTO_UDPLITE): the same code behind its own PCB list and counters.
void udplite_input(Inet& in, mbuf* m, const wire::Ipv4Repr& ip);
void udplite_ctlinput(Inet& in, const wire::IcmpRepr& ic, uint32_t offender, std::span<const std::byte> quoted);
PrUsrreqs udplite_usrreqs();
std::string udplite_stats_text(const UdpStat& u);  // its `netstat -s` section
// SOL_UDP and SOL_UDPLITE options (UDP_CORK, UDPLITE_SEND_CSCOV,
// UDPLITE_RECV_CSCOV) of UDP and UDP-Lite sockets; ENOPROTOOPT for the others.
int udp_ctloutput(Socket& so, Sockopt& s);
PrUsrreqs ping_usrreqs();
PrUsrreqs rip_usrreqs();
// Linux ping_get_port: ping sockets of both families share one identifier
// space (Linux's one ping_table and ping_port_rover; the rover is Inet's,
// Inet6's when the stack has no inet). want 0: the next identifier after the
// rover that no ping socket holds; else want, unless another ping socket
// holds it and the two do not both have SO_REUSEADDR (which ping sockets
// start with). 0 with *id set, or EADDRINUSE.
int ping_get_ident(Stack& st, const Socket& so, uint16_t want, uint16_t* id);
// The Internet checksum over len bytes of a chain from off, added to sum.
uint32_t in_cksum_chain(const mbuf* m, int off, int len, uint32_t sum);

// --- in_mcast.cpp ---
// IP_MULTICAST_IF, IP_ADD_MEMBERSHIP, IP_DROP_MEMBERSHIP.
int in_mcast_ctloutput(Socket& so, InPcb& inp, Sockopt& s);
// Whether some socket of this host joined group on ifp (input accepts it).
bool in_mcast_host_member(const Inet& in, uint32_t group, const ifnet* ifp);
// Whether inp gets a datagram for group that came in on ifp.
bool in_mcast_allow(const Inet& in, const InPcb& inp, uint32_t group, const ifnet* ifp);
// IP_MULTICAST_IF's interface (nullptr: none set, route as usual); fills *src when 0.
ifnet* in_mcast_ifp(Inet& in, const InPcb& inp, uint32_t* src);

// --- in_pcb.cpp ---
InPcb* in_pcballoc(Socket& so, std::list<InPcb*>& head, int proto);
void in_pcbdetach(std::list<InPcb*>& head, Socket& so);
inline InPcb* sotoinpcb(const Socket& so) { return static_cast<InPcb*>(so.so_pcb); }
int in_pcbbind(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr* nam, const Td& td);
// The port part of a bind (inp's addresses already in place): port, or an
// ephemeral one when 0, unless another socket of head holds it (Linux
// udp_lib_get_port). 0 (inp_lport set, SS_ISBOUND) or EADDRINUSE.
int in_pcbgetport(Inet& in, std::list<InPcb*>& head, InPcb& inp, uint16_t port);
// Linux inet_rcv_saddr_equal: whether sk's local address overlaps sk2's,
// across families (an inet6 socket on :: without V6ONLY covers 0.0.0.0,
// a v4-mapped address is its IPv4 one). match_wildcard: a wildcard overlaps all.
bool in_pcb_saddr_equal(const InPcb& sk, const InPcb& sk2, bool match_wildcard);
int in_pcbconnect(Inet& in, std::list<InPcb*>& head, InPcb& inp, const SockAddr& nam, const Td& td);
void in_pcbdisconnect(InPcb& inp);
// Which local address a socket with laddr sends to dst from (0 = no route).
uint32_t in_pcbsrc(const Inet& in, uint32_t laddr, uint32_t dst);
// The same as Linux ip_route_output answers it: 0 and *src, ENETUNREACH
// (no route), or EINVAL (a loopback laddr toward a destination not ours).
// A laddr that is the broadcast address stands for "the interface's"
// (Linux inet_bind leaves inet_saddr 0); one not ours is ENETUNREACH unless
// anysrc (IP_TRANSPARENT).
int in_pcbroute(const Inet& in, uint32_t laddr, uint32_t dst, uint32_t* src, bool anysrc = false);
// Linux: a destination of INADDR_ANY is this host (the bound address, else 127.0.0.1).
uint32_t in_anydst(const InPcb& inp, uint32_t dst);
// Best match for an incoming datagram (connected beats wildcard).
InPcb* in_pcblookup(std::list<InPcb*>& head, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport);
int in_sockaddr(uint32_t a, uint16_t port, SockAddr* nam);
int in_getsin(const SockAddr& nam, uint32_t* addr, uint16_t* port);  // EINVAL / EAFNOSUPPORT
// Option handling common to udp, ping and raw (SOL_IP, SOL_SOCKET-side hooks).
int in_ctloutput(Socket& so, Sockopt& sopt);
// Build the control mbufs (cmsg-formatted, one per mbuf) for a datagram received.
// frag_max: the largest fragment when the datagram was reassembled, else 0.
mbuf* in_rcvcontrol(Inet& in, const InPcb& inp, const wire::Ipv4Repr& ip, const ifnet* rcvif, int frag_max = 0);
// Queue an ICMP error on a socket (IP_RECVERR) and/or set so_error.
void in_sockerr(InPcb& inp, SockErr e, bool hard);
// A cmsg-formatted control mbuf (cmsghdr + data, CMSG_SPACE long).
mbuf* in_cmsg(int level, int type, const void* data, size_t len);
// sendmsg's control (Linux ip_cmsg_send): SOL_IP IP_PKTINFO (source address),
// IP_TTL, IP_TOS; other SOL_IP types EINVAL, other levels ignored. Not consumed.
int in_sendcontrol(const mbuf* control, IpOutOpts* o, uint32_t* src);
// MSG_ERRQUEUE: take the first queued error (payload into a, cmsg IP_RECVERR into *a.controlp).
int in_errqueue_receive(Socket& so, RecvArgs& a);

}  // namespace tunsock
