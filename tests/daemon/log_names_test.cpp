// How the daemon's log names sockets' addresses and kinds: the words an
// operator greps for, in the forms ss and tcpdump use.
#include <arpa/inet.h>
#include <doctest/doctest.h>
#include <sys/un.h>

#include <cstring>

#include "daemon/dispatcher.hpp"

using namespace tunsock;
using namespace tunsock::daemon;

namespace {

template <class T>
SockAddr addr_of(const T& sa) {
  SockAddr a;
  std::memcpy(&a.ss, &sa, sizeof sa);
  a.len = sizeof sa;
  return a;
}

}  // namespace

TEST_CASE("log names: inet addresses as host:port") {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(7001);
  inet_pton(AF_INET, "198.18.0.1", &sin.sin_addr);
  CHECK(sockaddr_text(addr_of(sin)) == "198.18.0.1:7001");
}

TEST_CASE("log names: inet6 addresses as [host]:port") {
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(53);
  inet_pton(AF_INET6, "::1", &sin6.sin6_addr);
  CHECK(sockaddr_text(addr_of(sin6)) == "[::1]:53");
}

TEST_CASE("log names: local names, abstract names, unnamed") {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  std::strcpy(sun.sun_path, "/tmp/x");
  SockAddr a = addr_of(sun);
  a.len = offsetof(sockaddr_un, sun_path) + 7;
  CHECK(sockaddr_text(a) == "/tmp/x");
  sun.sun_path[0] = '\0';
  a = addr_of(sun);
  a.len = offsetof(sockaddr_un, sun_path) + 6;
  CHECK(sockaddr_text(a) == "@tmp/x");
  a.len = sizeof(sa_family_t);
  CHECK(sockaddr_text(a) == "(unnamed)");
}

TEST_CASE("log names: domains and types") {
  CHECK(std::string(domain_name(AF_INET)) == "inet");
  CHECK(std::string(domain_name(AF_UNIX)) == "unix");
  CHECK(std::string(socktype_name(SOCK_DGRAM)) == "dgram");
}
