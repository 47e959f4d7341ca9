/* SCM_RIGHTS: a pipe's write end passed to another process over a stream and a datagram pair. */
#include "../compat.h"
static int send_fd(int sock, int fd, const char* tag) {
  struct iovec iov = {(void*)tag, strlen(tag)};
  char cbuf[CMSG_SPACE(sizeof(int))];
  memset(cbuf, 0, sizeof cbuf);
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  struct cmsghdr* cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cm), &fd, sizeof fd);
  return (int)sendmsg(sock, &mh, 0);
}
static int recv_fd(int sock, char* tag, size_t cap) {
  struct iovec iov = {tag, cap - 1};
  char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  struct msghdr mh = {0};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  long n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
  if (n < 0) return -1;
  tag[n] = 0;
  struct cmsghdr* cm = CMSG_FIRSTHDR(&mh);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return -2;
  int fd;
  memcpy(&fd, CMSG_DATA(cm), sizeof fd);
  return fd;
}
static void run(int type, const char* name) {
  SAY("-- %s", name);
  int sv[2], pp[2];
  socketpair(AF_UNIX, type, 0, sv);
  if (pipe(pp)) exit(2);
  pid_t p = fork();
  if (p == 0) {
    char tag[16];
    int fd = recv_fd(sv[1], tag, sizeof tag);
    if (fd < 0) _exit(3);
    dprintf(fd, "child got %s and wrote through it", tag);
    _exit(0);
  }
  SHOW(send_fd(sv[0], pp[1], "pipe"));
  close(pp[1]);
  int st;
  waitpid(p, &st, 0);
  SAY("child exit %d", WEXITSTATUS(st));
  char buf[64];
  long n = read(pp[0], buf, sizeof buf);
  show_data("pipe", buf, n);
  close(pp[0]);
  close(sv[0]);
  close(sv[1]);
}
int main(void) {
  run(SOCK_STREAM, "stream");
  run(SOCK_DGRAM, "dgram");
  run(SOCK_SEQPACKET, "seqpacket");
  return 0;
}
