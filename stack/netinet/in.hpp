// What the daemon needs of the inet domain beyond net/if.hpp: the socket
// error queue (MSG_ERRQUEUE, filled when IP_RECVERR is on), and the offset
// that turns stack time into wall time for SO_TIMESTAMP.
// FreeBSD: no counterpart (Linux: ip_recv_error, sock_recv_timestamp).
#pragma once

#include "kern/socket.hpp"
#include "kern/stack.hpp"

namespace tunsock {

// recvmsg(MSG_ERRQUEUE) on an inet socket: the first queued error. a.buf/len
// receive the payload of the datagram that failed (UDP: its data; ping: the
// ICMP echo header and data), a.from its destination, *a.controlp one
// cmsg-formatted mbuf (SOL_IP, IP_RECVERR: struct sock_extended_err then the
// offender's sockaddr_in). a.flags gets MSG_ERRQUEUE (and MSG_TRUNC).
// EAGAIN when the queue is empty (Linux answers EAGAIN even when blocking).
int in_errqueue_receive(Socket& so, RecvArgs& a);
// Errors queued (POLLERR while non-zero, with so_error).
size_t in_errqueue_len(const Socket& so);
// SO_TIMESTAMP's clock: wall time = stack time + offset (the daemon sets
// realtime - steady at start-up; tests leave 0).
void inet_set_wall_offset(Stack& st, Time offset);
// net.ipv4.ping_group_range: groups lo..hi may make ping sockets
// (SOCK_DGRAM/IPPROTO_ICMP), others get EACCES. lo > hi: nobody (Linux's "1 0").
void inet_set_ping_group_range(Stack& st, uint32_t lo, uint32_t hi);

}  // namespace tunsock
