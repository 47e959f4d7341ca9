// The dispatcher: one handler per ipc::Op, each calling the so* routines on
// behalf of the requesting process (a Td whose cred is the connection's
// SO_PEERCRED). FreeBSD: the sys_* syscall entry points of uipc_syscalls.c.
#pragma once

#include "daemon/control_server.hpp"

namespace tunsock {
struct Socket;
}

namespace tunsock::daemon {

class Daemon;
class Chan;

class Dispatcher {
 public:
  explicit Dispatcher(Daemon& d) : d_(d) {}
  void operator()(CtlRequest& q, CtlReply& r);

 private:
  void note_holder(uint64_t sock_id, const CtlRequest& q);
  Socket* lookup(const CtlRequest& q, CtlReply& r);
  void op_hello(CtlRequest& q, CtlReply& r);
  void op_socket(CtlRequest& q, CtlReply& r);
  void op_socketpair(CtlRequest& q, CtlReply& r);
  void op_bind(CtlRequest& q, CtlReply& r);
  void op_listen(CtlRequest& q, CtlReply& r);
  void op_connect(CtlRequest& q, CtlReply& r);
  void op_accepted(CtlRequest& q, CtlReply& r);
  void op_identify(CtlRequest& q, CtlReply& r);
  void op_shutdown(CtlRequest& q, CtlReply& r);
  bool unlisten_app(Socket& so, Chan& c, CtlReply& r, const char* why);
  void op_name(CtlRequest& q, CtlReply& r, bool peer);
  void op_getsockopt(CtlRequest& q, CtlReply& r);
  void op_setsockopt(CtlRequest& q, CtlReply& r);
  void op_sendto(CtlRequest& q, CtlReply& r);
  void op_closed(CtlRequest& q, CtlReply& r);
  void op_ioctl(CtlRequest& q, CtlReply& r);
  void op_linger(CtlRequest& q, CtlReply& r);
  void op_stats(CtlRequest& q, CtlReply& r);
  void op_recverr(CtlRequest& q, CtlReply& r);
  // sock_id of the request, else the socket whose channel (or listener) the
  // application's kernel socket with inode value belongs to.
  Socket* find_by_id_or_inode(const CtlRequest& q);
  void describe(Socket& so, CtlReply& r);
  void give_wait_token(Socket& so, CtlReply& r);

  Daemon& d_;
};

// "stream", "dgram", "seqpacket"...
const char* socktype_name(int type);
// "unix", "inet", "inet6".
const char* domain_name(int family);
// A name for logs: "/path", "@abstract", "(unnamed)", "198.18.0.2:53",
// "[::1]:53".
std::string sockaddr_text(const SockAddr& a);

}  // namespace tunsock::daemon
