/* IP_RECVERR on an unconnected socket: the port unreachable for its
 * datagram is queued (POLLERR), read with MSG_ERRQUEUE: the datagram's
 * bytes, its destination as the name, a sock_extended_err (ICMP 3/3,
 * ECONNREFUSED) and the offender; SO_ERROR is set too; an empty queue is
 * EAGAIN; turning IP_RECVERR off empties it. */
#include "udp_compat.h"
int main(void) {
  int s = udp_socket();
  SHOW_OPT(s, SOL_IP, IP_RECVERR);
  SHOW(set_int(s, SOL_IP, IP_RECVERR, 1));
  SHOW_OPT(s, SOL_IP, IP_RECVERR);
  show_recvmsg("s errqueue empty", s, MSG_ERRQUEUE, 512);
  SENDTO(s, "lost datagram", PEER, CLOSED_PORT);
  await(s, POLLERR);
  show_poll("s", s);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE, 512);
  show_poll("s", s);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE | MSG_DONTWAIT, 512);
  SENDTO(s, "second", PEER, CLOSED_PORT);
  await(s, POLLERR);
  SHOW_OPT(s, SOL_SOCKET, SO_ERROR);
  show_poll("s", s);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE, 512);
  SENDTO(s, "third", PEER, CLOSED_PORT);
  await(s, POLLERR);
  show_recvmsg("s plain recv", s, MSG_DONTWAIT, 512);
  show_recvmsg("s errqueue", s, MSG_ERRQUEUE, 512);
  SENDTO(s, "fourth", PEER, CLOSED_PORT);
  await(s, POLLERR);
  SHOW(set_int(s, SOL_IP, IP_RECVERR, 0));
  show_recvmsg("s errqueue after off", s, MSG_ERRQUEUE, 512);
  return 0;
}
