/* SCM_RIGHTS carrying sockets: a process passes a connected stream socket
 * and a listening socket to another over a pathname connection; the receiver
 * talks on the first and accepts on the second, and the sender's copies are
 * closed. Received descriptors keep their type and names. */
#include "../compat.h"
static int send_fds(int sock, const int *fds, int n) {
  char tag = 'F';
  struct iovec iov = {&tag, 1};
  char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  memset(cbuf, 0, sizeof cbuf);
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)n);
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  cm->cmsg_level = SOL_SOCKET;
  cm->cmsg_type = SCM_RIGHTS;
  cm->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)n);
  memcpy(CMSG_DATA(cm), fds, sizeof(int) * (size_t)n);
  return (int)sendmsg(sock, &mh, 0);
}
static int recv_fds(int sock, int *fds, int max) {
  char tag;
  struct iovec iov = {&tag, 1};
  char cbuf[CMSG_SPACE(sizeof(int) * 4)];
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  mh.msg_control = cbuf;
  mh.msg_controllen = sizeof cbuf;
  if (recvmsg(sock, &mh, 0) != 1) return -1;
  struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
  if (!cm || cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS) return -2;
  int n = (int)((cm->cmsg_len - CMSG_LEN(0)) / sizeof(int));
  if (n > max) n = max;
  memcpy(fds, CMSG_DATA(cm), sizeof(int) * (size_t)n);
  return n;
}
static int sotype(int fd) {
  int t = -1;
  socklen_t l = sizeof t;
  return getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &l) < 0 ? -errno : t;
}
int main(void) {
  struct sockaddr_un ca;
  socklen_t cl;
  int courier = listener_at(&ca, &cl, "courier", SOCK_STREAM, 4);
  int dl, dc, da;
  connected_trio(SOCK_STREAM, "data", &dl, &dc, &da);
  struct sockaddr_un la;
  socklen_t ll;
  int lst = listener_at(&la, &ll, "passed-listener", SOCK_STREAM, 4);
  pid_t p = compat_fork();
  if (p == 0) {  /* receiver: prints while the parent waits for it */
    close(courier); close(dc); close(lst); close(dl);
    int k = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
    MUST(connect(k, (struct sockaddr *)&ca, cl));
    int fds[4];
    int n = recv_fds(k, fds, 4);
    say("child: received %d descriptors", n);
    if (n != 2) _exit(1);
    say("child: types %d %d", sotype(fds[0]), sotype(fds[1]));
    show_sockname("child data", fds[0]);
    show_peername("child data", fds[0]);
    show_sockname("child listener", fds[1]);
    int one = 0;
    socklen_t ol = sizeof one;
    getsockopt(fds[1], SOL_SOCKET, SO_ACCEPTCONN, &one, &ol);
    say("child: listener SO_ACCEPTCONN %d", one);
    CK(write(fds[0], "via passed socket", 17));
    int s = (int)CK(accept(fds[1], NULL, NULL) >= 0);
    (void)s;
    _exit(0);
  }
  /* The parent keeps its results until the child has printed and exited. */
  int k = (int)MUST(accept(courier, NULL, NULL));
  int pass[2] = {da, lst};
  int sent = send_fds(k, pass, 2), sent_err = errno;
  int cl1 = close(da), cl2 = close(lst);
  char buf[32];
  await(dc, POLLIN);
  ssize_t n = read_full(dc, buf, 17);
  int c2 = (int)MUST(socket(AF_UNIX, SOCK_STREAM, 0));
  int cr = connect(c2, (struct sockaddr *)&la, ll), cr_err = errno;
  const char *how = wait_str(p);
  SAY("parent: send_fds = %d %s, closes %d %d", sent, sent < 0 ? errname(sent_err) : "", cl1, cl2);
  show_data("parent read", buf, n);
  SAY("parent: connect to the passed listener = %d %s", cr, cr < 0 ? errname(cr_err) : "");
  say("child %s", how);
  n = read(dc, buf, sizeof buf);
  show_data("parent read after child exit", buf, n);
  return 0;
}
