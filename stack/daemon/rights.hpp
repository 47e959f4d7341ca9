// SCM_RIGHTS between channels and the stack. Rights an application sends on
// a channel (or with SendTo) become a control mbuf (MType::Control) holding
// the cmsghdr bytes with the daemon's own copies of the fds; the stack queues
// it like FreeBSD's internalized rights, and on delivery the daemon sends the
// fds with the data and closes its copies. FreeBSD: unp_internalize/externalize.
#pragma once

#include <sys/socket.h>
#include <sys/uio.h>

#include <vector>

#include "kern/sockbuf.hpp"

namespace tunsock::daemon {

// The fds of every SCM_RIGHTS message in a received msghdr (now owned by the caller).
std::vector<int> rights_from_msg(const msghdr& mh);
// A control mbuf carrying fds; on success the fds belong to it and fds is cleared.
mbuf* rights_mbuf(std::vector<int>& fds);
// Append the fds of one control mbuf (not taking ownership).
void append_rights(const mbuf* control, std::vector<int>& out);
// Append the other cmsgs of one control mbuf (IP_TTL, IP_PKTINFO,
// SO_TIMESTAMP...: plain bytes, CMSG_SPACE each) to out[*len..cap); a cmsg
// that does not fit sets *trunc and is left out.
void append_cmsgs(const mbuf* control, std::byte* out, size_t cap, size_t* len, bool* trunc);
// Close the fds of a control chain and free it.
void dispose_rights(mbuf* control);
// Unlink the control mbufs of so's first record and close their fds
// (after the rights were sent, or when they are dropped).
void strip_rights(Sockbuf& sb);
// sendmsg(MSG_DONTWAIT|MSG_NOSIGNAL) with the fds as SCM_RIGHTS.
ssize_t send_with_rights(int fd, const iovec* iov, int niov, const std::vector<int>& rights, int flags = 0);

}  // namespace tunsock::daemon
