/* tun_inject: write hostile packets into a TUN device from the host side.
 * An AF_PACKET (SOCK_DGRAM, ETH_P_IP) socket bound to the device hands the
 * bytes to the TUN driver as they are, past the kernel's IP layer, so the
 * daemon reads exactly what we send.
 * Usage: tun_inject DEV COUNT SEED
 *   COUNT packets: random bytes of random length, random bytes behind a
 *   plausible IPv4 header (version 4, IHL 5, lying total length, bad
 *   checksum), and truncated copies of a valid ICMP echo request.
 * Prints how many were sent. Exit 0 when all were accepted by the kernel. */
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static uint64_t rng_state;
static uint32_t rnd(void) { /* xorshift64*: reproducible from SEED */
  rng_state ^= rng_state >> 12;
  rng_state ^= rng_state << 25;
  rng_state ^= rng_state >> 27;
  return (uint32_t)((rng_state * 2685821657736338717ull) >> 32);
}

static uint16_t cksum(const uint8_t* p, int n) {
  uint32_t s = 0;
  for (int i = 0; i + 1 < n; i += 2) s += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1) s += (uint32_t)(p[n - 1] << 8);
  while (s >> 16) s = (s & 0xffff) + (s >> 16);
  return (uint16_t)~s;
}

/* A valid ICMP echo request 198.18.0.1 -> 198.18.0.2 of 84 bytes. */
static int echo_request(uint8_t* b) {
  memset(b, 0, 84);
  b[0] = 0x45; b[2] = 0; b[3] = 84; b[8] = 64; b[9] = 1;
  b[12] = 198; b[13] = 18; b[14] = 0; b[15] = 1;
  b[16] = 198; b[17] = 18; b[18] = 0; b[19] = 2;
  uint16_t c = cksum(b, 20); b[10] = (uint8_t)(c >> 8); b[11] = (uint8_t)c;
  b[20] = 8; b[24] = 0x12; b[25] = 0x34; b[27] = 1;
  for (int i = 28; i < 84; ++i) b[i] = (uint8_t)i;
  c = cksum(b + 20, 64); b[22] = (uint8_t)(c >> 8); b[23] = (uint8_t)c;
  return 84;
}

int main(int argc, char** argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: tun_inject DEV COUNT SEED\n");
    return 2;
  }
  const char* dev = argv[1];
  const int count = atoi(argv[2]);
  rng_state = strtoull(argv[3], NULL, 0) * 2 + 1;
  int s = socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
  if (s < 0) { perror("socket(AF_PACKET)"); return 1; }
  struct sockaddr_ll ll;
  memset(&ll, 0, sizeof ll);
  ll.sll_family = AF_PACKET;
  ll.sll_protocol = htons(ETH_P_IP);
  ll.sll_ifindex = (int)if_nametoindex(dev);
  if (ll.sll_ifindex == 0) { perror(dev); return 1; }
  uint8_t good[84], b[1500];
  echo_request(good);
  int sent = 0, failed = 0;
  for (int i = 0; i < count; ++i) {
    int len;
    switch (i % 3) {
      case 0: /* random bytes, random length (at least 1: a 0-byte send is not a packet) */
        len = 1 + (int)(rnd() % sizeof b);
        for (int k = 0; k < len; ++k) b[k] = (uint8_t)rnd();
        break;
      case 1: /* plausible header, random rest: total length and checksum lie */
        len = 20 + (int)(rnd() % 200);
        for (int k = 0; k < len; ++k) b[k] = (uint8_t)rnd();
        b[0] = (uint8_t)(0x40 | (rnd() % 16)); /* IHL 0..15 */
        b[12] = 198; b[13] = 18; b[14] = 0; b[15] = 1;
        b[16] = 198; b[17] = 18; b[18] = 0; b[19] = 2;
        break;
      default: /* a valid echo request cut short */
        len = 1 + (int)(rnd() % 83);
        memcpy(b, good, (size_t)len);
        break;
    }
    if (sendto(s, b, (size_t)len, 0, (struct sockaddr*)&ll, sizeof ll) == len) ++sent;
    else ++failed;
  }
  /* And one good one at the end: the stack must still answer it. */
  if (sendto(s, good, sizeof good, 0, (struct sockaddr*)&ll, sizeof ll) == (ssize_t)sizeof good) ++sent;
  printf("sent %d failed %d\n", sent, failed);
  close(s);
  return failed == 0 ? 0 : 1;
}
