/* ss_hold ADDR TCPPORT UDPPORT UNIXPATH: opens and holds one socket of each
 * kind ss shows, with known queues, then prints "ready". A TCP listener on ADDR:TCPPORT (backlog 7), a connection to
 * it from this process, accepted (the client's 100 bytes left unread by the
 * server, the server's 5000 bytes unread by the client), a UDP socket bound
 * to ADDR:UDPPORT and one connected to it, a unix stream listener on
 * UNIXPATH (backlog 3). Holds them until SIGTERM or SIGINT. Used by
 * tests/ctl/ss_compare.sh on the kernel and under the shim. Knows nothing
 * of tunsock. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static volatile sig_atomic_t stop;
static void on_signal(int sig) {
  (void)sig;
  stop = 1;
}

static void die(const char* what) {
  perror(what);
  exit(1);
}

static struct sockaddr_in in4(const char* addr, int port) {
  struct sockaddr_in a;
  memset(&a, 0, sizeof a);
  a.sin_family = AF_INET;
  a.sin_port = htons((unsigned short)port);
  if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) die("inet_pton");
  return a;
}

static void send_all(int fd, size_t n, char c) {
  char buf[1000];
  memset(buf, c, sizeof buf);
  while (n > 0) {
    size_t k = n < sizeof buf ? n : sizeof buf;
    ssize_t w = send(fd, buf, k, 0);
    if (w <= 0) die("send");
    n -= (size_t)w;
  }
}

int main(int argc, char** argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: ss_hold ADDR TCPPORT UDPPORT UNIXPATH\n");
    return 2;
  }
  const char* addr = argv[1];
  struct sockaddr_in ta = in4(addr, atoi(argv[2])), ua = in4(addr, atoi(argv[3]));
  int one = 1;

  int l = socket(AF_INET, SOCK_STREAM, 0);
  if (l < 0) die("socket");
  setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (bind(l, (struct sockaddr*)&ta, sizeof ta) != 0) die("bind tcp");
  if (listen(l, 7) != 0) die("listen");
  int c = socket(AF_INET, SOCK_STREAM, 0);
  if (c < 0) die("socket");
  if (connect(c, (struct sockaddr*)&ta, sizeof ta) != 0) die("connect");
  int a = accept(l, NULL, NULL);
  if (a < 0) die("accept");
  send_all(c, 100, 'c');
  send_all(a, 5000, 's');

  int u = socket(AF_INET, SOCK_DGRAM, 0);
  if (u < 0) die("socket udp");
  if (bind(u, (struct sockaddr*)&ua, sizeof ua) != 0) die("bind udp");
  int uc = socket(AF_INET, SOCK_DGRAM, 0);
  if (uc < 0) die("socket udp");
  if (connect(uc, (struct sockaddr*)&ua, sizeof ua) != 0) die("connect udp");

  int x = socket(AF_UNIX, SOCK_STREAM, 0);
  if (x < 0) die("socket unix");
  struct sockaddr_un xa;
  memset(&xa, 0, sizeof xa);
  xa.sun_family = AF_UNIX;
  strncpy(xa.sun_path, argv[4], sizeof xa.sun_path - 1);
  unlink(argv[4]);
  if (bind(x, (struct sockaddr*)&xa, sizeof xa) != 0) die("bind unix");
  if (listen(x, 3) != 0) die("listen unix");

  /* Let the 100 and 5000 bytes arrive before saying ready (bounded). */
  for (int i = 0; i < 200; ++i) {
    int n = 0;
    if (recv(a, NULL, 0, MSG_PEEK | MSG_DONTWAIT) < 0 && i < 199) {
      usleep(10000);
      continue;
    }
    (void)n;
    break;
  }
  usleep(200000);
  printf("ready\n");
  fflush(stdout);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, NULL);
  sigaction(SIGINT, &sa, NULL);
  while (!stop) pause();
  unlink(argv[4]);
  return 0;
}
