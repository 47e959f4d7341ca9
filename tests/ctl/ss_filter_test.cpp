// ss filter expressions (tools/tunsockctl/ss_filter): the grammar of ss(8)'s
// FILTER — conditions, comparison words, precedence, juxtaposition — and
// what each condition matches, over hand-made 4-tuples.
#include <doctest/doctest.h>
#include <sys/socket.h>

#include "ss_filter.hpp"

using namespace tunsock::ctl;

namespace {

constexpr uint32_t ip(uint8_t a, uint8_t b, uint8_t c, uint8_t d) {
  return uint32_t(a) << 24 | uint32_t(b) << 16 | uint32_t(c) << 8 | d;
}

SsTuple tcp4(uint32_t la, uint16_t lp, uint32_t ra, uint16_t rp) {
  return {SsEndpoint::inet(la, lp), SsEndpoint::inet(ra, rp)};
}

bool match(const std::string& expr, const SsTuple& t) {
  std::string err;
  auto f = SsFilter::parse(expr, &err);
  REQUIRE_MESSAGE(f, expr, ": ", err);
  return f->matches(t);
}

bool parses(const std::string& expr) {
  std::string err;
  return SsFilter::parse(expr, &err).has_value();
}

const SsTuple kWeb = tcp4(ip(198, 18, 0, 1), 80, ip(198, 18, 0, 2), 40000);
const SsTuple kTls = tcp4(ip(198, 18, 0, 2), 51000, ip(198, 19, 3, 4), 443);

}  // namespace

TEST_CASE("ss filter: empty matches everything") {
  std::string err;
  auto f = SsFilter::parse(std::vector<std::string>{}, &err);
  REQUIRE(f);
  CHECK(f->empty());
  CHECK(f->matches(kWeb));
}

TEST_CASE("ss filter: sport and dport with every comparison word") {
  CHECK(match("sport = :80", kWeb));
  CHECK_FALSE(match("sport = :80", kTls));
  CHECK(match("sport == :80", kWeb));
  CHECK(match("sport eq :80", kWeb));
  CHECK(match("dport = :443", kTls));
  CHECK(match("dport != :443", kWeb));
  CHECK(match("dport neq :443", kWeb));
  CHECK_FALSE(match("dport ne :443", kTls));
  CHECK(match("sport < :1024", kWeb));
  CHECK_FALSE(match("sport lt :80", kWeb));
  CHECK(match("sport le :80", kWeb));
  CHECK(match("sport <= :80", kWeb));
  CHECK(match("dport > :1024", kWeb));
  CHECK(match("dport ge :40000", kWeb));
  CHECK_FALSE(match("dport gt :40000", kWeb));
  CHECK(match("sport :80", kWeb));  // no operator: equality
  CHECK(match("sport = 80", kWeb));  // a bare number, as ss takes it
}

TEST_CASE("ss filter: service names stand for ports") {
  CHECK(match("sport = :http", kWeb));
  CHECK(match("dport = :https", kTls));
  CHECK_FALSE(parses("sport = :no-such-service-name"));
}

TEST_CASE("ss filter: src and dst with addresses, prefixes and ports") {
  CHECK(match("src 198.18.0.1", kWeb));
  CHECK_FALSE(match("src 198.18.0.2", kWeb));
  CHECK(match("dst 198.18.0.2", kWeb));
  CHECK(match("dst = 198.18.0.2:40000", kWeb));
  CHECK_FALSE(match("dst 198.18.0.2:40001", kWeb));
  CHECK(match("dst 198.18.0.0/15", kTls));
  CHECK_FALSE(match("dst 198.18.0.0/16", kTls));
  CHECK(match("dst 198.19.0.0/16:443", kTls));
  CHECK(match("src *:80", kWeb));
  CHECK(match("src :80", kWeb));
  CHECK(match("src *", kTls));
  CHECK(match("src != 198.18.0.1", kTls));
  CHECK_FALSE(match("src != 198.18.0.1", kWeb));
}

TEST_CASE("ss filter: IPv6 addresses, bracketed with a port, and v4-mapped") {
  const uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const uint8_t mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 18, 0, 7};
  SsTuple t6{SsEndpoint::inet6(a6, 8080), SsEndpoint::inet6(a6, 50000)};
  CHECK(match("src 2001:db8::1", t6));
  CHECK(match("src [2001:db8::1]:8080", t6));
  CHECK_FALSE(match("src [2001:db8::1]:8081", t6));
  CHECK(match("src [2001:db8::/32]", t6));
  CHECK_FALSE(match("src 198.18.0.1", t6));
  SsTuple tm{SsEndpoint::inet6(mapped, 22), SsEndpoint::inet6(mapped, 5)};
  CHECK(match("src 198.18.0.7", tm));
  CHECK(match("src 198.18.0.0/15:22", tm));
}

TEST_CASE("ss filter: unix paths match as fnmatch patterns, never inet conditions") {
  SsTuple u{SsEndpoint::local("/run/app/ctl.sock"), SsEndpoint{}};
  CHECK(match("src /run/app/*.sock", u));
  CHECK(match("src unix:/run/app/ctl.sock", u));
  CHECK_FALSE(match("src /tmp/*", u));
  CHECK_FALSE(match("sport = :0", u));
  CHECK_FALSE(match("src /run/*", kWeb));
}

TEST_CASE("ss filter: and binds tighter than or, juxtaposition is and, not and parentheses") {
  CHECK(match("sport = :80 and dst 198.18.0.2", kWeb));
  CHECK(match("sport = :80 dst 198.18.0.2", kWeb));  // juxtaposed
  CHECK_FALSE(match("sport = :80 && dst 198.18.0.9", kWeb));
  CHECK(match("sport = :80 or dport = :443", kTls));
  CHECK(match("sport = :80 || dport = :443", kWeb));
  // and before or: (false and false) or true
  CHECK(match("sport = :1 and sport = :2 or sport = :80", kWeb));
  // with parentheses the or comes first: false and (...)
  CHECK_FALSE(match("sport = :1 and ( sport = :2 or sport = :80 )", kWeb));
  CHECK(match("( sport = :http or sport = :https )", kWeb));
  CHECK(match("(sport = :http or sport = :https)", kWeb));  // parentheses need no spaces
  CHECK(match("not sport = :443", kWeb));
  CHECK(match("! sport = :443", kWeb));
  CHECK(match("!sport = :443", kWeb));
  CHECK_FALSE(match("not ( sport = :80 or sport = :443 )", kWeb));
  CHECK(match("not not sport = :80", kWeb));
}

TEST_CASE("ss filter: the words of a command line are joined as ss joins them") {
  std::string err;
  auto f = SsFilter::parse(std::vector<std::string>{"sport", "=", ":80", "or", "dport = :443"}, &err);
  REQUIRE(f);
  CHECK(f->matches(kWeb));
  CHECK(f->matches(kTls));
}

TEST_CASE("ss filter: syntax errors are reported, not guessed at") {
  std::string err;
  CHECK_FALSE(SsFilter::parse("sport =", &err));
  CHECK(err.find("sport") != std::string::npos);
  CHECK_FALSE(parses("sport = 198.18.0.1"));
  CHECK_FALSE(parses("sport = :99999"));
  CHECK_FALSE(parses("( sport = :80"));
  CHECK_FALSE(parses("sport = :80 )"));
  CHECK_FALSE(parses("sport = :80 or"));
  CHECK_FALSE(parses("bogus 1"));
  CHECK_FALSE(parses("src 198.18.0.300"));
  CHECK_FALSE(parses("src 198.18.0.0/33"));
  CHECK_FALSE(parses("src < 198.18.0.1"));
  CHECK_FALSE(parses("dst [2001:db8::1"));
}
