// tunsockctl ss's output against ss's own: the same sockets as ss 6.1 printed
// them on Linux (captured from `ss -tan`, `-tanp`, `-an`, `-xanp`, `-tin`)
// must come out byte for byte, trailing blanks included; and which sockets
// each option shows.
#include <doctest/doctest.h>

#include <sys/socket.h>

#include <utility>

#include "ss_format.hpp"

using namespace tunsock::ctl;
using nlohmann::json;

namespace {

json tcp(const char* state, int rq, int sq, const char* la, int lp, const char* pa, int pp, int fd) {
  return {{"id", fd},
          {"family", "inet"},
          {"netid", "tcp"},
          {"state", state},
          {"recv_q", rq},
          {"send_q", sq},
          {"local", {{"addr", la}, {"port", lp}}},
          {"peer", {{"addr", pa}, {"port", pp}}},
          {"uid", 0},
          {"ino", 4342100 + fd},
          {"users", json::array({{{"name", "python3"}, {"pid", 5086}, {"fd", fd}}})}};
}

std::vector<json> three() {
  return {tcp("LISTEN", 0, 5, "198.18.0.1", 8080, "0.0.0.0", 0, 3),
          tcp("ESTAB", 5000, 0, "198.18.0.1", 50550, "198.18.0.1", 8080, 4),
          tcp("ESTAB", 100, 0, "198.18.0.1", 8080, "198.18.0.1", 50550, 5)};
}

SsOptions opts(const char* flags) {
  SsOptions o;
  for (const char* f = flags; *f; ++f) {
    switch (*f) {
      case 't': o.tcp = true; break;
      case 'u': o.udp = true; break;
      case 'x': o.unix_ = true; break;
      case 'a': o.all = true; break;
      case 'l': o.listening = true; break;
      case 'n': o.numeric = true; break;
      case 'p': o.processes = true; break;
      case 'i': o.info = true; break;
      case 'e': o.extended = true; break;
      case 'm': o.memory = true; break;
    }
  }
  return o;
}

}  // namespace

TEST_CASE("ss format: ss -tan, columns as wide as their content") {
  CHECK(ss_render(three(), opts("tan"), three()) ==
        "State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n"
        "LISTEN 0      5         198.18.0.1:8080       0.0.0.0:*           \n"
        "ESTAB  5000   0         198.18.0.1:50550   198.18.0.1:8080        \n"
        "ESTAB  100    0         198.18.0.1:8080    198.18.0.1:50550       \n");
}

TEST_CASE("ss format: ss -tanp, users with name, pid and fd") {
  CHECK(ss_render(three(), opts("tanp"), three()) ==
        "State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process                           \n"
        "LISTEN 0      5         198.18.0.1:8080       0.0.0.0:*     users:((\"python3\",pid=5086,fd=3))\n"
        "ESTAB  5000   0         198.18.0.1:50550   198.18.0.1:8080  users:((\"python3\",pid=5086,fd=4))\n"
        "ESTAB  100    0         198.18.0.1:8080    198.18.0.1:50550 users:((\"python3\",pid=5086,fd=5))\n");
}

TEST_CASE("ss format: ss -ta with service names, and Netid for several kinds") {
  CHECK(ss_render(three(), opts("ta"), three()) ==
        "State  Recv-Q Send-Q Local Address:Port     Peer Address:Port    Process\n"
        "LISTEN 0      5         198.18.0.1:http-alt      0.0.0.0:*              \n"
        "ESTAB  5000   0         198.18.0.1:50550      198.18.0.1:http-alt       \n"
        "ESTAB  100    0         198.18.0.1:http-alt   198.18.0.1:50550          \n");
  CHECK(ss_render(three(), opts("an"), three()) ==
        "Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n"
        "tcp   LISTEN 0      5         198.18.0.1:8080       0.0.0.0:*           \n"
        "tcp   ESTAB  5000   0         198.18.0.1:50550   198.18.0.1:8080        \n"
        "tcp   ESTAB  100    0         198.18.0.1:8080    198.18.0.1:50550       \n");
}

TEST_CASE("ss format: ss -xanp, a unix listener with its inode as the port") {
  json x = {{"id", 9},
            {"family", "unix"},
            {"netid", "u_str"},
            {"state", "LISTEN"},
            {"recv_q", 0},
            {"send_q", 3},
            {"local", {{"path", "/tmp/ctl_test.sock"}}},
            {"peer", json::object()},
            {"ino", 4342182},
            {"users", json::array({{{"name", "python3"}, {"pid", 4548}, {"fd", 8}}})}};
  CHECK(ss_render({x}, opts("xanp"), {x}) ==
        "Netid State  Recv-Q Send-Q      Local Address:Port    Peer Address:PortProcess                           \n"
        "u_str LISTEN 0      3      /tmp/ctl_test.sock 4342182            * 0    users:((\"python3\",pid=4548,fd=8))\n");
}

TEST_CASE("ss format: -e adds uid (not root's), ino, sk and the shutdown arrows") {
  json s = tcp("ESTAB", 0, 0, "198.18.0.1", 8080, "198.18.0.1", 50550, 5);
  s["id"] = 0x1befd;
  s["uid"] = 1000;
  s["shut_wr"] = true;
  std::string out = ss_render({s}, opts("tne"), {s});
  CHECK(out.find(" uid:1000 ino:4342105 sk:1befd <--\n") != std::string::npos);
}

TEST_CASE("ss format: the -i line holds ss -tin's fields in its order and units") {
  json ti = {{"cc", "bbr"},          {"options", 7},           {"snd_wscale", 10},    {"rcv_wscale", 10},
             {"rto", 204000},        {"rtt", 21},              {"rttvar", 12},        {"ato", 40000},
             {"snd_mss", 53760},     {"pmtu", 65535},          {"rcv_mss", 536},      {"advmss", 65483},
             {"snd_cwnd", 11},       {"snd_ssthresh", 0x7fffffff}, {"bytes_sent", 5000}, {"bytes_acked", 5000},
             {"bytes_received", 100}, {"segs_out", 2},         {"segs_in", 4},        {"data_segs_out", 1},
             {"data_segs_in", 1},    {"last_data_sent", 300},  {"last_data_recv", 300}, {"last_ack_recv", 300},
             {"pacing_rate", 409701575576ull}, {"max_pacing_rate", ~0ull}, {"delivery_rate", 143360000000ull},
             {"delivered", 2},       {"reordering", 3},        {"rcv_space", 65483},  {"rcv_ssthresh", 65483},
             {"min_rtt", 3},         {"snd_wnd", 107520}};
  CHECK(ss_tcp_info(ti, opts("tin")) ==
        " bbr wscale:10,10 rto:204 rtt:0.021/0.012 ato:40 mss:53760 pmtu:65535 rcvmss:536 advmss:65483 cwnd:11"
        " bytes_sent:5000 bytes_acked:5000 bytes_received:100 segs_out:2 segs_in:4 data_segs_out:1 data_segs_in:1"
        " send 225280000000bps lastsnd:300 lastrcv:300 lastack:300 pacing_rate 409701575576bps"
        " delivery_rate 143360000000bps delivered:2 rcv_space:65483 rcv_ssthresh:65483 minrtt:0.003 snd_wnd:107520");
  // Without -n the rates are short, as ss -ti prints them; -e adds the options.
  std::string s = ss_tcp_info(ti, opts("tie"));
  CHECK(s.rfind(" ts sack bbr wscale:10,10", 0) == 0);
  CHECK(s.find(" send 225Gbps ") != std::string::npos);
  CHECK(s.find(" pacing_rate 410Gbps ") != std::string::npos);
  ti["total_retrans"] = 2;
  ti["snd_ssthresh"] = 7;
  s = ss_tcp_info(ti, opts("tin"));
  CHECK(s.find(" cwnd:11 ssthresh:7 ") != std::string::npos);
  CHECK(s.find(" retrans:0/2 ") != std::string::npos);
}

TEST_CASE("ss format: -i and -m lines follow their row after a tab") {
  json s = tcp("LISTEN", 0, 5, "198.18.0.1", 8080, "0.0.0.0", 0, 3);
  s["skmem"] = {{"r", 0}, {"rb", 131072}, {"t", 0}, {"tb", 16384}, {"f", 0}, {"w", 0}, {"o", 0}, {"bl", 0}, {"d", 0}};
  s["tcp_info"] = {{"cc", "cubic"}, {"snd_cwnd", 10}, {"state", 10}, {"sacked", 5}};
  std::string out = ss_render({s}, opts("tlmin"), {s});
  CHECK(out.find("0.0.0.0:*\n\t skmem:(r0,rb131072,t0,tb16384,f0,w0,o0,bl0,d0) cubic cwnd:10\n") != std::string::npos);
}

TEST_CASE("ss format: which sockets show by default, with -l, -a and state") {
  auto shown = [](const char* state, const char* netid, const SsOptions& o) {
    json s = {{"state", state}, {"netid", netid}, {"family", "inet"}};
    return ss_selected(s, o);
  };
  SsOptions def = opts("");
  CHECK(shown("ESTAB", "tcp", def));
  CHECK(shown("FIN-WAIT-1", "tcp", def));
  CHECK_FALSE(shown("LISTEN", "tcp", def));
  CHECK_FALSE(shown("UNCONN", "udp", def));
  CHECK_FALSE(shown("TIME-WAIT", "tcp", def));
  CHECK_FALSE(shown("SYN-RECV", "tcp", def));
  SsOptions l = opts("l");
  CHECK(shown("LISTEN", "tcp", l));
  CHECK(shown("UNCONN", "udp", l));
  CHECK_FALSE(shown("ESTAB", "tcp", l));
  SsOptions a = opts("a");
  CHECK(shown("TIME-WAIT", "tcp", a));
  CHECK(shown("SYN-RECV", "tcp", a));
  SsOptions t = opts("ta");
  CHECK_FALSE(shown("ESTAB", "udp", t));
  CHECK_FALSE(shown("ESTAB", "u_str", t));
  SsOptions x = opts("xa");
  CHECK(shown("LISTEN", "u_str", x));
  CHECK(shown("UNCONN", "u_dgr", x));
  CHECK_FALSE(shown("LISTEN", "tcp", x));
  SsOptions st;
  st.states = ss_state_arg("established");
  CHECK(shown("ESTAB", "tcp", st));
  CHECK_FALSE(shown("LISTEN", "tcp", st));
  CHECK((ss_state_arg("connected") & ss_state_bit("TIME-WAIT")) != 0);
  CHECK((ss_state_arg("connected") & ss_state_bit("LISTEN")) == 0);
  CHECK(ss_state_arg("nonsense") == 0);
}

TEST_CASE("ss format: a single state drops the State column, as ss does") {
  SsOptions o = opts("tn");
  o.states = ss_state_arg("established");
  auto v = three();
  v.erase(v.begin());
  std::string out = ss_render(v, o, v);
  CHECK(out.rfind("Recv-Q Send-Q Local Address:Port  Peer Address:Port Process\n", 0) == 0);
}

TEST_CASE("ss format: addresses, wildcards and ports as ss prints them") {
  json v6 = {{"addr", "2001:db8::1"}, {"port", 443}};
  SsAddr a = ss_addr(v6, "tcp", true, false);
  CHECK(a.addr == "[2001:db8::1]");
  CHECK(a.port == "443");
  CHECK(ss_addr(v6, "tcp", false, false).port == "https");
  CHECK(ss_addr({{"addr", "0.0.0.0"}, {"port", 0}}, "udp", true, true).port == "*");
  CHECK(ss_addr({{"addr", "0.0.0.0"}, {"port", 1}}, "raw", false, false).port == "icmp");
  CHECK(ss_addr({{"path", "@abst"}}, "u_dgr", true, false).addr == "@abst");
  CHECK(ss_addr(json::object(), "u_str", true, true).addr == "*");
  CHECK(ss_bw(67.1e9, false) == "67.1G");
  CHECK(ss_bw(153e9, false) == "153G");
  CHECK(ss_bw(999, false) == "999");
  CHECK(ss_bw(2524645783.0, true) == "2524645783");
}

TEST_CASE("ss format: the filter sees the socket's 4-tuple") {
  SsTuple t = ss_tuple(tcp("ESTAB", 0, 0, "198.18.0.1", 8080, "198.18.0.9", 50550, 5));
  std::string err;
  CHECK(SsFilter::parse("sport = :8080 and dst 198.18.0.9:50550", &err)->matches(t));
  json u = {{"family", "unix"}, {"local", {{"path", "/run/x.sock"}}}, {"peer", json::object()}};
  CHECK(SsFilter::parse("src /run/*.sock", &err)->matches(ss_tuple(u)));
}

// IPv6 and v4-mapped sockets, as the daemon's JSON gives them: the expected
// texts are ss 6.1's own output (iproute2-6.1.0, Linux 6.x) for the same
// sockets made by python3 in a namespace (tcp: listeners on [::]:8080,
// [::]:8083 with IPV6_V6ONLY, [2001:db8::1]:8081 (Linux makes a socket bound
// to a non-mapped address IPv6-only), 0.0.0.0:8082; connections over IPv4
// to the dual-stack listener (a v4-mapped accepted socket), over
// 2001:db8::1 and over ::1; udp: 0.0.0.0:5354, [::]:5353, and sockets
// connected to 2001:db8::1 and to ::ffff:198.18.0.1).
namespace {

json inet_sock(const char* netid, const char* family, const char* state, int sq, const char* la, int lp,
               const char* pa, int pp, bool v6only, int id) {
  json s = {{"id", id},
            {"family", family},
            {"netid", netid},
            {"state", state},
            {"recv_q", 0},
            {"send_q", sq},
            {"local", {{"addr", la}, {"port", lp}}},
            {"peer", {{"addr", pa}, {"port", pp}}},
            {"uid", 0},
            {"ino", 5000 + id},
            {"users", json::array()}};
  if (std::string(family) == "inet6") s["v6only"] = v6only;
  return s;
}

// In socket-id order as the daemon lists them: kinds and families mixed, so
// that the render must order them as ss does (udp before tcp, IPv4 first).
std::vector<json> dual_stack() {
  return {
      inet_sock("tcp", "inet6", "LISTEN", 128, "::", 8080, "::", 0, false, 1),
      inet_sock("tcp", "inet6", "LISTEN", 128, "2001:db8::1", 8081, "::", 0, true, 2),
      inet_sock("udp", "inet6", "ESTAB", 0, "::ffff:198.18.0.1", 51484, "::ffff:198.18.0.1", 54, false, 3),
      inet_sock("tcp", "inet", "LISTEN", 128, "0.0.0.0", 8082, "0.0.0.0", 0, false, 4),
      inet_sock("tcp", "inet6", "LISTEN", 128, "::", 8083, "::", 0, true, 5),
      inet_sock("udp", "inet6", "UNCONN", 0, "::", 5353, "::", 0, false, 6),
      inet_sock("tcp", "inet", "ESTAB", 0, "198.18.0.1", 50794, "198.18.0.1", 8080, false, 7),
      inet_sock("tcp", "inet6", "ESTAB", 0, "2001:db8::1", 43676, "2001:db8::1", 8080, false, 8),
      inet_sock("tcp", "inet6", "ESTAB", 0, "2001:db8::1", 8080, "2001:db8::1", 43676, true, 9),
      inet_sock("udp", "inet6", "ESTAB", 0, "2001:db8::1", 40057, "2001:db8::1", 53, false, 10),
      inet_sock("tcp", "inet6", "ESTAB", 0, "::1", 59804, "::1", 8080, false, 11),
      inet_sock("tcp", "inet6", "ESTAB", 0, "::ffff:198.18.0.1", 8080, "::ffff:198.18.0.1", 50794, false, 12),
      inet_sock("tcp", "inet6", "ESTAB", 0, "::1", 8080, "::1", 59804, true, 13),
      inet_sock("udp", "inet", "UNCONN", 0, "0.0.0.0", 5354, "0.0.0.0", 0, false, 14),
  };
}

std::vector<json> only(const std::vector<json>& all, const char* family) {
  std::vector<json> v;
  for (const json& s : all)
    if (!family || s["family"] == family) v.push_back(s);
  return v;
}

}  // namespace

TEST_CASE("ss format: IPv6 and v4-mapped tcp sockets as ss -tan6 prints them") {
  SsOptions o = opts("tan");
  o.ipv6_only = true;
  std::vector<json> shown;
  for (const json& s : dual_stack())
    if (ss_selected(s, o)) shown.push_back(s);
  CHECK(shown.size() == 8);
  // Within a family ss prints the kernel's hash order ([::]:8083 came before
  // [2001:db8::1]:8081 there); the daemon's is socket-id order.
  CHECK(ss_render(shown, o, dual_stack()) ==
        "State  Recv-Q Send-Q       Local Address:Port         Peer Address:Port Process\n"
        "LISTEN 0      128                      *:8080                    *:*           \n"
        "LISTEN 0      128          [2001:db8::1]:8081                 [::]:*           \n"
        "LISTEN 0      128                   [::]:8083                 [::]:*           \n"
        "ESTAB  0      0            [2001:db8::1]:43676       [2001:db8::1]:8080        \n"
        "ESTAB  0      0            [2001:db8::1]:8080        [2001:db8::1]:43676       \n"
        "ESTAB  0      0                    [::1]:59804               [::1]:8080        \n"
        "ESTAB  0      0      [::ffff:198.18.0.1]:8080  [::ffff:198.18.0.1]:50794       \n"
        "ESTAB  0      0                    [::1]:8080                [::1]:59804       \n");
}

TEST_CASE("ss format: ss -tuan puts udp before tcp and IPv4 before IPv6") {
  SsOptions o = opts("tuan");
  CHECK(ss_render(dual_stack(), o, dual_stack()) ==
        "Netid State  Recv-Q Send-Q       Local Address:Port         Peer Address:Port Process\n"
        "udp   UNCONN 0      0                  0.0.0.0:5354              0.0.0.0:*           \n"
        "udp   ESTAB  0      0      [::ffff:198.18.0.1]:51484 [::ffff:198.18.0.1]:54          \n"
        "udp   UNCONN 0      0                        *:5353                    *:*           \n"
        "udp   ESTAB  0      0            [2001:db8::1]:40057       [2001:db8::1]:53          \n"
        "tcp   LISTEN 0      128                0.0.0.0:8082              0.0.0.0:*           \n"
        "tcp   ESTAB  0      0               198.18.0.1:50794          198.18.0.1:8080        \n"
        "tcp   LISTEN 0      128                      *:8080                    *:*           \n"
        "tcp   LISTEN 0      128          [2001:db8::1]:8081                 [::]:*           \n"
        "tcp   LISTEN 0      128                   [::]:8083                 [::]:*           \n"
        "tcp   ESTAB  0      0            [2001:db8::1]:43676       [2001:db8::1]:8080        \n"
        "tcp   ESTAB  0      0            [2001:db8::1]:8080        [2001:db8::1]:43676       \n"
        "tcp   ESTAB  0      0                    [::1]:59804               [::1]:8080        \n"
        "tcp   ESTAB  0      0      [::ffff:198.18.0.1]:8080  [::ffff:198.18.0.1]:50794       \n"
        "tcp   ESTAB  0      0                    [::1]:8080                [::1]:59804       \n");
}

TEST_CASE("ss format: listeners of both families with ss -tln and -tl") {
  std::vector<json> l;
  for (const json& s : dual_stack())
    if (ss_selected(s, opts("tln"))) l.push_back(s);
  // ss's kernel order within IPv6 is its hash's: [::]:8083 before
  // [2001:db8::1]:8081 there; the daemon lists by socket id.
  std::swap(l[1], l[3]);
  CHECK(ss_render(l, opts("tln"), l) ==
        "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"
        "LISTEN 0      128          0.0.0.0:8082      0.0.0.0:*          \n"
        "LISTEN 0      128                *:8080            *:*          \n"
        "LISTEN 0      128             [::]:8083         [::]:*          \n"
        "LISTEN 0      128    [2001:db8::1]:8081         [::]:*          \n");
  CHECK(ss_render(l, opts("tl"), l) ==
        "State  Recv-Q Send-Q Local Address:Port     Peer Address:PortProcess\n"
        "LISTEN 0      128          0.0.0.0:8082          0.0.0.0:*          \n"
        "LISTEN 0      128                *:http-alt            *:*          \n"
        "LISTEN 0      128             [::]:8083             [::]:*          \n"
        "LISTEN 0      128    [2001:db8::1]:tproxy           [::]:*          \n");
}

TEST_CASE("ss format: a listener on a v4-mapped address, an IPv6-only udp socket, raw ICMPv6") {
  // ss -tan, -uan and -wan on Linux for these three (python3 bind to
  // ::ffff:198.18.0.1 without V6ONLY, a udp [::]:5353 with V6ONLY, a raw
  // socket(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6)).
  std::vector<json> t = {
      inet_sock("tcp", "inet6", "LISTEN", 128, "2001:db8::1", 8081, "::", 0, true, 1),
      inet_sock("tcp", "inet6", "LISTEN", 128, "::ffff:198.18.0.1", 8084, "::", 0, false, 2)};
  CHECK(ss_render(t, opts("tan"), t) ==
        "State  Recv-Q Send-Q       Local Address:Port Peer Address:PortProcess\n"
        "LISTEN 0      128          [2001:db8::1]:8081         [::]:*          \n"
        "LISTEN 0      128    [::ffff:198.18.0.1]:8084            *:*          \n");
  std::vector<json> u = {inet_sock("udp", "inet6", "UNCONN", 0, "::", 5353, "::", 0, true, 3)};
  CHECK(ss_render(u, opts("uan"), u) ==
        "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"
        "UNCONN 0      0               [::]:5353         [::]:*          \n");
  std::vector<json> w = {inet_sock("raw", "inet6", "UNCONN", 0, "::", 58, "::", 0, false, 4)};
  SsOptions ow = opts("an");
  ow.raw = true;
  CHECK(ss_render(w, ow, w) ==
        "State  Recv-Q Send-Q Local Address:Port Peer Address:PortProcess\n"
        "UNCONN 0      0                  *:58              *:*          \n");
}

TEST_CASE("ss format: -4 and -6 select by family, the filter sees IPv6 and mapped tuples") {
  SsOptions o4 = opts("tuan");
  o4.ipv4_only = true;
  size_t n4 = 0;
  for (const json& s : dual_stack()) n4 += ss_selected(s, o4);
  CHECK(n4 == only(dual_stack(), "inet").size());
  std::string err;
  auto f = SsFilter::parse("dport = :8080 and dst [2001:db8::1]", &err);
  REQUIRE(f);
  int hits = 0;
  for (const json& s : dual_stack()) hits += f->matches(ss_tuple(s));
  CHECK(hits == 1);  // [2001:db8::1]:43676 -> [2001:db8::1]:8080
  CHECK(ss_tuple(dual_stack()[11]).src.family == AF_INET6);
}
