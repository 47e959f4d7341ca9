// The daemon <-> shim protocol. Header-only, libc only: the shim links it
// into other people's programs, so nothing here may throw or allocate.
//
// Control connection: AF_UNIX SOCK_SEQPACKET to the daemon's control socket,
// one per application thread that talks to the daemon. Each request is one
// record (Request + variable part) and gets exactly one reply record (Reply +
// variable part), matched by seq. File descriptors ride along as SCM_RIGHTS.
//
// Channels (one per stack socket, DESIGN.md "Processes"): the application's
// fd *is* its end of a kernel socket the daemon made.
//   stream socket     -> SOCK_STREAM socketpair; bytes flow unframed.
//   seqpacket socket  -> SOCK_SEQPACKET socketpair; one record per record, unframed.
//   datagram socket   -> SOCK_SEQPACKET socketpair; each record is DgramHeader +
//                        source address slot + control slot + payload
//                        (daemon -> app only), or an error record.
//   listening socket  -> a kernel listening socket (the daemon makes it and
//                        connects to it once per accepted connection; accept(2)
//                        in the app is then a real accept on it).
// The daemon binds its end of every channel (and each listener) to an abstract
// name  "\0tunsock.<instance>.<sock_id>"  so that any process can tell a
// stack socket from its fd alone (getpeername/getsockname), e.g. after exec.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>

namespace tunsock::ipc {

inline constexpr uint32_t kMagic = 0x314b5354;  // "TSK1" little-endian
inline constexpr uint16_t kVersion = 3;   // 3: Hello's reply names the domains
inline constexpr size_t kMaxAddr = 128;          // sizeof(sockaddr_storage)
inline constexpr size_t kMaxCtl = 256;           // control slot of a datagram record (cmsgs)
inline constexpr size_t kMaxRecord = 256 * 1024; // control record limit (header + payload)
inline constexpr size_t kMaxFds = 64;            // SCM_RIGHTS per record (Linux SCM_MAX_FD is 253)
inline constexpr char kChannelNamePrefix[] = "tunsock.";  // after the leading NUL

enum class Op : uint16_t {
  Hello = 1,      // reply.value = daemon pid; reply.sock_id = instance id;
                  //   reply.a = the domains the daemon serves (domain_bit each)
  Socket,         // a=domain b=type (without SOCK_NONBLOCK/CLOEXEC) c=protocol
                  //   reply: sock_id, fds[0] = channel
  Socketpair,     // a=domain b=type c=protocol; reply: sock_id, value = 2nd id, fds[0..1]
  Bind,           // sock_id, addr, vnode
  Listen,         // sock_id, a=backlog; reply: fds[0] = kernel listener to dup over the app fd
  Connect,        // sock_id, addr, vnode, flags&kNonblock, value = inode of a renewed socket
                  //   (after kRenewSocket; else 0), flags&kRenewed (see there).
                  //   reply.c 1: the connect failed, renew the socket now (kRenewed).
                  //   reply.error: 0, EINPROGRESS, kRenewSocket,
                  //   EAGAIN (backlog full), ... or kFallThrough (name held by the host);
                  //   value 1: connect the app's socket to addr (the connect listener);
                  //   b 1 (with EINPROGRESS): then write a ConnectFiller
  Accepted,       // value = inode of the accepted fd's kernel socket; reply: sock_id,
                  //   a=domain b=type c=protocol, addr = peer address
  Identify,       // value = inode of a channel end the app holds; reply as Accepted
  Shutdown,       // sock_id, a=how (after the shim shut the channel down itself)
  GetSockName,    // sock_id; reply addr
  GetPeerName,    // sock_id; reply addr
  GetSockOpt,     // sock_id, a=level b=name c=optlen; reply payload = value
  SetSockOpt,     // sock_id, a=level b=name, payload = value
  SendTo,         // sock_id, a=flags, c=control bytes, addr (may be empty), vnode,
                  //   payload = control (cmsgs other than SCM_RIGHTS) then data, fds = rights
                  //   reply.value = bytes sent
  Closed,         // sock_id: one descriptor of it was closed in the app (a hint)
  Ioctl,          // sock_id, a=request; reply.value
  Stats,          // reply payload = text (netstat -m and socket table)
  RecvErr,        // recvmsg(MSG_ERRQUEUE): sock_id, a=flags, b=data buffer length,
                  //   c=control buffer length; reply: addr = the failed datagram's
                  //   destination, c = control bytes, b = msg_flags, value = the
                  //   whole data length, payload = control (cmsgs) then data
  // Requests of tunsockctl (tools/tunsockctl), not of the shim. Numbered
  // explicitly: each is added by its own piece of work.
  CtlQuery = 19,  // a = kCtl* below; reply payload = JSON (docs/ctl-json.md)
  Capture = 20,   // payload = BPF filter text (may be empty) [+ NUL + interface: "lo",
                  //   "any"; none: the TUN device], a = snaplen (0: 262144); reply value =
                  //   the capture's id, fds[0] = the read end of a stream carrying pcap
                  //   (header, then records) until the reader closes it; EINVAL with
                  //   libpcap's message as payload for a bad filter. a = kCaptureStats,
                  //   sock_id = an id: reply payload "RECEIVED DROPPED" (its counters)
  History = 21,   // sock_id (0: every TCP connection), a = first index of the page;
                  //   reply payload = JSON of the connections' event rings, "next" the
                  //   following page's index (tunsockctl filters; docs/ctl-json.md)
};
inline constexpr Op kLastOp = Op::History;
// CtlQuery's a:
inline constexpr int32_t kCtlSockets = 1;     // the socket table, as `ss` shows it
inline constexpr int32_t kCtlCounters = 2;    // per-protocol counters (netstat -s)
inline constexpr int32_t kCtlMbufs = 3;       // mbuf and cluster use (netstat -m)
inline constexpr int32_t kCtlInterfaces = 4;  // interfaces and their counters (netstat -i)
inline constexpr int32_t kCaptureStats = -1;  // Capture's a: a running capture's counters

// Hello's reply.a: one bit per address family the daemon's stack serves.
inline constexpr uint32_t domain_bit(int family) { return family > 0 && family < 31 ? 1u << family : 0; }

inline constexpr uint32_t kNonblock = 0x1;      // Request.flags: caller's fd is O_NONBLOCK
inline constexpr uint32_t kRenewed = 0x2;       // Request.flags (Connect): only this: the app's spent
                                                //   socket was replaced, value = the new one's inode
                                                //   (after a Connect reply with c = 1, or kRenewSocket)
// Ioctl requests of the protocol's own (not the kernel's numbers):
inline constexpr int32_t kIoctlReadError = 0x54530001;  // reply.value: the error a read at EOF
                                                        // reports (consumed), 0 for none
inline constexpr int32_t kIoctlLinger = 0x54530002;     // after close() with SO_LINGER > 0: reply.value
                                                        // 1 (+ wait token) while the connection closes
inline constexpr int32_t kIoctlUrgent = 0x54530003;     // before a send(MSG_OOB) on a stream socket: the
                                                        // daemon looks for the urgent mark in its channel
inline constexpr int32_t kFallThrough = -1000;  // Reply.error: let the host kernel do it
inline constexpr int32_t kRenewSocket = -1001;  // Reply.error (Connect): the app's socket is spent by a
                                                //   failed connect; replace it and ask again with
                                                //   value = the new socket's inode

struct Request {
  uint32_t magic;
  uint16_t version;
  uint16_t op;         // Op
  uint32_t seq;        // echoed in the reply
  uint32_t flags;
  uint64_t sock_id;
  int64_t value;
  int32_t a, b, c;
  uint32_t addrlen;    // bytes of address following the fixed part
  uint64_t vn_dev, vn_ino;  // pathname resolved by the shim (0 = none)
  uint32_t payload_len;
  uint32_t fd_hint;    // the app's descriptor the request is about + 1 (0: not said);
                       //   Connect, Accepted (PROTOCOL.md "Errors on a connection")
  // followed by: addr[addrlen], payload[payload_len]
};

struct Reply {
  uint32_t magic;
  uint16_t version;
  uint16_t op;
  uint32_t seq;
  int32_t error;       // 0 or an errno (or kFallThrough)
  uint64_t sock_id;
  int64_t value;
  int32_t a, b, c;
  uint32_t addrlen;
  uint32_t payload_len;
  uint32_t reserved;
  // followed by: addr[addrlen], payload[payload_len]
};

// A datagram on a datagram socket's channel (daemon -> app): DgramHeader,
// then a kMaxAddr-byte address slot (addrlen bytes meaningful), then a
// kMaxCtl-byte control slot (ctllen bytes meaningful: cmsghdrs as recvmsg
// hands them out, each CMSG_SPACE long: IP_TTL, IP_PKTINFO, SO_TIMESTAMP...),
// then the payload. The fixed slots let the receiver scatter payload straight
// into its own buffers with one recvmsg.
// An error record (flags kDgramError) has no payload: the socket's so_error
// was set (an ICMP error). The receiver asks the daemon for SO_ERROR, which
// consumes it, as Linux's recvmsg does; 0 then means someone else took it.
struct DgramHeader {
  uint16_t addrlen;    // meaningful bytes of the address slot that follows
  uint16_t ctllen;     // meaningful bytes of the control slot
  uint32_t datalen;    // payload bytes after the slots
  uint32_t flags;      // kDgramError, kDgramCtrunc
  uint32_t reserved;
};
inline constexpr uint32_t kDgramError = 0x1;   // an error record, not a datagram
inline constexpr uint32_t kDgramCtrunc = 0x2;  // control did not fit the slot (MSG_CTRUNC)
inline constexpr size_t kDgramFrame = sizeof(DgramHeader) + kMaxAddr + kMaxCtl;

// The filler the shim writes, with one nonblocking write, right after it
// connected the application's socket to the connect listener of a connect
// in progress (PROTOCOL.md "Connecting"): this header, then padding up to
// len bytes in all. Its bytes stay unread in the daemon's queue (the
// application's end polls neither IN nor OUT, as a connecting TCP socket)
// until the stack is connected; then the daemon discards exactly len bytes
// and the application's end becomes writable by itself.
struct ConnectFiller {
  uint32_t magic;  // kFillerMagic
  uint32_t len;    // the whole filler, this header included
};
inline constexpr uint32_t kFillerMagic = 0x4c4c4946;  // "FILL"
// Filler length for an application end whose SO_SNDBUF (as getsockopt
// reports it) is sndbuf: its skb's truesize exceeds sndbuf / 4, the
// kernel's AF_UNIX writability limit, and it fits one skb (< sndbuf / 2).
inline size_t filler_len(int sndbuf) { return size_t(sndbuf > 0 ? sndbuf : 0) / 4 + 64; }

// A parsed record: views into the caller's buffer, validated once.
template <class Fixed>
struct Parsed {
  Fixed hdr;
  const std::byte* addr;
  const std::byte* payload;
};

// Validate a received record: magic, version, lengths consistent with the
// number of bytes actually received. Never reads past n.
template <class Fixed>
inline std::optional<Parsed<Fixed>> parse(const void* buf, size_t n) {
  if (n < sizeof(Fixed)) return std::nullopt;
  Parsed<Fixed> p;
  std::memcpy(&p.hdr, buf, sizeof(Fixed));
  if (p.hdr.magic != kMagic || p.hdr.version != kVersion) return std::nullopt;
  if (p.hdr.addrlen > kMaxAddr) return std::nullopt;
  const size_t need = sizeof(Fixed) + size_t{p.hdr.addrlen} + size_t{p.hdr.payload_len};
  if (p.hdr.payload_len > kMaxRecord || need != n) return std::nullopt;
  const auto* b = static_cast<const std::byte*>(buf);
  p.addr = b + sizeof(Fixed);
  p.payload = p.addr + p.hdr.addrlen;
  return p;
}

inline std::optional<Parsed<Request>> parse_request(const void* buf, size_t n) {
  auto p = parse<Request>(buf, n);
  if (p && (p->hdr.op < uint16_t(Op::Hello) || p->hdr.op > uint16_t(kLastOp))) return std::nullopt;
  return p;
}
inline std::optional<Parsed<Reply>> parse_reply(const void* buf, size_t n) { return parse<Reply>(buf, n); }

// Fill a fresh fixed part. The caller then sets the fields and writes
// [fixed][addr][payload] with sendmsg (iovec, no flattening copy needed).
inline Request make_request(Op op, uint32_t seq, uint64_t sock_id) {
  Request r{};
  r.magic = kMagic; r.version = kVersion; r.op = uint16_t(op); r.seq = seq; r.sock_id = sock_id;
  return r;
}
inline Reply make_reply(const Request& q, int32_t error) {
  Reply r{};
  r.magic = kMagic; r.version = kVersion; r.op = q.op; r.seq = q.seq; r.error = error; r.sock_id = q.sock_id;
  return r;
}







}  // namespace tunsock::ipc

#include "ipc/channel_name.hpp"
