/* sendmmsg and recvmmsg: a batch of three datagrams of different sizes and
 * destinations, msg_len of each; recvmmsg takes what is queued (MSG_DONTWAIT,
 * MSG_WAITFORONE); a bad entry stops sendmmsg after the good ones before it. */
#include "udp_compat.h"
int main(void) {
  int r = udp_bound(LOOP, 20230), r2 = udp_bound(LOOP, 20231), s = udp_bound(LOOP, 20232);
  struct sockaddr_in to = sin_of(LOOP, 20230), to2 = sin_of(LOOP, 20231), bad = sin_of(LOOP, 0);
  char *texts[3] = {"a", "bb bb", "ccc ccc ccc"};
  struct iovec iov[3];
  struct mmsghdr mm[3];
  memset(mm, 0, sizeof mm);
  for (int i = 0; i < 3; i++) {
    iov[i].iov_base = texts[i];
    iov[i].iov_len = strlen(texts[i]);
    mm[i].msg_hdr.msg_iov = &iov[i];
    mm[i].msg_hdr.msg_iovlen = 1;
    mm[i].msg_hdr.msg_name = i == 1 ? &to2 : &to;
    mm[i].msg_hdr.msg_namelen = sizeof to;
  }
  SHOW(sendmmsg(s, mm, 3, 0));
  for (int i = 0; i < 3; i++) SAY("msg_len[%d] = %u", i, mm[i].msg_len);
  await(r, POLLIN);
  await(r2, POLLIN);
  sleep_ms(200);
  char bufs[5][32];
  struct sockaddr_in froms[5];
  struct iovec riov[5];
  struct mmsghdr rm[5];
  memset(rm, 0, sizeof rm);
  for (int i = 0; i < 5; i++) {
    riov[i].iov_base = bufs[i];
    riov[i].iov_len = sizeof bufs[i];
    rm[i].msg_hdr.msg_iov = &riov[i];
    rm[i].msg_hdr.msg_iovlen = 1;
    rm[i].msg_hdr.msg_name = &froms[i];
    rm[i].msg_hdr.msg_namelen = sizeof froms[i];
  }
  int n = (int)CK(recvmmsg(r, rm, 5, MSG_DONTWAIT, NULL));
  for (int i = 0; i < n; i++)
    SAY("[%d] %s from %s", i, data_str(bufs[i], rm[i].msg_len), in_str(&froms[i], rm[i].msg_hdr.msg_namelen));
  SHOW(recvmmsg(r, rm, 5, MSG_DONTWAIT, NULL));
  n = (int)CK(recvmmsg(r2, rm, 5, MSG_WAITFORONE, NULL));
  for (int i = 0; i < n; i++) SAY("[%d] %s", i, data_str(bufs[i], rm[i].msg_len));
  mm[1].msg_hdr.msg_name = &bad;
  SHOW(sendmmsg(s, mm, 3, 0));
  SHOW(sendmmsg(s, &mm[1], 2, 0));
  mm[1].msg_hdr.msg_name = &to;
  await(r, POLLIN);
  n = (int)CK(recvmmsg(r, rm, 5, MSG_DONTWAIT, NULL));
  for (int i = 0; i < n; i++) SAY("[%d] %s", i, data_str(bufs[i], rm[i].msg_len));
  return 0;
}
