/* An unbound datagram sender with SO_PASSCRED is autobound when it sends:
 * the receiver sees an abstract 5-hex-digit source, getsockname agrees;
 * with SO_PASSCRED on the receiver, SCM_CREDENTIALS carries the sender's
 * pid/uid/gid. A plain unbound sender stays unnamed. */
#include "../compat.h"
int main(void) {
  struct sockaddr_un ra;
  socklen_t rl = mk_path(&ra, "rx");
  int rx = (int)MUST(socket(AF_UNIX, SOCK_DGRAM, 0));
  MUST(bind(rx, (struct sockaddr *)&ra, rl));
  int on = 1;
  SHOW(setsockopt(rx, SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
  int plain = (int)MUST(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(sendto(plain, "plain", 5, 0, (struct sockaddr *)&ra, rl));
  show_sockname("plain sender", plain);
  int cred = (int)MUST(socket(AF_UNIX, SOCK_DGRAM, 0));
  SHOW(setsockopt(cred, SOL_SOCKET, SO_PASSCRED, &on, sizeof on));
  show_sockname("passcred sender before", cred);
  SHOW(sendto(cred, "cred", 4, 0, (struct sockaddr *)&ra, rl));
  show_sockname("passcred sender after", cred);
  for (int i = 0; i < 2; i++) {
    char buf[16], cbuf[CMSG_SPACE(sizeof(struct ucred))];
    struct sockaddr_un from;
    struct iovec iov = {buf, sizeof buf};
    struct msghdr mh;
    memset(&mh, 0, sizeof mh);
    mh.msg_name = &from;
    mh.msg_namelen = sizeof from;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = cbuf;
    mh.msg_controllen = sizeof cbuf;
    await(rx, POLLIN);
    ssize_t n = recvmsg(rx, &mh, MSG_DONTWAIT);
    if (n < 0) { SAY("recvmsg -1 %s", errname(errno)); continue; }
    SAY("recvmsg %s from %s flags %s", data_str(buf, n), addr_str(&from, mh.msg_namelen),
        msgflags_str(mh.msg_flags));
    struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
    if (!cm) { SAY("  no control message"); continue; }
    if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
      struct ucred u;
      memcpy(&u, CMSG_DATA(cm), sizeof u);
      SAY("  SCM_CREDENTIALS pid is ours %d uid %d gid %d", u.pid == getpid(), u.uid == getuid(),
          u.gid == getgid());
    } else {
      SAY("  control level %d type %d", cm->cmsg_level, cm->cmsg_type);
    }
  }
  return 0;
}
