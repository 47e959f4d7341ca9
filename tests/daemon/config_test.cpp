// tunsockd's command line: --address and --gateway in both families
// (issue 8 item 6), and the messages for what is refused.
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "daemon/config.hpp"

using namespace tunsock;

namespace {

std::array<uint8_t, 16> v6(const char* s) {
  std::array<uint8_t, 16> a{};
  REQUIRE(::inet_pton(AF_INET6, s, a.data()) == 1);
  return a;
}

struct Parsed {
  std::optional<daemon::Config> c;
  int code = -1;
  std::string err;  // what went to stderr
};

// parse_args with stderr captured (the usage text follows the reason).
Parsed parse(std::vector<const char*> args) {
  args.insert(args.begin(), "tunsockd");
  Parsed p;
  std::fflush(stderr);
  std::FILE* tmp = std::tmpfile();
  REQUIRE(tmp);
  const int saved = ::dup(2);
  ::dup2(::fileno(tmp), 2);
  p.c = daemon::parse_args(int(args.size()), const_cast<char**>(args.data()), &p.code);
  std::fflush(stderr);
  ::dup2(saved, 2);
  ::close(saved);
  std::rewind(tmp);
  char buf[256];
  while (std::fgets(buf, sizeof buf, tmp)) p.err += buf;
  std::fclose(tmp);
  return p;
}

// The first line of what a refusal printed: "tunsockd: <why>".
std::string why(const Parsed& p) { return p.err.substr(0, p.err.find('\n')); }

}  // namespace

TEST_CASE("config: --address and --gateway take one IPv4 and one IPv6 in any order") {
  auto p = parse({"--tun", "tsk0", "--address", "2001:db8::2/64", "--address", "198.18.0.2/24", "--gateway",
                  "fe80::1", "--gateway=198.18.0.1"});
  REQUIRE(p.c);
  const auto& n = p.c->inet;
  CHECK(n.addr == 0xc6120002u);
  CHECK(n.plen == 24);
  CHECK(n.gateway == 0xc6120001u);
  CHECK(n.addr6 == v6("2001:db8::2"));
  CHECK(n.plen6 == 64);
  CHECK(n.has_gateway6);
  CHECK(n.gateway6 == v6("fe80::1"));
}

TEST_CASE("config: IPv6 alone with a gateway on the prefix and IPv4 alone leaving IPv6 unset") {
  auto p = parse({"--tun", "tsk0", "--address=2001:db8:1::2/48", "--gateway", "2001:db8:1:ff::1"});
  REQUIRE(p.c);
  CHECK(p.c->inet.addr == 0);
  CHECK(p.c->inet.plen6 == 48);
  CHECK(p.c->inet.gateway6 == v6("2001:db8:1:ff::1"));
  p = parse({"--tun", "tsk0", "--address", "198.18.0.2/24"});
  REQUIRE(p.c);
  CHECK(p.c->inet.plen6 == 0);
  CHECK_FALSE(p.c->inet.has_gateway6);
  p = parse({"--tun", "tsk0", "--address", "2001:db8::2/128"});
  REQUIRE(p.c);
  CHECK(p.c->inet.plen6 == 128);
}

TEST_CASE("config: --host-address takes one IPv4 and one IPv6 prefix") {
  auto p = parse({"--tun", "tsk0", "--address", "198.18.0.2/24", "--address", "2001:db8::2/64", "--host-address",
                  "2001:db8::1/64", "--host-address=198.18.0.1/24"});
  REQUIRE(p.c);
  const auto& n = p.c->inet;
  CHECK(n.host_addr == 0xc6120001u);
  CHECK(n.host_plen == 24);
  CHECK(n.host_addr6 == v6("2001:db8::1"));
  CHECK(n.host_plen6 == 64);
  CHECK(n.inet6);
  p = parse({"--tun", "tsk0", "--address", "198.18.0.2/24", "--host-address", "198.18.0.1/24"});
  REQUIRE(p.c);
  CHECK(p.c->inet.host_plen6 == 0);
}

TEST_CASE("config: bad IPv6 addresses and prefixes are refused with their reason") {
  struct Case {
    std::vector<const char*> args;
    const char* msg;
  };
  const Case cases[] = {
      {{"--tun", "t", "--address", "2001:db8::2"}, "tunsockd: bad IPv6 --address (want ADDR/P, e.g. 2001:db8::2/64)"},
      {{"--tun", "t", "--address", "2001:db8::2/0"}, "tunsockd: bad IPv6 --address prefix length (want 1..128)"},
      {{"--tun", "t", "--address", "2001:db8::2/129"}, "tunsockd: bad IPv6 --address prefix length (want 1..128)"},
      {{"--tun", "t", "--address", "2001:db8::2/6x"}, "tunsockd: bad IPv6 --address prefix length (want 1..128)"},
      {{"--tun", "t", "--address", "2001:db8:::2/64"}, "tunsockd: bad IPv6 --address (want ADDR/P, e.g. 2001:db8::2/64)"},
      {{"--tun", "t", "--address", "ff02::1/64"}, "tunsockd: IPv6 --address must not be multicast"},
      {{"--tun", "t", "--address", "::/64"}, "tunsockd: IPv6 --address must not be ::"},
      {{"--tun", "t", "--address", "::ffff:198.18.0.2/120"}, "tunsockd: IPv6 --address must not be v4-mapped"},
      {{"--tun", "t", "--address", "fe80::2/64"},
       "tunsockd: IPv6 --address must be global (the link-local one is derived from it)"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--address", "2001:db8::3/64"},
       "tunsockd: --address: one IPv6 address only"},
      {{"--tun", "t", "--address", "198.18.0.2/24", "--address", "198.18.0.3/24"},
       "tunsockd: --address: one IPv4 address only"},
      {{"--tun", "t", "--address", "198.18.0.2"}, "tunsockd: bad --address (want A.B.C.D/P or an IPv6 ADDR/P)"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--gateway", "fe80::1/64"},
       "tunsockd: bad IPv6 --gateway (an address, no prefix length)"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--gateway", "ff02::2"},
       "tunsockd: IPv6 --gateway must not be multicast"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--gateway", "2001:db9::1"},
       "tunsockd: an IPv6 --gateway must be link-local (fe80::/10) or on the IPv6 --address prefix"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--gateway", "2001:db8::2"},
       "tunsockd: an IPv6 --gateway must differ from the --address"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--gateway", "fe80::1", "--gateway", "fe80::2"},
       "tunsockd: --gateway: one IPv6 gateway only"},
      {{"--tun", "t", "--address", "198.18.0.2/24", "--gateway", "fe80::1"},
       "tunsockd: an IPv6 --gateway needs an IPv6 --address"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--gateway", "198.18.0.1"},
       "tunsockd: an IPv4 --gateway needs an IPv4 --address"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--mtu", "1279"},
       "tunsockd: --mtu must be at least 1280 with an IPv6 --address (RFC 8200 §5)"},
      {{"--address", "2001:db8::2/64"}, "tunsockd: --address, --gateway, --mtu and --host-address need --tun"},
      {{"--domains", "unix", "--tun", "t", "--address", "2001:db8::2/64"},
       "tunsockd: --tun and its options need --domains with inet"},
      {{"--tun", "t"}, "tunsockd: --tun needs --address A.B.C.D/P or an IPv6 ADDR/P (or both)"},
      {{"--domains", "unix,inet", "--tun", "t", "--address", "2001:db8::2/64"},
       "tunsockd: an IPv6 --address needs --domains with inet6"},
      {{"--domains", "unix,inet6"}, "tunsockd: --domains: inet6 needs inet"},
      {{"--tun", "t", "--address", "198.18.0.2/24", "--host-address", "2001:db8::1/64"},
       "tunsockd: an IPv6 --host-address needs an IPv6 --address"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--host-address", "2001:db8::2/64"},
       "tunsockd: --host-address must differ from --address"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--host-address", "2001:db8::1"},
       "tunsockd: bad IPv6 --host-address (want ADDR/P, e.g. 2001:db8::2/64)"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--host-address", "fe80::1/64"},
       "tunsockd: IPv6 --host-address must be global (the link-local one is derived from it)"},
      {{"--tun", "t", "--address", "2001:db8::2/64", "--host-address", "2001:db8::1/64", "--host-address",
        "2001:db8::3/64"},
       "tunsockd: --host-address: one IPv6 address only"},
      {{"--tun", "t", "--address", "198.18.0.2/24", "--host-address", "198.18.0.1/24", "--host-address",
        "198.18.0.3/24"},
       "tunsockd: --host-address: one IPv4 address only"},
  };
  for (const Case& k : cases) {
    auto p = parse(k.args);
    CAPTURE(k.args[k.args.size() - 1]);
    CHECK_FALSE(p.c);
    CHECK(p.code == 2);
    CHECK(why(p) == k.msg);
  }
}

TEST_CASE("config: an IPv6 --address allows --mtu 1280") {
  auto p = parse({"--tun", "t", "--address", "2001:db8::2/64", "--mtu", "1280"});
  REQUIRE(p.c);
  CHECK(p.c->inet.mtu == 1280);
}
