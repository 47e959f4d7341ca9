/* Receive flags and readiness on IPv6 UDP: MSG_PEEK keeps the datagram,
 * MSG_TRUNC gives the real length, MSG_DONTWAIT on an empty socket EAGAIN,
 * FIONREAD the next datagram's size, poll/select/epoll with nothing, one
 * and two datagrams queued, SO_RCVTIMEO EAGAIN. */
#include "udp6_compat.h"
int main(void) {
  int s = udp6_bound(LOOP6, 20410);
  int t = udp6_socket();
  show_poll("empty", s);
  show_select("empty", s, 0);
  int n = -1;
  SHOW(ioctl(s, FIONREAD, &n));
  SAY("FIONREAD = %d", n);
  SHOW(recv(s, (char[8]){0}, 8, MSG_DONTWAIT));
  SENDTO6(t, "first datagram", LOOP6, 20410);
  SENDTO6(t, "second", LOOP6, 20410);
  await(s, POLLIN);
  show_poll("two queued", s);
  SHOW(ioctl(s, FIONREAD, &n));
  SAY("FIONREAD = %d", n);
  show_recvfrom6("peek", s, MSG_PEEK);
  char small[5];
  struct sockaddr_in6 from;
  socklen_t fl = sizeof from;
  ssize_t r = recvfrom(s, small, sizeof small, MSG_TRUNC, SA(from), &fl);
  SAY("recvfrom(MSG_TRUNC, 5) = %zd %s from %s", r, data_str(small, r < 5 ? r : 5), in6_str(&from, fl));
  show_recvmsg6("truncated msg", s, 0, 0);
  SENDTO6(t, "third one is long", LOOP6, 20410);
  await(s, POLLIN);
  struct iovec iov = {small, sizeof small};
  struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
  r = recvmsg(s, &mh, 0);
  SAY("recvmsg(5 bytes) = %zd flags %s", r, msgflags_str(mh.msg_flags));
  int ep = (int)MUST(epoll_create1(0));
  struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u32 = 7};
  MUST(epoll_ctl(ep, EPOLL_CTL_ADD, s, &ev));
  show_epoll("drained", ep, 0);
  SENDTO6(t, "x", LOOP6, 20410);
  await(s, POLLIN);
  show_epoll("one", ep, 0);
  struct timeval tv = {0, 200000};
  SHOW(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  show_recvfrom6("s", s, 0);
  show_recvfrom6("s timeout", s, 0);
  return 0;
}
