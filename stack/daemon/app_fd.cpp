// pidfd_getfd of the application's channel end (see app_fd.hpp): find the
// descriptor in the holder's /proc/PID/fd by the socket's inode, take a
// duplicate through a pidfd, and check that it is that socket.
#include "daemon/app_fd.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "daemon/fd.hpp"

namespace tunsock::daemon {
namespace {

constexpr size_t kMaxProcs = 256;  // descendants searched at most

bool is_socket_ino(int dirfd, const char* name, uint64_t ino) {
  struct stat st;
  return ::fstatat(dirfd, name, &st, 0) == 0 && S_ISSOCK(st.st_mode) && st.st_ino == ino;
}

// The number under which pid holds socket ino (the hint first), or -1.
int find_fd(pid_t pid, int hint, uint64_t ino) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/fd", int(pid));
  DIR* d = ::opendir(path);
  if (!d) return -1;
  int found = -1;
  if (hint >= 0) {
    char name[16];
    std::snprintf(name, sizeof name, "%d", hint);
    if (is_socket_ino(::dirfd(d), name, ino)) found = hint;
  }
  while (found < 0) {
    dirent* e = ::readdir(d);
    if (!e) break;
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    if (is_socket_ino(::dirfd(d), e->d_name, ino)) found = std::atoi(e->d_name);
  }
  ::closedir(d);
  return found;
}

// A verified duplicate of pid's descriptor of ino, or -errno.
int take_from(pid_t pid, int hint, uint64_t ino) {
  int fd = find_fd(pid, hint, ino);
  if (fd < 0) return -ENOENT;
  UniqueFd pidfd(int(::syscall(SYS_pidfd_open, pid, 0)));
  if (!pidfd) return -errno;
  int dup = int(::syscall(SYS_pidfd_getfd, pidfd.get(), fd, 0));
  if (dup < 0) return -errno;
  struct stat st;
  if (::fstat(dup, &st) != 0 || st.st_ino != ino) {  // closed and reused meanwhile
    ::close(dup);
    return -ENOENT;
  }
  return dup;
}

// The children of pid's threads (/proc/PID/task/TID/children).
void children_of(pid_t pid, std::vector<pid_t>& out) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/task", int(pid));
  DIR* d = ::opendir(path);
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char cpath[320];
    std::snprintf(cpath, sizeof cpath, "/proc/%d/task/%s/children", int(pid), e->d_name);
    FILE* f = std::fopen(cpath, "re");
    if (!f) continue;
    int child;
    while (out.size() < kMaxProcs && std::fscanf(f, "%d", &child) == 1) out.push_back(pid_t(child));
    std::fclose(f);
  }
  ::closedir(d);
}

}  // namespace

int borrow_app_socket(std::span<const AppHolder> holders, uint64_t ino) {
  if (ino == 0) return -ENOENT;
  int err = -ENOENT;
  for (const AppHolder& h : holders) {
    if (h.pid <= 0) continue;
    int r = take_from(h.pid, h.fd, ino);
    if (r >= 0) return r;
    if (r != -ENOENT) err = r;
  }
  // Breadth first through the holders' descendants (a fork-per-connection
  // server's child talks to the daemon only when it makes a socket call).
  std::vector<pid_t> procs;
  for (const AppHolder& h : holders)
    if (h.pid > 0) children_of(h.pid, procs);
  for (size_t i = 0; i < procs.size() && i < kMaxProcs; ++i) {
    int r = take_from(procs[i], -1, ino);
    if (r >= 0) return r;
    if (r != -ENOENT) err = r;
    children_of(procs[i], procs);
  }
  return err;
}

}  // namespace tunsock::daemon
