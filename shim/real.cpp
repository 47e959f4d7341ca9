// dlsym(RTLD_NEXT) for every interposed function (see real.hpp).
#include "real.hpp"

#include <dlfcn.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace tunsock::shim {
namespace {

Real g_real;
std::once_flag g_once;

template <class F>
void resolve(F& slot, const char* name, bool required = true) {
  void* p = ::dlsym(RTLD_NEXT, name);
  if (!p && required) {
    const char msg[] = "libtunsock: cannot find libc's ";
    (void)!::syscall(1, 2, msg, sizeof msg - 1);  // write(2) without recursion
    (void)!::syscall(1, 2, name, std::strlen(name));
    (void)!::syscall(1, 2, "\n", 1);
    std::abort();
  }
  slot = reinterpret_cast<F>(p);
}

void resolve_all() {
  Real& r = g_real;
  resolve(r.socket, "socket");
  resolve(r.socketpair, "socketpair");
  resolve(r.bind, "bind");
  resolve(r.listen, "listen");
  resolve(r.accept, "accept");
  resolve(r.accept4, "accept4");
  resolve(r.connect, "connect");
  resolve(r.shutdown, "shutdown");
  resolve(r.close, "close");
  resolve(r.getsockname, "getsockname");
  resolve(r.getpeername, "getpeername");
  resolve(r.getsockopt, "getsockopt");
  resolve(r.setsockopt, "setsockopt");
  resolve(r.read, "read");
  resolve(r.write, "write");
  resolve(r.readv, "readv");
  resolve(r.writev, "writev");
  resolve(r.recv, "recv");
  resolve(r.recvfrom, "recvfrom");
  resolve(r.recvmsg, "recvmsg");
  resolve(r.recvmmsg, "recvmmsg");
  resolve(r.send, "send");
  resolve(r.sendto, "sendto");
  resolve(r.sendmsg, "sendmsg");
  resolve(r.sendmmsg, "sendmmsg");
  resolve(r.fcntl, "fcntl");
  resolve(r.fcntl64, "fcntl64", false);
  if (!r.fcntl64) r.fcntl64 = r.fcntl;
  resolve(r.ioctl, "ioctl");
  resolve(r.dup, "dup");
  resolve(r.dup2, "dup2");
  resolve(r.dup3, "dup3");
  resolve(r.sendfile, "sendfile");
  resolve(r.sendfile64, "sendfile64");
  resolve(r.splice, "splice");
}

}  // namespace

const Real& real() {
  std::call_once(g_once, resolve_all);
  return g_real;
}

}  // namespace tunsock::shim
