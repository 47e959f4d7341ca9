/* A fixed sequence of socket calls for the call-log test (trace_test.sh):
 * run on the kernel under `strace -ff -e trace=network` and under the shim
 * with TUNSOCK_SHIM_LOG=DIR/shim.%p; the lines must have the same shape.
 * TCP and UDP over 127.0.0.1 on the ports given, errors on purpose
 * (EINPROGRESS, EADDRINUSE, ENOTCONN), and a forked child's own socket. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHECK(c) do { if (!(c)) { fprintf(stderr, "trace_prog: %s failed at line %d\n", #c, __LINE__); exit(1); } } while (0)

static struct sockaddr_in loop4(int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return a;
}

static void wait_for(int fd, short ev) {
  struct pollfd p = {fd, ev, 0};
  CHECK(poll(&p, 1, 5000) == 1);
}

int main(int argc, char** argv) {
  CHECK(argc == 3);
  const int tport = atoi(argv[1]), uport = atoi(argv[2]);
  int one = 1, v = -1;
  socklen_t vl = sizeof v;
  char buf[128];

  int l = socket(AF_INET, SOCK_STREAM, 0);
  CHECK(l >= 0);
  CHECK(setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) == 0);
  struct sockaddr_in a = loop4(tport);
  CHECK(bind(l, (struct sockaddr*)&a, sizeof a) == 0);
  CHECK(listen(l, 5) == 0);
  int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, IPPROTO_TCP);
  CHECK(c >= 0);
  int r = connect(c, (struct sockaddr*)&a, sizeof a);
  CHECK(r == 0 || r == -1);
  wait_for(c, POLLOUT);
  CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &v, &vl) == 0 && v == 0);
  CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0);
  struct sockaddr_in peer;
  socklen_t pl = sizeof peer;
  int s = accept4(l, (struct sockaddr*)&peer, &pl, SOCK_CLOEXEC);
  CHECK(s >= 0);
  CHECK(send(c, "hello\n\001", 7, 0) == 7);
  wait_for(s, POLLIN);
  CHECK(recv(s, buf, sizeof buf, 0) == 7);
  CHECK(shutdown(c, SHUT_WR) == 0);
  wait_for(s, POLLIN);
  CHECK(recv(s, buf, sizeof buf, 0) == 0);
  struct sockaddr_in name;
  socklen_t nl = sizeof name;
  CHECK(getsockname(l, (struct sockaddr*)&name, &nl) == 0);

  int u1 = socket(AF_INET, SOCK_DGRAM, 0), u2 = socket(AF_INET, SOCK_DGRAM, 0), u3 = socket(AF_INET, SOCK_DGRAM, 0);
  CHECK(u1 >= 0 && u2 >= 0 && u3 >= 0);
  struct sockaddr_in ua = loop4(uport);
  CHECK(bind(u1, (struct sockaddr*)&ua, sizeof ua) == 0);
  CHECK(bind(u3, (struct sockaddr*)&ua, sizeof ua) == -1);  /* EADDRINUSE */
  nl = sizeof name;
  CHECK(getpeername(u3, (struct sockaddr*)&name, &nl) == -1);  /* ENOTCONN */
  CHECK(sendto(u2, "ping", 4, 0, (struct sockaddr*)&ua, sizeof ua) == 4);
  struct sockaddr_in from;
  socklen_t fl = sizeof from;
  CHECK(recvfrom(u1, buf, sizeof buf, 0, (struct sockaddr*)&from, &fl) == 4);
  vl = sizeof v;
  CHECK(getsockopt(u1, SOL_SOCKET, SO_TYPE, &v, &vl) == 0 && v == SOCK_DGRAM);

  pid_t pid = fork();
  CHECK(pid >= 0);
  if (pid == 0) {
    int x = socket(AF_UNIX, SOCK_DGRAM, 0);
    _exit(x >= 0 ? 0 : 1);
  }
  int st = 0;
  CHECK(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0);
  printf("ok\n");
  return 0;
}
