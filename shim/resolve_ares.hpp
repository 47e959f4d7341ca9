// c-ares as the shim loads and drives it (resolve_ares.cpp), shared with
// the lookups built on it (resolve_dns.cpp). Internal to the shim.
#pragma once

#include <ares.h>

#include <vector>

#include "resolve.hpp"

namespace tunsock::shim::resolve {

// The c-ares functions, from libcares.so.2 dlopen'ed at the first lookup.
struct Ares {
  decltype(&::ares_library_init) library_init;
  decltype(&::ares_init) init;
  decltype(&::ares_destroy) destroy;
  decltype(&::ares_set_socket_functions) set_socket_functions;
  decltype(&::ares_getsock) getsock;
  decltype(&::ares_timeout) timeout;
  decltype(&::ares_process_fd) process_fd;
  decltype(&::ares_search) search;
  decltype(&::ares_query) query;
  decltype(&::ares_send) send;
  decltype(&::ares_getaddrinfo) getaddrinfo;
  decltype(&::ares_freeaddrinfo) freeaddrinfo;
  decltype(&::ares_gethostbyaddr) gethostbyaddr;
  decltype(&::ares_parse_a_reply) parse_a_reply;
  decltype(&::ares_parse_aaaa_reply) parse_aaaa_reply;
  decltype(&::ares_parse_ptr_reply) parse_ptr_reply;
  decltype(&::ares_init_options) init_options;
  decltype(&::ares_save_options) save_options;
  decltype(&::ares_destroy_options) destroy_options;
  decltype(&::ares_expand_name) expand_name;
  decltype(&::ares_free_string) free_string;
  decltype(&::ares_free_hostent) free_hostent;
  decltype(&::ares_strerror) strerror;
};

// The table, or null (logged once) when libcares.so.2 cannot be loaded.
const Ares* ares();

// One channel per lookup: resolv.conf read afresh (glibc rereads it when it
// changes), no state shared between threads or across fork.
class Channel {
 public:
  // files_only: lookups "f" (the hosts file, never a query).
  // The channel's sockets are the shim's (resolve_ares.cpp); timeout and
  // attempts as glibc reads them (attempts() below).
  explicit Channel(const Ares& a, bool files_only = false);
  ~Channel() {
    if (ch_) a_.destroy(ch_);
  }
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;
  ares_channel get() const { return ch_; }
  // glibc's attempts: how many rounds over the servers a query gets (the
  // caller asks again while the answer is ARES_ETIMEOUT).
  int attempts() const { return attempts_; }
  // Drive c-ares until *pending reaches 0. Bounded: c-ares ends every query
  // by its own timeouts (timeout x attempts x servers); the guard only
  // stops a runaway loop.
  void run(const int* pending);

 private:
  const Ares& a_;
  ares_channel ch_ = nullptr;
  int attempts_ = 1;
};

// A c-ares status as a lookup outcome.
Status status_of(int ares_status);

// One query's outcome: status and the answer's bytes.
struct Reply {
  int status = ARES_ENODATA;
  std::vector<unsigned char> abuf;
  int* pending = nullptr;
};

// ares_callback for a Reply (its pending count goes down by one).
void on_reply(void* arg, int status, int timeouts, unsigned char* abuf, int alen);

}  // namespace tunsock::shim::resolve
