// tunsockctl netstat's output from the daemon's CtlQuery JSON
// (docs/ctl-json.md): -s in Linux netstat -s's sections and wording (Ip,
// Icmp, IcmpMsg, Tcp, Udp, UdpLite) computed from the stack's counters, each
// section followed by every drop counter the stack keeps with its reason;
// -m as FreeBSD's netstat -m; -i as netstat -i's table, or as `ip -s link`.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

namespace tunsock::ctl {

std::string netstat_s(const nlohmann::json& counters);
std::string netstat_m(const nlohmann::json& mbufs);
std::string netstat_i(const nlohmann::json& interfaces);
std::string ip_s_link(const nlohmann::json& interfaces);

}  // namespace tunsock::ctl
