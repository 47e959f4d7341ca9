// tunsock CMD ARGS...: run a program with libtunsock.so preloaded, so that
// its socket calls go to tunsockd.
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace {

const char kUsage[] =
    "usage: tunsock [--socket PATH] COMMAND [ARGS...]\n"
    "\n"
    "Runs COMMAND with libtunsock.so preloaded: its socket calls go to the\n"
    "user-space stack in tunsockd instead of the kernel.\n"
    "\n"
    "Start the daemon first, e.g.:\n"
    "  tunsockd --socket /tmp/tunsockd.sock &\n"
    "  tunsock --socket /tmp/tunsockd.sock COMMAND ...\n"
    "\n"
    "The control socket is --socket PATH, else $TUNSOCK_SOCKET, else\n"
    "$XDG_RUNTIME_DIR/tunsockd.sock, else /tmp/tunsockd-<uid>.sock; the\n"
    "daemon and the programs must agree on it.\n"
    "\n"
    "Every domain the daemon serves (unix, inet and inet6 unless it runs\n"
    "with --domains leaving some out) goes to its stack; the program learns\n"
    "them on its first socket call. TUNSOCK_DOMAINS=unix[,inet,inet6] narrows\n"
    "that set: a domain left out, or one the daemon does not serve, is the\n"
    "kernel's.\n"
    "\n"
    "Without a daemon, socket calls of those domains fail with ENETDOWN\n"
    "(never silently the kernel's) and the program prints one line naming\n"
    "the path it tried.\n"
    "\n"
    "Environment: TUNSOCK_DOMAINS (above), TUNSOCK_LOG=shim=trace (an strace\n"
    "line per intercepted socket call in $TMPDIR/tunsock-shim.PID.log) and\n"
    "TUNSOCK_SHIM_LOG=FILE (that log in FILE, %p the pid), TUNSOCK_LOG (also\n"
    "the daemon's log levels).\n"
    "Equivalent without the launcher: LD_PRELOAD=/path/to/libtunsock.so COMMAND.\n";

// libtunsock.so next to this program (../lib), else where it was built.
std::string library_path(const char* argv0) {
  char self[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
    std::string dir(self);
    dir = dir.substr(0, dir.rfind('/'));
    std::string cand = dir + "/../lib/libtunsock.so";
    if (::access(cand.c_str(), R_OK) == 0) return cand;
  }
  (void)argv0;
  return std::string(TUNSOCK_LIBDIR) + "/libtunsock.so";
}

}  // namespace

int main(int argc, char** argv) {
  int i = 1;
  for (; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--help") || !std::strcmp(argv[i], "-h")) {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (!std::strcmp(argv[i], "--socket")) {
      if (i + 1 >= argc) {
        std::fputs("tunsock: --socket needs a path\n", stderr);
        return 2;
      }
      ::setenv("TUNSOCK_SOCKET", argv[++i], 1);
      continue;
    }
    if (!std::strncmp(argv[i], "--socket=", 9)) {
      ::setenv("TUNSOCK_SOCKET", argv[i] + 9, 1);
      continue;
    }
    if (!std::strcmp(argv[i], "--")) {
      ++i;
      break;
    }
    break;
  }
  if (i >= argc) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  std::string preload = library_path(argv[0]);
  if (const char* old = std::getenv("LD_PRELOAD"); old && *old) preload += std::string(":") + old;
  ::setenv("LD_PRELOAD", preload.c_str(), 1);
  ::execvp(argv[i], argv + i);
  std::fprintf(stderr, "tunsock: %s: %s\n", argv[i], std::strerror(errno));
  return 127;
}
