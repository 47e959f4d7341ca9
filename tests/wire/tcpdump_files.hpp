// Test support for comparing our packet lines with the real tcpdump's: a
// pcap file (LINKTYPE_RAW) written from packets, and tcpdump's lines read
// back from it. Used by tcpdump_test.cpp (TCP) and tcpdump_proto_test.cpp.
#pragma once

#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "netinet/inet_fixture.hpp"

namespace tunsock::test {

struct Captured {
  Pkt bytes;   // what was captured
  size_t len;  // the packet's length on the wire
};

inline Captured whole(Pkt p) { return {p, p.size()}; }
inline Captured cut(Pkt p, size_t cap) {
  size_t n = p.size();
  p.resize(cap);
  return {p, n};
}

// Record i's time: 1.000000 + i seconds and i microseconds (tcpdump -tt
// prints it as "1+i.00000i").
inline uint32_t record_sec(size_t i) { return uint32_t(1 + i); }
inline uint32_t record_usec(size_t i) { return uint32_t(i); }

// A pcap file (LINKTYPE_RAW) holding the packets, as libpcap writes one.
inline void write_pcap(const std::string& path, const std::vector<Captured>& v) {
  std::ofstream f(path, std::ios::binary);
  auto le32 = [&](uint32_t x) {
    char b[4] = {char(x), char(x >> 8), char(x >> 16), char(x >> 24)};
    f.write(b, 4);
  };
  auto le16 = [&](uint16_t x) {
    char b[2] = {char(x), char(x >> 8)};
    f.write(b, 2);
  };
  le32(0xa1b2c3d4);
  le16(2);
  le16(4);
  le32(0);
  le32(0);
  le32(65535);
  le32(101);  // LINKTYPE_RAW
  for (size_t i = 0; i < v.size(); ++i) {
    le32(record_sec(i));
    le32(record_usec(i));
    le32(uint32_t(v[i].bytes.size()));
    le32(uint32_t(v[i].len));
    f.write(reinterpret_cast<const char*>(v[i].bytes.data()), std::streamsize(v[i].bytes.size()));
  }
}

inline bool have_tcpdump() { return std::system("tcpdump --version >/dev/null 2>&1") == 0; }

// tcpdump's lines for the file; the first field (the timestamp) cut off
// unless keep_time.
inline std::vector<std::string> run_tcpdump(const std::string& path, const char* flags, bool keep_time = false) {
  std::string cmd = std::string("tcpdump ") + flags + " -r " + path + " 2>/dev/null";
  std::vector<std::string> lines;
  FILE* p = popen(cmd.c_str(), "r");
  REQUIRE(p);
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p) && lines.size() < 10000) {
    std::string l(buf);
    if (!l.empty() && l.back() == '\n') l.pop_back();
    size_t sp = l.find(' ');
    lines.push_back(keep_time || sp == std::string::npos ? l : l.substr(sp + 1));
  }
  pclose(p);
  return lines;
}

}  // namespace tunsock::test
