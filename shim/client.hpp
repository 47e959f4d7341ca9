// The shim's side of the control protocol (stack/ipc/PROTOCOL.md): a
// SOCK_SEQPACKET connection per thread, made on the first call that needs
// the daemon and never before, kept at a high descriptor number.
#pragma once

#include <sys/socket.h>

#include <cstddef>
#include <cstdint>
#include <string>

#include "ipc/protocol.hpp"

namespace tunsock::shim {

struct Call {
  ipc::Request q{};
  const void* addr = nullptr;
  socklen_t addrlen = 0;
  const void* payload = nullptr;
  size_t paylen = 0;
  const int* fds = nullptr;
  int nfds = 0;
  bool cloexec = false;        // received fds get FD_CLOEXEC
};

struct Answer {
  ipc::Reply r{};
  sockaddr_storage addr{};
  socklen_t addrlen = 0;
  std::string payload;
  int fds[ipc::kMaxFds];
  int nfds = 0;
};

// Send one request and wait for its reply. Returns 0, or an errno for the
// transport (ENETDOWN when the daemon cannot be reached or went away); the
// request's own result is in a.r.error.
int call(ipc::Op op, Call& c, Answer& a);

// The daemon instance (from Hello), 0 before the first connection.
uint64_t instance();
// Where the daemon is expected (PROTOCOL.md "Finding the daemon").
std::string control_path();
// Fix the control path at load time (the environment as the program started).
void client_init();
// The domains the daemon serves (ipc::domain_bit each), from the Hello of
// the process's latest connection; connects now (this thread's connection)
// if no Hello has been seen yet. 0, or ENETDOWN when the daemon cannot be
// reached.
int daemon_domains(uint32_t* served);
// TUNSOCK_DOMAINS as the program started (ipc::domain_bit each): the domains
// the user lets go to the daemon; every inet/local domain when unset or
// empty. *text gets the variable's value ("" when unset); *unknown is set
// when it names a word that is no domain.
uint32_t narrowed_domains(const char** text = nullptr, bool* unknown = nullptr);
// This thread's control connection, made now if need be: its descriptor,
// or -1 with errno ENETDOWN.
int control_fd();
// Forget this thread's connection after the daemon hung up on it.
void control_lost();

// pthread_atfork: keep the connection list consistent across fork; the
// child drops inherited control connections; it connects again at once
// (its parent's credentials, before it can drop them) when the parent had
// a connection, lazily otherwise.
void client_before_fork();
void client_after_fork_parent();
void client_after_fork();

}  // namespace tunsock::shim
