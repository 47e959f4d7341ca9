// Abstract names that mark a kernel socket as a tunsock channel (see protocol.hpp).
#pragma once

#include <sys/un.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace tunsock::ipc {

inline socklen_t channel_name(uint64_t instance, uint64_t sock_id, void* out) {
  auto* sun = static_cast<sockaddr_un*>(out);
  std::memset(sun, 0, sizeof(*sun));
  sun->sun_family = AF_UNIX;
  int n = std::snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1, "%s%llx.%llx", kChannelNamePrefix,
                        static_cast<unsigned long long>(instance), static_cast<unsigned long long>(sock_id));
  if (n <= 0 || size_t(n) >= sizeof(sun->sun_path) - 1) return 0;
  return socklen_t(offsetof(sockaddr_un, sun_path) + 1 + size_t(n));
}

// The name of the listener an unconnected stream/seqpacket socket connects
// its kernel socket to when its stack connect succeeds: the channel name
// with ".c" (parse_channel_name gives the same socket for both).
inline socklen_t connect_name(uint64_t instance, uint64_t sock_id, void* out) {
  socklen_t len = channel_name(instance, sock_id, out);
  auto* sun = static_cast<sockaddr_un*>(out);
  const size_t at = len - offsetof(sockaddr_un, sun_path);
  if (!len || at + 2 > sizeof(sun->sun_path)) return 0;
  sun->sun_path[at] = '.';
  sun->sun_path[at + 1] = 'c';
  return len + 2;
}

inline bool parse_channel_name(const void* in, socklen_t len, uint64_t* instance, uint64_t* sock_id) {
  const auto* sun = static_cast<const sockaddr_un*>(in);
  const size_t off = offsetof(sockaddr_un, sun_path);
  const size_t plen = sizeof(kChannelNamePrefix) - 1;
  if (len <= off + 1 + plen || len > sizeof(sockaddr_un)) return false;
  if (sun->sun_family != AF_UNIX || sun->sun_path[0] != '\0') return false;
  if (std::memcmp(sun->sun_path + 1, kChannelNamePrefix, plen) != 0) return false;
  char tmp[sizeof(sun->sun_path)];
  const size_t n = len - off - 1 - plen;
  std::memcpy(tmp, sun->sun_path + 1 + plen, n);
  tmp[n] = '\0';
  char* dot = nullptr;
  unsigned long long inst = std::strtoull(tmp, &dot, 16);
  if (!dot || *dot != '.') return false;
  char* end = nullptr;
  unsigned long long id = std::strtoull(dot + 1, &end, 16);
  if (end && std::strcmp(end, ".c") == 0) *end = '\0';  // a connect_name
  if (!end || *end != '\0' || end == dot + 1) return false;
  *instance = inst;
  *sock_id = id;
  return true;
}

}  // namespace tunsock::ipc
