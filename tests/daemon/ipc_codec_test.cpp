// The ipc codec with bad input: truncated records, lying lengths, wrong
// magic or version, unknown ops; channel names round-trip and reject junk.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "ipc/protocol.hpp"

using namespace tunsock;

namespace {

std::vector<std::byte> record(ipc::Request q, size_t addrlen, size_t payload_len) {
  q.addrlen = uint32_t(addrlen);
  q.payload_len = uint32_t(payload_len);
  std::vector<std::byte> b(sizeof q + addrlen + payload_len, std::byte{0x5a});
  std::memcpy(b.data(), &q, sizeof q);
  return b;
}

}  // namespace

TEST_CASE("ipc: a well-formed request parses, views point into the buffer") {
  auto q = ipc::make_request(ipc::Op::Bind, 7, 42);
  auto b = record(q, 5, 3);
  auto p = ipc::parse_request(b.data(), b.size());
  REQUIRE(p);
  CHECK(p->hdr.seq == 7);
  CHECK(p->hdr.sock_id == 42);
  CHECK(p->addr == b.data() + sizeof(ipc::Request));
  CHECK(p->payload == b.data() + sizeof(ipc::Request) + 5);
}

TEST_CASE("ipc: every truncation of a record is rejected") {
  auto b = record(ipc::make_request(ipc::Op::SendTo, 1, 1), 16, 100);
  for (size_t n = 0; n < b.size(); ++n) CHECK_FALSE(ipc::parse_request(b.data(), n));
  CHECK(ipc::parse_request(b.data(), b.size()));
}

TEST_CASE("ipc: lying lengths are rejected") {
  auto q = ipc::make_request(ipc::Op::SendTo, 1, 1);
  auto b = record(q, 4, 4);
  // Claims more payload than was received.
  ipc::Request lie = q;
  lie.addrlen = 4;
  lie.payload_len = 400;
  std::memcpy(b.data(), &lie, sizeof lie);
  CHECK_FALSE(ipc::parse_request(b.data(), b.size()));
  // Claims less: trailing garbage.
  lie.payload_len = 1;
  std::memcpy(b.data(), &lie, sizeof lie);
  CHECK_FALSE(ipc::parse_request(b.data(), b.size()));
  // Address longer than any sockaddr.
  auto big = record(q, ipc::kMaxAddr + 1, 0);
  CHECK_FALSE(ipc::parse_request(big.data(), big.size()));
  // Huge lengths that would overflow a 32-bit sum.
  lie.addrlen = 0xffffffffu;
  lie.payload_len = 0xffffffffu;
  std::memcpy(b.data(), &lie, sizeof lie);
  CHECK_FALSE(ipc::parse_request(b.data(), b.size()));
  lie.addrlen = 0;
  lie.payload_len = uint32_t(ipc::kMaxRecord + 1);
  std::memcpy(b.data(), &lie, sizeof lie);
  CHECK_FALSE(ipc::parse_request(b.data(), b.size()));
}

TEST_CASE("ipc: wrong magic, wrong version, unknown op are rejected") {
  auto q = ipc::make_request(ipc::Op::Hello, 1, 0);
  auto b = record(q, 0, 0);
  ipc::Request bad = q;
  bad.magic ^= 1;
  std::memcpy(b.data(), &bad, sizeof bad);
  CHECK_FALSE(ipc::parse_request(b.data(), b.size()));
  bad = q;
  bad.version = ipc::kVersion + 1;
  std::memcpy(b.data(), &bad, sizeof bad);
  CHECK_FALSE(ipc::parse_request(b.data(), b.size()));
  for (uint16_t op : {uint16_t(0), uint16_t(uint16_t(ipc::kLastOp) + 1), uint16_t(0xffff)}) {
    bad = q;
    bad.op = op;
    std::memcpy(b.data(), &bad, sizeof bad);
    CHECK_FALSE(ipc::parse_request(b.data(), b.size()));
  }
}

TEST_CASE("ipc: garbage bytes never parse and never read past the end") {
  std::vector<std::byte> junk(sizeof(ipc::Request) + 64);
  uint32_t x = 12345;
  for (int round = 0; round < 2000; ++round) {
    for (auto& c : junk) {
      x = x * 1103515245u + 12345u;
      c = std::byte(x >> 24);
    }
    // Real magic and version half of the time, so the length checks run.
    if (round % 2) {
      std::memcpy(junk.data(), &ipc::kMagic, sizeof ipc::kMagic);
      std::memcpy(junk.data() + 4, &ipc::kVersion, sizeof ipc::kVersion);
    }
    size_t n = x % junk.size();
    auto p = ipc::parse_request(junk.data(), n);
    if (p) CHECK(sizeof(ipc::Request) + p->hdr.addrlen + p->hdr.payload_len == n);
  }
}

TEST_CASE("ipc: replies echo op and seq") {
  auto q = ipc::make_request(ipc::Op::Connect, 99, 5);
  auto r = ipc::make_reply(q, ipc::kFallThrough);
  CHECK(r.op == q.op);
  CHECK(r.seq == 99);
  CHECK(r.sock_id == 5);
  CHECK(r.error == ipc::kFallThrough);
  std::vector<std::byte> b(sizeof r);
  std::memcpy(b.data(), &r, sizeof r);
  CHECK(ipc::parse_reply(b.data(), b.size()));
  CHECK_FALSE(ipc::parse_reply(b.data(), b.size() - 1));
}

TEST_CASE("ipc: channel names round-trip and junk names are refused") {
  sockaddr_un sun;
  socklen_t len = ipc::channel_name(0xabcdef, 0x1234, &sun);
  REQUIRE(len > 0);
  uint64_t inst = 0, id = 0;
  CHECK(ipc::parse_channel_name(&sun, len, &inst, &id));
  CHECK(inst == 0xabcdef);
  CHECK(id == 0x1234);
  // A truncated name, a pathname, another prefix, a missing id.
  CHECK_FALSE(ipc::parse_channel_name(&sun, len - 5, &inst, &id));
  sockaddr_un path{};
  path.sun_family = AF_UNIX;
  std::strcpy(path.sun_path, "/tmp/tunsock.1.2");
  CHECK_FALSE(ipc::parse_channel_name(&path, socklen_t(offsetof(sockaddr_un, sun_path) + 17), &inst, &id));
  sockaddr_un other{};
  other.sun_family = AF_UNIX;
  std::memcpy(other.sun_path + 1, "tunsocx.1.2", 11);
  CHECK_FALSE(ipc::parse_channel_name(&other, socklen_t(offsetof(sockaddr_un, sun_path) + 12), &inst, &id));
  sockaddr_un noid{};
  noid.sun_family = AF_UNIX;
  std::memcpy(noid.sun_path + 1, "tunsock.1.", 10);
  CHECK_FALSE(ipc::parse_channel_name(&noid, socklen_t(offsetof(sockaddr_un, sun_path) + 11), &inst, &id));
  CHECK_FALSE(ipc::parse_channel_name(&sun, socklen_t(sizeof(sockaddr_un) + 1), &inst, &id));
}
