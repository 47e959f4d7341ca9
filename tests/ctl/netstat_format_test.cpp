// tunsockctl netstat's text from the daemon's JSON: netstat -s's Linux lines
// computed from the stack's counters with the drops listed after each
// section, netstat -m as FreeBSD's, netstat -i's table as net-tools prints
// it (captured from Linux), ip -s link's blocks.
#include <doctest/doctest.h>

#include "netstat_format.hpp"

using namespace tunsock::ctl;
using nlohmann::json;

namespace {
bool has(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }
}  // namespace

TEST_CASE("netstat format: -s maps the stack's counters onto Linux's lines") {
  json c = {{"ip", {{"total", 12}, {"badsum", 2}, {"tooshort", 1}, {"noproto", 3}, {"delivered", 6}, {"localout", 9}}},
            {"icmp", {{"inmsgs", 4}, {"inecho", 3}, {"inunreach", 1}, {"outmsgs", 3}, {"outechoreply", 3}}},
            {"tcp", {{"connattempt", 5}, {"accepts", 2}, {"rcvtotal", 40}, {"sndtotal", 41}, {"sndrexmitpack", 7},
                     {"rcvbadsum", 1}, {"rcvshort", 1}, {"sndrst", 3}, {"listen_overflows", 4}, {"rcvbadaddr", 5}}},
            {"tcp_curr_estab", 2},
            {"udp", {{"ipackets", 10}, {"noport", 2}, {"fullsock", 1}, {"opackets", 8}}},
            {"local", {{"binds", 1}}},
            {"sockets", {{"created", 6}}}};
  std::string s = netstat_s(c);
  CHECK(s.rfind("Ip:\n    Forwarding: 2\n    12 total packets received\n    3 with invalid headers\n", 0) == 0);
  CHECK(has(s, "    3 with unknown protocol\n"));
  CHECK(has(s, "    6 incoming packets delivered\n    9 requests sent out\n"));
  CHECK(has(s, "        2 bad header checksums\n"));  // the drop and its reason
  CHECK(has(s, "Icmp:\n    4 ICMP messages received\n    0 input ICMP message failed\n    ICMP input histogram:\n"
               "        destination unreachable: 1\n        echo requests: 3\n"));
  CHECK(has(s, "IcmpMsg:\n        InType3: 1\n        InType8: 3\n        OutType0: 3\n"));
  CHECK(has(s, "Tcp:\n    5 active connection openings\n    2 passive connection openings\n"));
  CHECK(has(s, "    2 connections established\n    40 segments received\n    41 segments sent out\n"
               "    7 segments retransmitted\n    2 bad segments received\n    3 resets sent\n"));
  CHECK(has(s, "        4 times the listen queue of a socket overflowed\n"));
  CHECK(has(s, "        5 segments to a multicast or from a v4-mapped or unspecified IPv6 address dropped\n"));
  CHECK(has(s, "Udp:\n    7 packets received\n    2 packets to unknown port received\n    1 packet receive errors\n"
               "    8 packets sent\n    1 receive buffer errors\n"));
  CHECK(has(s, "\nUdpLite:\n"));
  c["udplite"] = {{"ipackets", 3}, {"badsum", 1}};
  CHECK(has(netstat_s(c), "UdpLite:\n    2 packets received\n"));
  c["ip6"] = {{"total", 5}, {"fragoverlap", 2}, {"delivered", 3}};
  c["icmp6"] = {{"inmsgs", 1}};
  s = netstat_s(c);
  CHECK(has(s, "Ip6:\n    5 total packets received\n    3 incoming packets delivered\n"));
  CHECK(has(s, "        2 fragments dropped for overlapping (RFC 5722)\n"));
  CHECK(has(s, "Icmp6:\n    1 ICMP messages received\n"));
  CHECK(s.find("UdpLite:") < s.find("Ip6:"));
}

TEST_CASE("netstat format: -m in FreeBSD's lines") {
  json m = {{"mbuf_size", 256},      {"cluster_size", 2048},   {"mbufs_in_use", 1},  {"clusters_in_use", 1},
            {"mbufs_cached", 36},    {"clusters_cached", 34},  {"mbufs_pooled", 0},  {"clusters_pooled", 0},
            {"mbuf_failures", 0},    {"cluster_failures", 2},  {"mbuf_limit", 0},    {"cluster_limit", 0}};
  CHECK(netstat_m(m) ==
        "1/36/37 mbufs in use (current/cache/total)\n"
        "1/34/35/0 mbuf clusters in use (current/cache/total/max)\n"
        "36/0 mbufs cached (per thread/general pool)\n"
        "34/0 mbuf clusters cached (per thread/general pool)\n"
        "2K/77K/79K bytes allocated to network (current/cache/total)\n"
        "0/2 requests for mbufs denied (mbufs/clusters)\n"
        "0 mbufs max (0 = unlimited)\n");
}

TEST_CASE("netstat format: -i as net-tools prints it, the TUN driver's drops and overruns counted") {
  json j = {{"interfaces",
             {{{"name", "lo"}, {"index", 1}, {"mtu", 65536}, {"flags", 0x49},
               {"stats", {{"rx_packets", 2}, {"tx_packets", 2}, {"rx_bytes", 168}, {"tx_bytes", 168}}}},
              {{"name", "tsk0"}, {"index", 2}, {"mtu", 1500}, {"flags", 0x51},
               {"stats", {{"rx_packets", 10}, {"rx_dropped", 1}, {"tx_packets", 9}}},
               {"tun", {{"rx_nobufs", 2}, {"rx_oversize", 3}, {"tx_short", 1}}}}}}};
  CHECK(netstat_i(j) ==
        "Kernel Interface table\n"
        "Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n"
        "lo              65536        2      0      0 0             2      0      0      0 LRU\n"
        "tsk0             1500       10      0      3 3             9      1      0      0 PRU\n");
  CHECK(ip_s_link(j).rfind("1: lo: <LOOPBACK,UP,LOWER_UP> mtu 65536\n"
                           "    RX:  bytes packets errors dropped  missed   mcast\n"
                           "           168       2      0       0       0       0\n"
                           "    TX:  bytes packets errors dropped carrier collsns\n"
                           "           168       2      0       0       0       0\n"
                           "2: tsk0: <POINTOPOINT,UP,LOWER_UP> mtu 1500\n",
                           0) == 0);
}
