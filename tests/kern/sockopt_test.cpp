// SOL_SOCKET options as Linux hands them to programs: sizes, clamps,
// doubling, rounding to ticks, truncating reads, ENOPROTOOPT.
#include <netinet/in.h>
#include <sys/time.h>

#include <climits>

#include "kern/fake_proto.hpp"

using namespace tunsock;
using namespace tunsock::test;

namespace {

int setopt(Socket& so, int name, const void* v, size_t len, uint32_t uid = 1000, int level = SOL_SOCKET) {
  Sockopt o;
  o.sopt_dir = SOPT_SET;
  o.sopt_level = level;
  o.sopt_name = name;
  o.sopt_val = const_cast<void*>(v);
  o.sopt_valsize = len;
  o.sopt_td.cred.uid = uid;
  return sosetopt(so, o);
}
int seti(Socket& so, int name, int v, uint32_t uid = 1000) { return setopt(so, name, &v, sizeof v, uid); }

int getopt(Socket& so, int name, void* v, size_t* len, int level = SOL_SOCKET) {
  Sockopt o;
  o.sopt_dir = SOPT_GET;
  o.sopt_level = level;
  o.sopt_name = name;
  o.sopt_val = v;
  o.sopt_valsize = *len;
  int e = sogetopt(so, o);
  *len = o.sopt_valsize;
  return e;
}
int geti(Socket& so, int name) {
  int v = -12345;
  size_t len = sizeof v;
  REQUIRE(getopt(so, name, &v, &len) == 0);
  CHECK(len == sizeof v);
  return v;
}

}  // namespace

TEST_CASE("kern: read-only identity options") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(geti(*s, SO_TYPE) == SOCK_STREAM);
  CHECK(geti(*s, SO_DOMAIN) == kFakeFamily);
  CHECK(geti(*s, SO_PROTOCOL) == 6);
  CHECK(geti(*s, SO_ACCEPTCONN) == 0);
  REQUIRE(solisten(*s, 1, r.td) == 0);
  CHECK(geti(*s, SO_ACCEPTCONN) == 1);
  for (int name : {SO_TYPE, SO_DOMAIN, SO_PROTOCOL, SO_ACCEPTCONN, SO_ERROR, SO_PEERCRED, SO_SNDLOWAT})
    CHECK(seti(*s, name, 1) == ENOPROTOOPT);
}

TEST_CASE("kern: SO_ERROR reads and clears") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  s->so_error = ECONNREFUSED;
  CHECK(geti(*s, SO_ERROR) == ECONNREFUSED);
  CHECK(geti(*s, SO_ERROR) == 0);
}

TEST_CASE("kern: a short getsockopt buffer truncates - a short setsockopt is EINVAL") {
  FakeRig r;
  Socket* s = r.sock(SOCK_DGRAM);
  uint16_t half = 0xffff;
  size_t len = sizeof half;
  CHECK(getopt(*s, SO_TYPE, &half, &len) == 0);
  CHECK(len == 2);
  CHECK(half == SOCK_DGRAM);  // little-endian low half
  int big[2] = {-1, -1};
  len = sizeof big;
  CHECK(getopt(*s, SO_TYPE, big, &len) == 0);
  CHECK(len == sizeof(int));
  uint16_t v = 1;
  CHECK(setopt(*s, SO_REUSEADDR, &v, sizeof v) == EINVAL);
}

TEST_CASE("kern: unknown options and levels") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  int v = 0;
  size_t len = sizeof v;
  CHECK(getopt(*s, 9999, &v, &len) == ENOPROTOOPT);
  CHECK(seti(*s, 9999, 1) == ENOPROTOOPT);
  len = sizeof v;
  CHECK(getopt(*s, 1, &v, &len, IPPROTO_TCP) == EOPNOTSUPP);  // no pr_ctloutput
  CHECK(setopt(*s, 1, &v, sizeof v, 1000, IPPROTO_TCP) == EOPNOTSUPP);
}

TEST_CASE("kern: boolean options read back 0 or 1") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  for (int name : {SO_REUSEADDR, SO_KEEPALIVE, SO_BROADCAST, SO_DONTROUTE, SO_OOBINLINE, SO_PASSCRED,
                   SO_TIMESTAMP, SO_PASSSEC}) {
    CAPTURE(name);
    CHECK(geti(*s, name) == 0);
    CHECK(seti(*s, name, 5) == 0);
    CHECK(geti(*s, name) == 1);
    CHECK(seti(*s, name, 0) == 0);
    CHECK(geti(*s, name) == 0);
  }
  CHECK(seti(*s, SO_KEEPALIVE, 1) == 0);
  CHECK((s->so_options & SOF_KEEPALIVE));
  // SO_REUSEPORT is for inet sockets only (Linux 6.x); clearing is fine.
  CHECK(seti(*s, SO_REUSEPORT, 1) == EOPNOTSUPP);
  CHECK(seti(*s, SO_REUSEPORT, 0) == 0);
  CHECK(geti(*s, SO_REUSEPORT) == 0);
}

TEST_CASE("kern: privileged options") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(seti(*s, SO_DEBUG, 1) == EACCES);
  CHECK(seti(*s, SO_DEBUG, 0) == 0);
  CHECK(seti(*s, SO_DEBUG, 1, 0) == 0);
  CHECK(geti(*s, SO_DEBUG) == 1);
  CHECK(seti(*s, SO_PRIORITY, 6) == 0);
  CHECK(geti(*s, SO_PRIORITY) == 6);
  CHECK(seti(*s, SO_PRIORITY, 7) == EPERM);
  CHECK(seti(*s, SO_PRIORITY, 7, 0) == 0);
  CHECK(seti(*s, SO_SNDBUFFORCE, 1 << 20) == EPERM);
  CHECK(seti(*s, SO_RCVBUFFORCE, 1 << 20) == EPERM);
  CHECK(seti(*s, SO_SNDBUFFORCE, 1 << 20, 0) == 0);
  CHECK(geti(*s, SO_SNDBUF) == 2 << 20);  // not clamped by wmem_max
  CHECK(seti(*s, SO_MARK, 3) == EPERM);
}

TEST_CASE("kern: SO_SNDBUF/SO_RCVBUF double, clamp and floor as Linux") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(geti(*s, SO_SNDBUF) == 212992);
  CHECK(seti(*s, SO_SNDBUF, 4096) == 0);
  CHECK(geti(*s, SO_SNDBUF) == 8192);
  CHECK(s->so_snd.sb_hiwat == 8192);
  CHECK(seti(*s, SO_SNDBUF, 1) == 0);
  CHECK(geti(*s, SO_SNDBUF) == 4608);
  CHECK(seti(*s, SO_RCVBUF, 1) == 0);
  CHECK(geti(*s, SO_RCVBUF) == 2304);
  CHECK(seti(*s, SO_RCVBUF, 1 << 30) == 0);
  CHECK(geti(*s, SO_RCVBUF) == 2 * 212992);
  CHECK(seti(*s, SO_RCVBUF, -1) == 0);  // negative: unsigned, so the maximum
  CHECK(geti(*s, SO_RCVBUF) == 2 * 212992);
  r.st.sysctl().wmem_max = 4194304;
  CHECK(seti(*s, SO_SNDBUF, 1 << 30) == 0);
  CHECK(geti(*s, SO_SNDBUF) == 8388608);
}

TEST_CASE("kern: a stream send buffer the program sized holds what it asked for (half of the doubled SO_SNDBUF)") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(sosendspace(*s) == long(s->so_snd.sb_hiwat));  // default size: all of it
  REQUIRE(seti(*s, SO_SNDBUF, 32768) == 0);
  CHECK(geti(*s, SO_SNDBUF) == 65536);
  CHECK(sosendspace(*s) == 32768);  // Linux: about 33 KB accepted before EAGAIN
  std::string data(30000, 'x');
  sbappendstream(s->so_snd, m_devget(data.data(), int(data.size()), M_NOWAIT, true));
  CHECK(sosendspace(*s) == 2768);
  sbappendstream(s->so_snd, m_devget(data.data(), 5000, M_NOWAIT, true));
  CHECK(sosendspace(*s) == 0);
  CHECK_FALSE(sowriteable(*s));
  Socket* d = r.sock(SOCK_DGRAM);  // datagram sends are not buffered this way
  REQUIRE(seti(*d, SO_SNDBUF, 32768) == 0);
  CHECK(sosendspace(*d) == 65536);
}

TEST_CASE("kern: SO_LINGER") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  linger l{7, 7};
  size_t len = sizeof l;
  CHECK(getopt(*s, SO_LINGER, &l, &len) == 0);
  CHECK(len == sizeof l);
  CHECK(l.l_onoff == 0);
  CHECK(l.l_linger == 0);
  linger on{1, 5};
  CHECK(setopt(*s, SO_LINGER, &on, sizeof on) == 0);
  CHECK(getopt(*s, SO_LINGER, &l, &len) == 0);
  CHECK(l.l_onoff == 1);
  CHECK(l.l_linger == 5);
  CHECK(setopt(*s, SO_LINGER, &on, sizeof(int)) == EINVAL);
  linger off{0, 9};
  CHECK(setopt(*s, SO_LINGER, &off, sizeof off) == 0);
  CHECK(getopt(*s, SO_LINGER, &l, &len) == 0);
  CHECK(l.l_onoff == 0);
  CHECK(l.l_linger == 5);  // Linux keeps the time
}

TEST_CASE("kern: SO_RCVLOWAT: 0 is 1, negative is INT_MAX - SO_SNDLOWAT is 1") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  CHECK(geti(*s, SO_RCVLOWAT) == 1);
  CHECK(seti(*s, SO_RCVLOWAT, 100) == 0);
  CHECK(geti(*s, SO_RCVLOWAT) == 100);
  CHECK(s->so_rcv.sb_lowat == 100);
  CHECK(seti(*s, SO_RCVLOWAT, 0) == 0);
  CHECK(geti(*s, SO_RCVLOWAT) == 1);
  CHECK(seti(*s, SO_RCVLOWAT, -5) == 0);
  CHECK(geti(*s, SO_RCVLOWAT) == INT_MAX);
  CHECK(geti(*s, SO_SNDLOWAT) == 1);
}

TEST_CASE("kern: SO_RCVTIMEO/SO_SNDTIMEO round up to ticks, EDOM, negative") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  timeval tv{0, 1500};
  CHECK(setopt(*s, SO_RCVTIMEO, &tv, sizeof tv) == 0);
  timeval got{9, 9};
  size_t len = sizeof got;
  CHECK(getopt(*s, SO_RCVTIMEO, &got, &len) == 0);
  CHECK(len == sizeof got);
  CHECK(got.tv_sec == 0);
  CHECK(got.tv_usec == 4000);  // HZ 250
  tv = {3, 250000};
  CHECK(setopt(*s, SO_SNDTIMEO, &tv, sizeof tv) == 0);
  CHECK(getopt(*s, SO_SNDTIMEO, &got, &len) == 0);
  CHECK(got.tv_sec == 3);
  CHECK(got.tv_usec == 252000);  // 62.5 ticks round up to 63 (checked on Linux 6.18)
  tv = {2, 1000000};
  CHECK(setopt(*s, SO_RCVTIMEO, &tv, sizeof tv) == EDOM);
  tv = {-2, 0};
  CHECK(setopt(*s, SO_RCVTIMEO, &tv, sizeof tv) == 0);
  CHECK(getopt(*s, SO_RCVTIMEO, &got, &len) == 0);
  CHECK(got.tv_sec == 0);
  CHECK(got.tv_usec == 0);
  CHECK(setopt(*s, SO_RCVTIMEO, &tv, 8) == EINVAL);
  int small = -1;
  len = sizeof small;
  CHECK(getopt(*s, SO_SNDTIMEO, &small, &len) == 0);  // truncated, as Linux
  CHECK(len == sizeof small);
  CHECK(small == 3);
}

TEST_CASE("kern: SO_PEERCRED without a peer, SO_PEERNAME") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  ucred uc{1, 2, 3};
  size_t len = sizeof uc;
  CHECK(getopt(*s, SO_PEERCRED, &uc, &len) == 0);
  CHECK(len == sizeof uc);
  CHECK(uc.pid == 0);
  CHECK(uc.uid == uint32_t(-1));
  CHECK(uc.gid == uint32_t(-1));
  char name[64];
  len = sizeof name;
  CHECK(getopt(*s, SO_PEERNAME, name, &len) == ENOTCONN);
  REQUIRE(soconnect(*s, SockAddr{}, r.td) == 0);
  len = sizeof name;
  CHECK(getopt(*s, SO_PEERNAME, name, &len) == EINVAL);  // Linux: buffer longer than the name
  len = 2;
  CHECK(getopt(*s, SO_PEERNAME, name, &len) == 0);
  CHECK(len == 2);
}

TEST_CASE("kern: SO_COOKIE is the socket's id - SO_INCOMING_CPU, SO_PEEK_OFF kept") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  uint64_t cookie = 0;
  size_t len = sizeof cookie;
  CHECK(getopt(*s, SO_COOKIE, &cookie, &len) == 0);
  CHECK(len == 8);
  CHECK(cookie == s->so_id);
  len = 4;
  CHECK(getopt(*s, SO_COOKIE, &cookie, &len) == EINVAL);
  CHECK(geti(*s, SO_INCOMING_CPU) == -1);
  CHECK(seti(*s, SO_INCOMING_CPU, 1) == 0);
  CHECK(geti(*s, SO_INCOMING_CPU) == 1);
  CHECK(geti(*s, SO_PEEK_OFF) == -1);
  CHECK(seti(*s, SO_PEEK_OFF, 4) == 0);
  CHECK(geti(*s, SO_PEEK_OFF) == 4);
}

TEST_CASE("kern: SO_BINDTODEVICE of an unbound socket is empty, SO_BINDTOIFINDEX 0 (Linux)") {
  FakeRig r;
  Socket* s = r.sock(SOCK_STREAM);
  char dev[16] = "x";
  size_t len = sizeof dev;
  CHECK(getopt(*s, SO_BINDTODEVICE, dev, &len) == 0);
  CHECK(len == 0);
  CHECK(dev[0] == 'x');
  CHECK(geti(*s, SO_BINDTOIFINDEX) == 0);
}
