/* DEVIATION: a second SO_SNDTIMEO send into a connection whose window is
 * closed and whose buffers are full: Linux still queues some more (measured
 * on 6.x: SIOCOUTQ 621192 -> 713864, 92672 bytes, with tcpi_snd_wnd 0 and
 * no ACK between the two sends; a third send gets EAGAIN), because
 * tcp_sendmsg_locked checks the send buffer (sk_stream_memory_free) only
 * before it starts a new skb and goes on filling the last queued one up to
 * its size goal. Under tunsock the send buffer is a hard bound (so_snd's
 * sbspace, and the channel in front of it that the daemon reads only as
 * far as so_snd has room): the second send finds no room and SO_SNDTIMEO
 * ends it with EAGAIN, as Linux's own third send. Both answers are what
 * SO_SNDTIMEO documents (a partial count, or EAGAIN when nothing was
 * sent); emulating the skb tail would mean overfilling so_snd by a size
 * goal of Linux's, which the stack's buffer accounting does not model. */
/* SO_RCVTIMEO on a blocking recv: EAGAIN after the timeout; SO_SNDTIMEO on
 * a send into a full buffer: a partial count or EAGAIN. */
#include "../tcp/tcp_compat.h"
int main(void) {
  int s = connect_peer(HOLD_PORT);
  struct timeval tv = {0, 300000};
  SHOW(setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv));
  SHOW(recv(s, (char[8]){0}, 8, 0));
  struct timeval g;
  socklen_t gl = sizeof g;
  SHOW(getsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &g, &gl));
  SAY("rcvtimeo %ld.%06ld", (long)g.tv_sec, (long)g.tv_usec);
  SHOW(setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv));
  static char b[8 << 20];
  ssize_t n = send(s, b, sizeof b, 0);
  SAY("send 8 MiB: %s", n < 0 ? errname(errno) : n == (ssize_t)sizeof b ? "all" : n > 0 ? "partial" : "0");
  n = send(s, b, sizeof b, 0);
  SAY("send again: %s", n < 0 ? errname(errno) : n == (ssize_t)sizeof b ? "all" : n > 0 ? "partial" : "0");
  return 0;
}
