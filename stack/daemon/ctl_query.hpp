// Op::CtlQuery, tunsockctl's view into the running stack: the socket table
// as ss shows it (with the processes holding each socket, Linux's tcp_info
// and the socket's memory), the per-protocol counters of netstat -s, the
// mbuf allocator of netstat -m and the interfaces of netstat -i. Replies are
// JSON (docs/ctl-json.md); tunsockctl formats them. Linux counterpart:
// inet_diag/unix_diag, /proc/net/snmp, /proc/net/dev.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "daemon/control_server.hpp"

namespace tunsock {
struct InPcb;
}

namespace tunsock::daemon {

class Daemon;

// q.hdr.a: ipc::kCtlSockets (q.hdr.value: list sockets with so_id above it;
// the reply's value is the last so_id listed when more follow, else 0),
// kCtlCounters, kCtlMbufs, kCtlInterfaces. EINVAL for any other a.
void ctl_query(Daemon& d, const CtlRequest& q, CtlReply& r);

// An inet or inet6 PCB's local (foreign: false) or foreign address as text:
// a.b.c.d for inet; for inet6 the IPv6 address, or ::ffff:a.b.c.d when the
// IPv4 code path carries the socket (a v4-mapped peer or name).
std::string inp_addr_text(const InPcb& inp, bool foreign);
// Linux's ipv6_only_sock(), which ss's address format follows (inet_diag's
// INET_DIAG_SKV6ONLY): IPV6_V6ONLY, or bound to a non-mapped address (Linux
// sets sk_ipv6only then). False for inet.
bool inp_v6only(const InPcb& inp);

// The pieces, for tests. ctl_sockets lists at most max_bytes of JSON; *next
// is the so_id to continue after, 0 when the table is complete.
nlohmann::json ctl_sockets(Daemon& d, uint64_t after, size_t max_bytes, uint64_t* next);
nlohmann::json ctl_counters(Daemon& d);
nlohmann::json ctl_mbufs();
nlohmann::json ctl_interfaces(Daemon& d);

}  // namespace tunsock::daemon
