// A bulk transfer under loss on the in-memory link and the virtual clock,
// written out as what tunsockctl plot reads: the sender's history (the JSON
// of Op::History, docs/ctl-json.md "history") and a pcap of the sender's
// interface (raw IP, stack time). Deterministic for a seed. Used by
// tests/ctl/history_plot.sh and scripts/make_plot_example.sh (the README's
// picture).
//   history_example --json FILE [--pcap FILE] [--bytes N] [--loss P]
//                   [--delay-ms D] [--seed S] [--cc reno|cubic]
#include <netinet/in.h>
#include <netinet/tcp.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "daemon/ctl_history.hpp"
#include "kern/socket.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "net/if_memlink.hpp"
#include "netinet/in_var.hpp"
#include "netinet/tcp_var.hpp"

using namespace tunsock;

namespace {

constexpr uint32_t kA = 0xc6120001;  // 198.18.0.1
constexpr uint32_t kB = 0xc6120002;  // 198.18.0.2
constexpr uint16_t kPort = 5001;

SockAddr sin_of(uint32_t addr, uint16_t port) {
  sockaddr_in s{};
  s.sin_family = AF_INET;
  s.sin_port = htons(port);
  s.sin_addr.s_addr = htonl(addr);
  SockAddr a;
  std::memcpy(&a.ss, &s, sizeof s);
  a.len = sizeof s;
  return a;
}

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "history_example: %s\n", what);
  std::exit(1);
}

struct PcapOut {
  std::FILE* f = nullptr;
  void open(const std::string& path) {
    f = std::fopen(path.c_str(), "wb");
    if (!f) die("cannot write the pcap");
    const uint32_t h[6] = {0xa1b2c3d4, 2 | (4u << 16), 0, 0, 65535, 101};  // LINKTYPE_RAW
    std::fwrite(h, sizeof h, 1, f);
  }
  void write(Time t, const mbuf* m) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t).count();
    const uint32_t len = uint32_t(m->m_pkthdr.len), cap = std::min<uint32_t>(len, 65535);
    const uint32_t r[4] = {uint32_t(us / 1000000), uint32_t(us % 1000000), cap, len};
    std::fwrite(r, sizeof r, 1, f);
    uint32_t left = cap;
    for (const mbuf* p = m; p && left; p = p->m_next) {
      const uint32_t k = std::min(left, uint32_t(p->m_len));
      std::fwrite(p->m_data, 1, k, f);
      left -= k;
    }
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string json_path, pcap_path, cc = "reno";
  size_t bytes = 400 * 1024;
  MemLinkParams lp;
  lp.loss = 0.02;
  lp.delay = std::chrono::milliseconds(10);
  lp.seed = 7;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i], v = argv[i + 1];
    if (k == "--json") json_path = v;
    else if (k == "--pcap") pcap_path = v;
    else if (k == "--bytes") bytes = std::stoul(v);
    else if (k == "--loss") lp.loss = std::stod(v);
    else if (k == "--delay-ms") lp.delay = std::chrono::milliseconds(std::stoi(v));
    else if (k == "--seed") lp.seed = std::stoull(v);
    else if (k == "--cc") cc = v;
    else die("unknown option (see the file's head)");
  }
  if (json_path.empty()) die("--json FILE is required");
  MemLink link(lp);
  Stack a(11), b(22);
  link.connect(a, "mem0", b, "mem0");
  if (in_add_address(link.a(), kA, 24) || in_add_address(link.b(), kB, 24)) die("addresses");
  PcapOut pcap;
  if (!pcap_path.empty()) {
    pcap.open(pcap_path);
    inet_set_packet_trace(a, [&](const ifnet& ifp, char, const mbuf* m) {
      if (&ifp == &link.a()) pcap.write(a.now(), m);
    });
  }
  auto run_until = [&](auto done, Time limit) {
    const Time end = a.now() + limit;
    for (int i = 0; i < 50'000'000 && !done(); ++i) {
      Time next = std::max(std::min(a.next_deadline(), b.next_deadline()), a.now());
      if (next > end) break;
      a.poll(next);
      b.poll(next);
    }
    return done();
  };
  Socket *lis = nullptr, *cli = nullptr;
  if (socreate(b, AF_INET, &lis, SOCK_STREAM, 0, Td{}) || sobind(*lis, sin_of(0, kPort), Td{}) ||
      solisten(*lis, 4, Td{}))
    die("listen");
  if (socreate(a, AF_INET, &cli, SOCK_STREAM, 0, Td{})) die("socket");
  Sockopt so;
  so.sopt_dir = SOPT_SET;
  so.sopt_level = IPPROTO_TCP;
  so.sopt_name = TCP_CONGESTION;
  so.sopt_val = cc.data();
  so.sopt_valsize = cc.size();
  if (sosetopt(*cli, so)) die("TCP_CONGESTION");
  if (soconnect(*cli, sin_of(kB, kPort), Td{})) die("connect");
  if (!run_until([&] { return !lis->so_comp.empty(); }, std::chrono::seconds(60))) die("no connection");
  Socket* srv = soaccept_dequeue(*lis);
  soaccept(*srv, nullptr);
  size_t sent = 0, got = 0;
  std::vector<std::byte> chunk(65536, std::byte{0x5a}), sink(1 << 20);
  const bool done = run_until(
      [&] {
        while (sent < bytes && sosendspace(*cli) > 0) {
          const size_t n = std::min({chunk.size(), bytes - sent, size_t(sosendspace(*cli))});
          if (sosend(*cli, nullptr, m_devget(chunk.data(), int(n), M_NOWAIT, true), nullptr, 0, Td{})) break;
          sent += n;
        }
        RecvArgs r;
        r.buf = sink.data();
        r.len = sink.size();
        if (soreceive(*srv, r) == 0) got += r.done;
        return got == bytes;
      },
      std::chrono::seconds(600));
  if (!done) die("the transfer did not finish in 600 s of virtual time");
  const uint64_t id = cli->so_id;
  soshutdown(*cli, SHUT_WR);
  soshutdown(*srv, SHUT_WR);
  run_until([] { return false; }, std::chrono::seconds(2));
  const std::string doc = daemon::history_json(a, id, 0, size_t(1) << 30);
  std::FILE* f = std::fopen(json_path.c_str(), "w");
  if (!f) die("cannot write the JSON");
  std::fputs(doc.c_str(), f);
  std::fclose(f);
  if (pcap.f) std::fclose(pcap.f);
  std::printf("%zu bytes in %.3f s of virtual time, %lu packets lost on the link\n", bytes,
              std::chrono::duration<double>(a.now()).count(), (unsigned long)link.stats().lost);
  inet_set_packet_trace(a, nullptr);
  for (Socket* s : {cli, srv, lis}) soclose(*s);
  return 0;
}
