// ss's filter expressions: a tokenizer and a recursive-descent parser for
// the grammar of iproute2's ssfilter.y (or < and < not, juxtaposition = and),
// evaluated on SsTuple. Written from ss(8); no iproute2 code.
#include "ss_filter.hpp"

#include <arpa/inet.h>
#include <fnmatch.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cctype>
#include <cstring>

namespace tunsock::ctl {

SsEndpoint SsEndpoint::inet(uint32_t a, uint16_t port) {
  SsEndpoint e;
  e.family = AF_INET;
  uint32_t n = htonl(a);
  std::memcpy(e.addr.data(), &n, 4);
  e.port = port;
  return e;
}

SsEndpoint SsEndpoint::inet6(const uint8_t (&a)[16], uint16_t port) {
  SsEndpoint e;
  e.family = AF_INET6;
  std::memcpy(e.addr.data(), a, 16);
  e.port = port;
  return e;
}

SsEndpoint SsEndpoint::local(std::string path) {
  SsEndpoint e;
  e.family = AF_UNIX;
  e.path = std::move(path);
  return e;
}

namespace {

enum class Cmp { Eq, Ne, Lt, Gt, Le, Ge };

// A HOSTCOND of ss: an address (maybe a prefix), a port, both, or a unix
// path pattern. family 0 with no port: "*", anything.
struct HostCond {
  int family = 0;
  std::array<uint8_t, 16> addr{};
  int prefix = 0;  // bits of addr that must match
  std::optional<uint16_t> port;
  std::string pattern;  // AF_UNIX: fnmatch(3) pattern
};

}  // namespace

struct SsFilter::Node {
  enum Kind { And, Or, Not, Src, Dst, Sport, Dport } kind;
  std::shared_ptr<const Node> a, b;
  HostCond host;
  Cmp cmp = Cmp::Eq;
};

namespace {

using NodeP = std::shared_ptr<const SsFilter::Node>;

bool prefix_match(const uint8_t* x, const uint8_t* y, int bits) {
  int bytes = bits / 8, rest = bits % 8;
  if (std::memcmp(x, y, size_t(bytes)) != 0) return false;
  if (rest == 0) return true;
  uint8_t mask = uint8_t(0xff << (8 - rest));
  return (x[bytes] & mask) == (y[bytes] & mask);
}

bool host_matches(const HostCond& h, const SsEndpoint& e) {
  if (h.family == AF_UNIX) return e.family == AF_UNIX && ::fnmatch(h.pattern.c_str(), e.path.c_str(), 0) == 0;
  if (h.port && (e.family == AF_UNIX || e.port != *h.port)) return false;
  if (h.family == 0) return true;
  if (h.family == AF_INET) {
    if (e.family == AF_INET) return prefix_match(h.addr.data(), e.addr.data(), h.prefix);
    // An IPv4 condition also matches the v4-mapped address of an IPv6 socket.
    static const uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return e.family == AF_INET6 && std::memcmp(e.addr.data(), kMapped, 12) == 0 &&
           prefix_match(h.addr.data(), e.addr.data() + 12, h.prefix);
  }
  return e.family == AF_INET6 && prefix_match(h.addr.data(), e.addr.data(), h.prefix);
}

bool port_cmp(Cmp c, const SsEndpoint& e, uint16_t p) {
  if (e.family != AF_INET && e.family != AF_INET6) return false;
  switch (c) {
    case Cmp::Eq: return e.port == p;
    case Cmp::Ne: return e.port != p;
    case Cmp::Lt: return e.port < p;
    case Cmp::Gt: return e.port > p;
    case Cmp::Le: return e.port <= p;
    case Cmp::Ge: return e.port >= p;
  }
  return false;
}

bool eval(const SsFilter::Node& n, const SsTuple& t) {
  using N = SsFilter::Node;
  switch (n.kind) {
    case N::And: return eval(*n.a, t) && eval(*n.b, t);
    case N::Or: return eval(*n.a, t) || eval(*n.b, t);
    case N::Not: return !eval(*n.a, t);
    case N::Src: return host_matches(n.host, t.src) != (n.cmp == Cmp::Ne);
    case N::Dst: return host_matches(n.host, t.dst) != (n.cmp == Cmp::Ne);
    case N::Sport: return port_cmp(n.cmp, t.src, n.host.port.value_or(0));
    case N::Dport: return port_cmp(n.cmp, t.dst, n.host.port.value_or(0));
  }
  return false;
}

std::vector<std::string> tokenize(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '(' || c == ')') {
      out.emplace_back(1, c);
      ++i;
    } else if (c == '!' && (i + 1 >= s.size() || s[i + 1] != '=')) {
      out.emplace_back("!");
      ++i;
    } else {
      size_t j = i;
      while (j < s.size() && !std::isspace(static_cast<unsigned char>(s[j])) && s[j] != '(' && s[j] != ')') ++j;
      out.push_back(s.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

std::optional<uint16_t> parse_port(const std::string& s) {
  if (s.empty()) return std::nullopt;
  if (std::all_of(s.begin(), s.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); })) {
    if (s.size() > 5) return std::nullopt;
    unsigned long v = std::stoul(s);
    if (v > 65535) return std::nullopt;
    return uint16_t(v);
  }
  // A service name, as ss accepts `:http` (services(5)).
  const servent* se = ::getservbyname(s.c_str(), "tcp");
  if (!se) se = ::getservbyname(s.c_str(), "udp");
  if (!se) return std::nullopt;
  return ntohs(uint16_t(se->s_port));
}

// ADDR[/LEN], with ADDR numeric IPv4 or IPv6 (ss resolves host names too;
// DEVIATION: numeric only, so a filter never waits on DNS).
bool parse_addr(const std::string& s, HostCond& h) {
  std::string a = s;
  int len = -1;
  if (auto slash = a.find('/'); slash != std::string::npos) {
    std::string l = a.substr(slash + 1);
    if (l.empty() || l.size() > 3 || !std::all_of(l.begin(), l.end(), [](char c) { return c >= '0' && c <= '9'; })) return false;
    len = std::stoi(l);
    a.resize(slash);
  }
  if (a == "*" || a.empty()) {
    h.family = 0;
    return len < 0;
  }
  if (::inet_pton(AF_INET, a.c_str(), h.addr.data()) == 1) {
    h.family = AF_INET;
    h.prefix = len < 0 ? 32 : len;
    return h.prefix <= 32;
  }
  if (::inet_pton(AF_INET6, a.c_str(), h.addr.data()) == 1) {
    h.family = AF_INET6;
    h.prefix = len < 0 ? 128 : len;
    return h.prefix <= 128;
  }
  return false;
}

// ss's HOSTCOND: `*`, `:PORT`, `*:PORT`, `ADDR`, `ADDR:PORT`, `[V6]:PORT`,
// `ADDR/LEN`, a unix path pattern (`/run/*.sock`, `@abstract`, `unix:PATH`).
std::optional<HostCond> parse_host(const std::string& s) {
  HostCond h;
  if (s.rfind("unix:", 0) == 0 || s[0] == '/' || s[0] == '@') {
    h.family = AF_UNIX;
    h.pattern = s.rfind("unix:", 0) == 0 ? s.substr(5) : s;
    return h;
  }
  std::string addr = s, port;
  if (s[0] == '[') {
    auto close = s.find(']');
    if (close == std::string::npos) return std::nullopt;
    addr = s.substr(1, close - 1);
    if (close + 1 < s.size()) {
      if (s[close + 1] != ':') return std::nullopt;
      port = s.substr(close + 2);
      if (port.empty()) return std::nullopt;
    }
  } else if (auto colon = s.rfind(':'); colon != std::string::npos && s.find(':') == colon) {
    addr = s.substr(0, colon);  // exactly one ':': ADDR:PORT (more is a bare IPv6 address)
    port = s.substr(colon + 1);
    if (port.empty()) return std::nullopt;
  }
  if (!parse_addr(addr, h)) return std::nullopt;
  if (!port.empty() && port != "*") {
    h.port = parse_port(port);
    if (!h.port) return std::nullopt;
  }
  return h;
}

std::optional<Cmp> parse_cmp(const std::string& t) {
  if (t == "=" || t == "==" || t == "eq") return Cmp::Eq;
  if (t == "!=" || t == "ne" || t == "neq") return Cmp::Ne;
  if (t == "<" || t == "lt") return Cmp::Lt;
  if (t == ">" || t == "gt") return Cmp::Gt;
  if (t == "<=" || t == "le" || t == "leq") return Cmp::Le;
  if (t == ">=" || t == "ge" || t == "geq") return Cmp::Ge;
  return std::nullopt;
}

class Parser {
 public:
  explicit Parser(std::vector<std::string> toks) : t_(std::move(toks)) {}

  NodeP parse_all(std::string* error) {
    NodeP n = parse_or();
    if (n && i_ < t_.size()) fail("unexpected '" + t_[i_] + "'");
    if (!err_.empty()) {
      if (error) *error = err_;
      return nullptr;
    }
    return n;
  }

 private:
  bool at(const char* w) const { return i_ < t_.size() && t_[i_] == w; }
  bool at_or() const { return at("or") || at("|") || at("||"); }
  bool at_and() const { return at("and") || at("&") || at("&&"); }
  bool at_end() const { return i_ >= t_.size() || at(")"); }
  NodeP fail(std::string m) {
    if (err_.empty()) err_ = std::move(m);
    return nullptr;
  }

  static NodeP join(SsFilter::Node::Kind k, NodeP a, NodeP b) {
    auto n = std::make_shared<SsFilter::Node>();
    n->kind = k;
    n->a = std::move(a);
    n->b = std::move(b);
    return n;
  }

  NodeP parse_or() {
    NodeP l = parse_and();
    while (l && at_or()) {
      ++i_;
      NodeP r = parse_and();
      if (!r) return nullptr;
      l = join(SsFilter::Node::Or, l, r);
    }
    return l;
  }

  NodeP parse_and() {
    NodeP l = parse_unary();
    while (l && !at_end() && !at_or()) {
      if (at_and()) ++i_;  // explicit, or juxtaposed as ss allows
      NodeP r = parse_unary();
      if (!r) return nullptr;
      l = join(SsFilter::Node::And, l, r);
    }
    return l;
  }

  NodeP parse_unary() {
    if (i_ >= t_.size()) return fail("expression ends too early");
    if (at("!") || at("not")) {
      ++i_;
      NodeP a = parse_unary();
      return a ? join(SsFilter::Node::Not, a, nullptr) : nullptr;
    }
    if (at("(")) {
      ++i_;
      NodeP n = parse_or();
      if (!n) return nullptr;
      if (!at(")")) return fail("missing ')'");
      ++i_;
      return n;
    }
    return parse_cond();
  }

  NodeP parse_cond() {
    const std::string& w = t_[i_++];
    SsFilter::Node::Kind k;
    if (w == "src" || w == "sport") {
      k = w == "src" ? SsFilter::Node::Src : SsFilter::Node::Sport;
    } else if (w == "dst" || w == "dport") {
      k = w == "dst" ? SsFilter::Node::Dst : SsFilter::Node::Dport;
    } else {
      return fail("unknown condition '" + w + "' (supported: src, dst, sport, dport, and, or, not)");
    }
    auto n = std::make_shared<SsFilter::Node>();
    n->kind = k;
    if (i_ < t_.size()) {
      if (auto c = parse_cmp(t_[i_])) {
        n->cmp = *c;
        ++i_;
      }
    }
    if (i_ >= t_.size()) return fail("'" + w + "' needs an address or port");
    const std::string& hs = t_[i_++];
    bool is_port = k == SsFilter::Node::Sport || k == SsFilter::Node::Dport;
    std::optional<HostCond> h;
    if (is_port && hs.find(':') == std::string::npos) {
      h = HostCond{};  // ss also takes a bare port there: `sport = 80`
      h->port = parse_port(hs);
    } else {
      h = parse_host(hs);
    }
    if (!h) return fail("cannot parse '" + hs + "' as an address or :port");
    if (is_port) {
      if (!h->port || h->family != 0) return fail("'" + w + "' needs :PORT, got '" + hs + "'");
    } else if (n->cmp != Cmp::Eq && n->cmp != Cmp::Ne) {
      return fail("'" + w + "' compares with = or != only");
    }
    n->host = *h;
    return n;
  }

  std::vector<std::string> t_;
  size_t i_ = 0;
  std::string err_;
};

}  // namespace

std::optional<SsFilter> SsFilter::parse(const std::string& text, std::string* error) {
  SsFilter f;
  auto toks = tokenize(text);
  if (toks.empty()) return f;
  Parser p(std::move(toks));
  f.root_ = p.parse_all(error);
  if (!f.root_) return std::nullopt;
  return f;
}

std::optional<SsFilter> SsFilter::parse(const std::vector<std::string>& words, std::string* error) {
  std::string text;
  for (auto& w : words) text += w + " ";
  return parse(text, error);
}

bool SsFilter::matches(const SsTuple& t) const { return !root_ || eval(*root_, t); }

}  // namespace tunsock::ctl
