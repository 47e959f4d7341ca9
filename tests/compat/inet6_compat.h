/* IPv6 helpers the UDP and TCP compat cases over IPv6 share (tests/compat/
 * udp6, tcp6): the addresses the runners give both sides (run_udp_case.sh
 * and run_tcp_case.sh with COMPAT_INET6=1, as netns_lib.sh has them). The
 * IPv6 names of inet_compat.h's helpers (sin6_of, in6_str, show_name6,
 * show_peer6, port6_of) print "[2001:db8::2]:20001", ports in the ephemeral
 * range as <eph>, a nonzero sin6_flowinfo or sin6_scope_id and an unusual
 * length shown; an AF_INET name as the IPv4 helpers print it. */
#pragma once

#include "inet_compat.h"

#define US6 "2001:db8::2"     /* the program's side of the link */
#define PEER6 "2001:db8::1"   /* the kernel's peer (udp_peer, tcp_peer) */
#define LOOP6 "::1"
#define ANY6 "::"
#define FOREIGN6 "2001:db8::99" /* on the link's prefix, nobody's */
#define MAPPED_US "::ffff:198.18.0.2"
#define MAPPED_PEER "::ffff:198.18.0.1"
#define MAPPED_LOOP "::ffff:127.0.0.1"
