/* IP_MTU_DISCOVER: the default (WANT), range; with IP_PMTUDISC_DO a datagram
 * over the path MTU (1500 on the link) is EMSGSIZE at once, one that fits
 * goes; with DONT it is fragmented. IP_MTU on connected sockets. */
#include "udp_compat.h"
static char buf[3000];
int main(void) {
  memset(buf, 'm', sizeof buf);
  int s = udp_socket();
  SHOW_OPT(s, SOL_IP, IP_MTU_DISCOVER);
  SHOW_OPT(s, SOL_IP, IP_MTU);
  SHOW(set_int(s, SOL_IP, IP_MTU_DISCOVER, 6));
  SHOW(set_int(s, SOL_IP, IP_MTU_DISCOVER, -1));
  SHOW(set_int(s, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO));
  SHOW_OPT(s, SOL_IP, IP_MTU_DISCOVER);
  struct sockaddr_in echo = sin_of(PEER, ECHO_PORT);
  CKL("sendto 2000 DO", sendto(s, buf, 2000, 0, SA(echo), sizeof echo));
  CKL("sendto 1473 DO", sendto(s, buf, 1473, 0, SA(echo), sizeof echo));
  CKL("sendto 1472 DO", sendto(s, buf, 1472, 0, SA(echo), sizeof echo));
  await(s, POLLIN);
  SAY("echo: %zd", recv(s, buf, sizeof buf, MSG_DONTWAIT));
  SHOW(connect(s, SA(echo), sizeof echo));
  SHOW_OPT(s, SOL_IP, IP_MTU);
  CKL("send 1473 DO connected", send(s, buf, 1473, 0));
  SHOW(set_int(s, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DONT));
  CKL("send 2000 DONT", send(s, buf, 2000, 0));
  await(s, POLLIN);
  SAY("echo: %zd", recv(s, buf, sizeof buf, MSG_DONTWAIT));
  SHOW(set_int(s, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_PROBE));
  CKL("send 2000 PROBE", send(s, buf, 2000, 0));
  int l = udp_socket();
  struct sockaddr_in lo = sin_of(LOOP, 20170);
  SHOW(connect(l, SA(lo), sizeof lo));
  SHOW_OPT(l, SOL_IP, IP_MTU);
  SHOW(set_int(l, SOL_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO));
  CKL("send 2000 DO to 127.0.0.1", send(l, buf, 2000, 0));
  return 0;
}
