// mbuf chain routines: every routine, the boundaries (0 bytes, exactly the
// inline size, exactly a cluster), shared clusters and long chains.
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <string>
#include <vector>

#include "kern/mbuf.hpp"

using namespace tunsock;

namespace {

std::vector<unsigned char> pattern(int n, int seed = 0) {
  std::vector<unsigned char> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[size_t(i)] = static_cast<unsigned char>((i * 7 + seed) & 0xff);
  return v;
}

std::vector<unsigned char> contents(const mbuf* m) {
  std::vector<unsigned char> v(static_cast<size_t>(m_length(m)));
  m_copydata(m, 0, int(v.size()), v.data());
  return v;
}

int chain_count(const mbuf* m) {
  int n = 0;
  for (; m; m = m->m_next) ++n;
  return n;
}

// Every allocation of a test is given back: the in-use counters return to
// where they started.
struct Balance {
  MbufStats before = mbuf_stats();
  ~Balance() {
    const MbufStats after = mbuf_stats();
    CHECK(after.mbufs_in_use == before.mbufs_in_use);
    CHECK(after.clusters_in_use == before.clusters_in_use);
  }
};

}  // namespace

TEST_CASE("mbuf: m_get and m_gethdr start empty, m_gethdr has a packet header") {
  Balance b;
  mbuf* m = m_get(M_NOWAIT, MType::Data);
  REQUIRE(m);
  CHECK(m->m_len == 0);
  CHECK(m->m_next == nullptr);
  CHECK(m->m_nextpkt == nullptr);
  CHECK((m->m_flags & (M_PKTHDR | M_EXT)) == 0);
  CHECK(M_TRAILINGSPACE(m) == int(MLEN));
  CHECK(M_LEADINGSPACE(m) == 0);
  mbuf* h = m_gethdr(M_NOWAIT, MType::Header);
  REQUIRE(h);
  CHECK((h->m_flags & M_PKTHDR) != 0);
  CHECK(h->m_pkthdr.len == 0);
  CHECK(h->m_type == MType::Header);
  CHECK(m_free(m) == nullptr);
  m_freem(h);
}

TEST_CASE("mbuf: m_clget attaches a writable cluster, counted in use") {
  Balance b;
  const auto before = mbuf_stats().clusters_in_use;
  mbuf* m = m_get(M_NOWAIT, MType::Data);
  REQUIRE(m_clget(m, M_NOWAIT));
  CHECK((m->m_flags & M_EXT) != 0);
  CHECK(M_TRAILINGSPACE(m) == int(MCLBYTES));
  CHECK(M_WRITABLE(m));
  CHECK(mbuf_stats().clusters_in_use == before + 1);
  m_freem(m);
  CHECK(mbuf_stats().clusters_in_use == before);
}

TEST_CASE("mbuf: m_get2 boundaries: 0, MLEN inline - MLEN+1 and MCLBYTES in a cluster - beyond fails") {
  Balance b;
  for (int len : {0, int(MLEN)}) {
    mbuf* m = m_get2(len, M_NOWAIT, MType::Data, true);
    REQUIRE(m);
    CHECK((m->m_flags & M_EXT) == 0);
    CHECK(M_TRAILINGSPACE(m) >= len);
    m_freem(m);
  }
  for (int len : {int(MLEN) + 1, int(MCLBYTES)}) {
    mbuf* m = m_get2(len, M_NOWAIT, MType::Data, false);
    REQUIRE(m);
    CHECK((m->m_flags & M_EXT) != 0);
    CHECK(M_TRAILINGSPACE(m) == int(MCLBYTES));
    m_freem(m);
  }
  CHECK(m_get2(int(MCLBYTES) + 1, M_NOWAIT, MType::Data, false) == nullptr);
}

TEST_CASE("mbuf: m_devget and m_copydata round-trip at the boundaries") {
  Balance b;
  for (int len : {0, 1, int(MLEN) - 1, int(MLEN), int(MLEN) + 1, int(MCLBYTES), int(MCLBYTES) + 1, 100000}) {
    CAPTURE(len);
    auto data = pattern(len);
    mbuf* m = m_devget(data.data(), len, M_NOWAIT, true);
    REQUIRE(m);
    CHECK(m->m_pkthdr.len == len);
    CHECK(m_length(m) == len);
    CHECK(contents(m) == data);
    if (len == int(MLEN)) CHECK(chain_count(m) == 1);
    if (len == int(MCLBYTES)) CHECK(chain_count(m) == 1);
    if (len == int(MCLBYTES) + 1) CHECK(chain_count(m) == 2);
    // a slice from the middle
    if (len > 10) {
      std::vector<unsigned char> mid(size_t(len - 10));
      m_copydata(m, 5, len - 10, mid.data());
      CHECK(std::equal(mid.begin(), mid.end(), data.begin() + 5));
    }
    m_freem(m);
  }
}

TEST_CASE("mbuf: m_length reports the last mbuf") {
  Balance b;
  auto data = pattern(5000);
  mbuf* m = m_devget(data.data(), 5000, M_NOWAIT, false);
  mbuf* last = nullptr;
  CHECK(m_length(m, &last) == 5000);
  REQUIRE(last);
  CHECK(last->m_next == nullptr);
  CHECK(last->m_len == 5000 - 2 * int(MCLBYTES));
  m_freem(m);
}

TEST_CASE("mbuf: m_copym shares clusters - the cluster lives until its last reference") {
  Balance b;
  auto data = pattern(3000);
  mbuf* m = m_devget(data.data(), 3000, M_NOWAIT, true);
  const auto clusters = mbuf_stats().clusters_in_use;
  mbuf* c = m_copym(m, 0, M_COPYALL, M_NOWAIT);
  REQUIRE(c);
  CHECK(mbuf_stats().clusters_in_use == clusters);  // shared, not copied
  CHECK(c->m_data == m->m_data);
  CHECK((c->m_flags & M_PKTHDR) != 0);
  CHECK(c->m_pkthdr.len == 3000);
  CHECK_FALSE(M_WRITABLE(m));
  CHECK_FALSE(M_WRITABLE(c));
  CHECK(M_TRAILINGSPACE(m) == 0);
  m_freem(m);
  CHECK(mbuf_stats().clusters_in_use == clusters);  // c still holds them
  CHECK(contents(c) == data);
  CHECK(M_WRITABLE(c));
  m_freem(c);
  CHECK(mbuf_stats().clusters_in_use == clusters - 2);
}

TEST_CASE("mbuf: m_copym of a range copies inline data and clips at the end") {
  Balance b;
  auto data = pattern(600);
  mbuf* m = m_devget(data.data(), 100, M_NOWAIT, true);
  m_cat(m, m_devget(data.data() + 100, 500, M_NOWAIT, false));
  mbuf* c = m_copym(m, 50, 300, M_NOWAIT);
  REQUIRE(c);
  CHECK((c->m_flags & M_PKTHDR) == 0);  // not from offset 0
  CHECK(m_length(c) == 300);
  auto got = contents(c);
  CHECK(std::equal(got.begin(), got.end(), data.begin() + 50));
  m_freem(c);
  c = m_copym(m, 590, 100, M_NOWAIT);  // more than there is
  REQUIRE(c);
  CHECK(m_length(c) == 10);
  m_freem(c);
  m_freem(m);
}

TEST_CASE("mbuf: m_copyback overwrites, extends, and pads a short chain") {
  Balance b;
  auto data = pattern(100);
  mbuf* m = m_devget(data.data(), 100, M_NOWAIT, true);
  const char hello[] = "hello";
  REQUIRE(m_copyback(m, 10, 5, hello));
  auto got = contents(m);
  CHECK(std::string(got.begin() + 10, got.begin() + 15) == "hello");
  CHECK(got.size() == 100);
  // extend past the end across several mbufs
  auto big = pattern(5000, 3);
  REQUIRE(m_copyback(m, 90, 5000, big.data()));
  CHECK(m_length(m) == 5090);
  CHECK(m->m_pkthdr.len == 5090);
  got = contents(m);
  CHECK(std::equal(big.begin(), big.end(), got.begin() + 90));
  // pad: write beyond the end leaves zeroes in between
  REQUIRE(m_copyback(m, 6000, 1, hello));
  got = contents(m);
  CHECK(got.size() == 6001);
  CHECK(got[5500] == 0);
  CHECK(got[6000] == 'h');
  m_freem(m);
}

TEST_CASE("mbuf: m_copyback into a shared cluster leaves the other copy alone") {
  Balance b;
  auto data = pattern(1000);
  mbuf* m = m_devget(data.data(), 1000, M_NOWAIT, true);
  mbuf* c = m_copym(m, 0, M_COPYALL, M_NOWAIT);
  const char x[] = "XYZ";
  REQUIRE(m_copyback(c, 0, 3, x));
  CHECK(contents(m) == data);
  CHECK(contents(c)[0] == 'X');
  m_freem(m);
  m_freem(c);
}

TEST_CASE("mbuf: m_adj trims the head and the tail, across mbufs") {
  Balance b;
  auto data = pattern(3000);
  mbuf* m = m_devget(data.data(), 3000, M_NOWAIT, true);
  m_adj(m, 2100);  // past the first cluster
  CHECK(m->m_pkthdr.len == 900);
  CHECK(m_length(m) == 900);
  auto got = contents(m);
  CHECK(std::equal(got.begin(), got.end(), data.begin() + 2100));
  m_adj(m, -850);
  CHECK(m->m_pkthdr.len == 50);
  got = contents(m);
  CHECK(std::equal(got.begin(), got.end(), data.begin() + 2100));
  m_adj(m, -1000);  // more than there is: empty
  CHECK(m_length(m) == 0);
  CHECK(m->m_pkthdr.len == 0);
  m_adj(m, 0);
  m_freem(m);
}

TEST_CASE("mbuf: m_prepend uses leading space, else a new head mbuf carrying the header") {
  Balance b;
  auto data = pattern(100);
  mbuf* m = m_devget(data.data(), 100, M_NOWAIT, true);
  m = m_prepend(m, 20, M_NOWAIT);
  REQUIRE(m);
  CHECK(chain_count(m) == 2);
  CHECK((m->m_flags & M_PKTHDR) != 0);
  CHECK((m->m_next->m_flags & M_PKTHDR) == 0);
  CHECK(m->m_pkthdr.len == 120);
  CHECK(M_LEADINGSPACE(m) == int((MLEN - 20) & ~(sizeof(long) - 1)));  // BSD M_ALIGN
  CHECK(reinterpret_cast<uintptr_t>(m->m_data) % sizeof(long) == 0);
  m = m_prepend(m, 14, M_NOWAIT);  // fits in front now
  REQUIRE(m);
  CHECK(chain_count(m) == 2);
  CHECK(m->m_len == 34);
  CHECK(m->m_pkthdr.len == 134);
  auto got = contents(m);
  CHECK(std::equal(data.begin(), data.end(), got.begin() + 34));
  CHECK(m_prepend(m, int(MHLEN) + 1, M_NOWAIT) == nullptr);  // frees the chain
}

TEST_CASE("mbuf: m_pullup makes a header contiguous, and fails cleanly") {
  Balance b;
  auto data = pattern(400);
  mbuf* m = m_devget(data.data(), 10, M_NOWAIT, true);
  // linked by hand: m_cat would merge the small pieces
  m->m_next = m_devget(data.data() + 10, 10, M_NOWAIT, false);
  m->m_next->m_next = m_devget(data.data() + 20, 380, M_NOWAIT, false);
  m->m_pkthdr.len = 400;
  m = m_pullup(m, 40);
  REQUIRE(m);
  CHECK(m->m_len >= 40);
  CHECK(m_length(m) == 400);
  CHECK(contents(m) == data);
  CHECK(m_pullup(m, int(MHLEN) + 1) == nullptr);  // beyond the inline size: chain freed
  mbuf* s = m_devget(data.data(), 30, M_NOWAIT, true);
  CHECK(m_pullup(s, 31) == nullptr);  // shorter than asked: chain freed
  mbuf* c = m_devget(data.data(), 400, M_NOWAIT, true);  // a cluster: pulled into a new mbuf
  c = m_pullup(c, 20);
  REQUIRE(c);
  CHECK(c->m_len >= 20);
  CHECK(contents(c) == data);
  m_freem(c);
}

TEST_CASE("mbuf: m_cat copies small tails into trailing space and links the rest") {
  Balance b;
  auto data = pattern(3000);
  mbuf* m = m_devget(data.data(), 10, M_NOWAIT, false);
  m_cat(m, m_devget(data.data() + 10, 10, M_NOWAIT, false));
  CHECK(chain_count(m) == 1);
  m_cat(m, m_devget(data.data() + 20, 2980, M_NOWAIT, false));
  CHECK(chain_count(m) == 3);
  CHECK(contents(m) == data);
  m_freem(m);
}

TEST_CASE("mbuf: m_split inside inline data, inside a cluster, and at a boundary") {
  Balance b;
  auto data = pattern(5000);
  for (int at : {0, 1, 100, int(MCLBYTES), int(MCLBYTES) + 7, 4999, 5000}) {
    CAPTURE(at);
    mbuf* m = m_devget(data.data(), 5000, M_NOWAIT, true);
    mbuf* n = m_split(m, at, M_NOWAIT);
    REQUIRE(n);
    CHECK(m->m_pkthdr.len == at);
    CHECK(m_length(m) == at);
    CHECK((n->m_flags & M_PKTHDR) != 0);
    CHECK(n->m_pkthdr.len == 5000 - at);
    auto a = contents(m), t = contents(n);
    CHECK(std::equal(a.begin(), a.end(), data.begin()));
    CHECK(std::equal(t.begin(), t.end(), data.begin() + at));
    m_freem(m);
    m_freem(n);
  }
  mbuf* m = m_devget(data.data(), 100, M_NOWAIT, false);
  CHECK(m_split(m, 101, M_NOWAIT) == nullptr);  // beyond the chain: untouched
  CHECK(m_length(m) == 100);
  mbuf* n = m_split(m, 60, M_NOWAIT);
  REQUIRE(n);
  CHECK(m_length(n) == 40);
  m_freem(m);
  m_freem(n);
}

TEST_CASE("mbuf: a long chain survives copy, split, adj and cat intact") {
  Balance b;
  auto data = pattern(100 * 1024, 11);
  mbuf* m = m_devget(data.data(), int(data.size()), M_NOWAIT, true);
  CHECK(chain_count(m) == 50);
  mbuf* c = m_copym(m, 12345, 50000, M_NOWAIT);
  REQUIRE(c);
  auto got = contents(c);
  CHECK(std::equal(got.begin(), got.end(), data.begin() + 12345));
  mbuf* tail = m_split(m, 70000, M_NOWAIT);
  REQUIRE(tail);
  m_adj(tail, 1000);
  m_adj(tail, -1000);
  got = contents(tail);
  CHECK(got.size() == size_t(100 * 1024 - 72000));
  CHECK(std::equal(got.begin(), got.end(), data.begin() + 71000));
  m_cat(m, tail);
  m->m_pkthdr.len = m_length(m);
  CHECK(m_length(m) == 70000 + 100 * 1024 - 72000);
  m_freem(m);
  m_freem(c);
}

namespace {

// A chain of mixed pieces: inline mbufs, clusters filled to varying depths,
// an empty mbuf now and then; about 100 KB, every byte from pattern(seed).
mbuf* mixed_chain(int pieces, std::vector<unsigned char>& data, std::vector<int>& boundaries) {
  data.clear();
  boundaries.clear();
  mbuf* top = m_gethdr(M_NOWAIT, MType::Data);
  mbuf* last = top;
  for (int i = 0; i < pieces; ++i) {
    int len;
    if (i % 7 == 3) len = 0;
    else if (i % 2 == 0) len = 1 + (i * 13) % int(MLEN);
    else len = 1 + (i * 811) % int(MCLBYTES);
    mbuf* m = m_get2(len, M_NOWAIT, MType::Data, false);
    REQUIRE(m);
    for (int j = 0; j < len; ++j) {
      const auto byte = static_cast<unsigned char>((data.size() * 7 + 5) & 0xff);
      m->m_data[j] = std::byte{byte};
      data.push_back(byte);
    }
    m->m_len = len;
    last->m_next = m;
    last = m;
    boundaries.push_back(int(data.size()));
  }
  top->m_pkthdr.len = int(data.size());
  return top;
}

std::vector<unsigned char> slice(const std::vector<unsigned char>& v, int off, int len) {
  return {v.begin() + off, v.begin() + off + len};
}

// Every offset worth a look: each mbuf boundary and its neighbours.
std::vector<int> offsets_near(const std::vector<int>& boundaries, int total) {
  std::vector<int> v{0, 1, total - 1, total};
  for (int b : boundaries) {
    for (int o : {b - 1, b, b + 1}) {
      if (o >= 0 && o <= total) v.push_back(o);
    }
  }
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

}  // namespace

TEST_CASE("mbuf: m_copydata and m_copym at every boundary of a 100 KB mixed chain") {
  Balance b;
  std::vector<unsigned char> data;
  std::vector<int> bounds;
  mbuf* m = mixed_chain(200, data, bounds);
  const int total = int(data.size());
  CHECK(total > 90 * 1024);
  CHECK(m_length(m) == total);
  for (int off : offsets_near(bounds, total)) {
    CAPTURE(off);
    const int len = std::min(total - off, 3000);
    std::vector<unsigned char> out(size_t(len) + 1, 0xee);
    m_copydata(m, off, len, out.data());
    CHECK(out.back() == 0xee);  // wrote exactly len bytes
    out.pop_back();
    CHECK(out == slice(data, off, len));
    mbuf* c = m_copym(m, off, len, M_NOWAIT);
    REQUIRE(c);
    CHECK(m_length(c) == len);
    CHECK(contents(c) == slice(data, off, len));
    CHECK(((c->m_flags & M_PKTHDR) != 0) == (off == 0));
    m_freem(c);
  }
  m_freem(m);
}

TEST_CASE("mbuf: m_split and m_adj at every boundary of a 100 KB mixed chain") {
  Balance b;
  std::vector<unsigned char> data;
  std::vector<int> bounds;
  mbuf* orig = mixed_chain(200, data, bounds);
  const int total = int(data.size());
  for (int at : offsets_near(bounds, total)) {
    CAPTURE(at);
    // Work on copies: they share orig's clusters, so orig must not change.
    mbuf* m = m_copym(orig, 0, M_COPYALL, M_NOWAIT);
    REQUIRE(m);
    mbuf* n = m_split(m, at, M_NOWAIT);
    REQUIRE(n);
    CHECK(m->m_pkthdr.len == at);
    CHECK(n->m_pkthdr.len == total - at);
    CHECK(contents(m) == slice(data, 0, at));
    CHECK(contents(n) == slice(data, at, total - at));
    m_freem(m);
    m_freem(n);

    m = m_copym(orig, 0, M_COPYALL, M_NOWAIT);
    m_adj(m, at);
    CHECK(m->m_pkthdr.len == total - at);
    CHECK(contents(m) == slice(data, at, total - at));
    m_adj(m, -(total - at) / 2);
    const int keep = total - at - (total - at) / 2;
    CHECK(m->m_pkthdr.len == keep);
    CHECK(contents(m) == slice(data, at, keep));
    m_freem(m);

    m = m_copym(orig, 0, M_COPYALL, M_NOWAIT);
    m_adj(m, -at);  // the tail trimmed back to exactly this boundary from the end
    CHECK(m->m_pkthdr.len == total - at);
    CHECK(contents(m) == slice(data, 0, total - at));
    m_freem(m);
  }
  CHECK(contents(orig) == data);
  m_freem(orig);
}

TEST_CASE("mbuf: m_copyback at every boundary of a 100 KB mixed chain leaves the shared original alone") {
  Balance b;
  std::vector<unsigned char> data;
  std::vector<int> bounds;
  mbuf* orig = mixed_chain(200, data, bounds);
  const int total = int(data.size());
  const auto patch = pattern(500, 99);
  for (int off : offsets_near(bounds, total)) {
    CAPTURE(off);
    mbuf* m = m_copym(orig, 0, M_COPYALL, M_NOWAIT);
    REQUIRE(m);
    REQUIRE(m_copyback(m, off, int(patch.size()), patch.data()));
    auto want = data;
    want.resize(std::max(want.size(), size_t(off) + patch.size()));
    std::copy(patch.begin(), patch.end(), want.begin() + off);
    CHECK(m_length(m) == int(want.size()));
    CHECK(m->m_pkthdr.len == int(want.size()));
    CHECK(contents(m) == want);
    m_freem(m);
  }
  CHECK(contents(orig) == data);
  m_freem(orig);
}

TEST_CASE("mbuf: m_copyback fills an empty mbuf to exactly MLEN inline, MLEN+1 takes another") {
  Balance b;
  const auto data = pattern(int(MCLBYTES) + 1);
  for (int len : {0, 1, int(MLEN), int(MLEN) + 1, int(MCLBYTES), int(MCLBYTES) + 1}) {
    CAPTURE(len);
    mbuf* m = m_gethdr(M_NOWAIT, MType::Data);
    REQUIRE(m_copyback(m, 0, len, data.data()));
    CHECK(m->m_len == std::min(len, int(MLEN)));
    CHECK(chain_count(m) == (len <= int(MLEN) ? 1 : 2));
    CHECK(m->m_pkthdr.len == len);
    CHECK(contents(m) == slice(data, 0, len));
    m_freem(m);
  }
}

TEST_CASE("mbuf: shared cluster lifetime through m_copym and m_split, by the counters") {
  Balance b;
  mbuf_drain_thread_cache();
  const auto data = pattern(int(MCLBYTES), 5);
  const uint64_t c0 = mbuf_stats().clusters_in_use;
  mbuf* m = m_devget(data.data(), int(MCLBYTES), M_NOWAIT, true);
  REQUIRE(m);
  REQUIRE(chain_count(m) == 1);
  CHECK(mbuf_stats().clusters_in_use == c0 + 1);
  mbuf* c1 = m_copym(m, 100, 1000, M_NOWAIT);
  mbuf* c2 = m_copym(m, 0, M_COPYALL, M_NOWAIT);
  REQUIRE(c1);
  REQUIRE(c2);
  CHECK(c1->m_ext == m->m_ext);
  CHECK(c2->m_ext == m->m_ext);
  CHECK(mbuf_stats().clusters_in_use == c0 + 1);  // three references, one cluster
  CHECK(M_LEADINGSPACE(c1) == 0);  // shared storage is read-only to everyone
  CHECK(M_TRAILINGSPACE(c1) == 0);
  mbuf* tail = m_split(c2, 1500, M_NOWAIT);  // split inside the cluster: a fourth reference
  REQUIRE(tail);
  CHECK(tail->m_ext == m->m_ext);
  CHECK(mbuf_stats().clusters_in_use == c0 + 1);
  m_freem(m);
  m_freem(c2);
  CHECK(mbuf_stats().clusters_in_use == c0 + 1);
  CHECK(contents(c1) == slice(data, 100, 1000));
  CHECK(contents(tail) == slice(data, 1500, int(MCLBYTES) - 1500));
  m_freem(c1);
  CHECK(M_WRITABLE(tail));  // last reference: writable again
  CHECK(M_TRAILINGSPACE(tail) == 0);
  CHECK(M_LEADINGSPACE(tail) == 1500);
  CHECK(mbuf_stats().clusters_in_use == c0 + 1);
  m_freem(tail);
  CHECK(mbuf_stats().clusters_in_use == c0);
}

TEST_CASE("mbuf: m_pullup of exactly MHLEN succeeds, MHLEN+1 fails and frees the chain") {
  Balance b;
  const auto data = pattern(3 * int(MCLBYTES) + 10);
  mbuf* m = m_devget(data.data(), 10, M_NOWAIT, true);  // a short inline head
  m->m_next = m_devget(data.data() + 10, 3 * int(MCLBYTES), M_NOWAIT, false);
  m->m_pkthdr.len = int(data.size());
  REQUIRE(m_pullup(m, 10) == m);  // already there: nothing to do
  m = m_pullup(m, int(MHLEN));
  REQUIRE(m);
  CHECK(m->m_len == int(MHLEN));
  CHECK((m->m_flags & M_EXT) == 0);
  CHECK((m->m_flags & M_PKTHDR) != 0);
  CHECK(m->m_pkthdr.len == int(data.size()));
  CHECK(contents(m) == data);
  const MbufStats before = mbuf_stats();
  const int pieces = chain_count(m);
  CHECK(pieces == 4);  // the head, then the three clusters
  CHECK(m_pullup(m, int(MHLEN) + 1) == nullptr);
  CHECK(mbuf_stats().mbufs_in_use == before.mbufs_in_use - uint64_t(pieces));
  CHECK(mbuf_stats().clusters_in_use == before.clusters_in_use - 3);
}

TEST_CASE("mbuf: routines that allocate fail cleanly at the limit") {
  Balance b;
  const auto data = pattern(4000);
  mbuf* m = m_devget(data.data(), 4000, M_NOWAIT, true);  // two clusters
  mbuf* small = m_devget(data.data(), 10, M_NOWAIT, true);
  small->m_next = m_devget(data.data() + 10, 50, M_NOWAIT, false);
  small->m_pkthdr.len = 60;
  const MbufStats s0 = mbuf_stats();
  mbuf_set_limits(s0.mbufs_in_use, s0.clusters_in_use);  // nothing more

  CHECK(m_split(m, 100, M_NOWAIT) == nullptr);  // m left intact
  CHECK(contents(m) == data);
  CHECK(m->m_pkthdr.len == 4000);
  CHECK(m_copym(m, 0, 10, M_NOWAIT) == nullptr);
  CHECK(m_get2(0, M_NOWAIT, MType::Data, false) == nullptr);
  // copyback needing a new mbuf writes what fits and reports failure
  CHECK_FALSE(m_copyback(m, 4000, int(MCLBYTES), data.data()));
  // writing into a shared cluster needs a private copy: refused
  mbuf_set_limits(0, 0);
  mbuf* c = m_copym(m, 0, M_COPYALL, M_NOWAIT);
  mbuf* c8 = m_copym(m, int(MCLBYTES) - 8, M_COPYALL, M_NOWAIT);  // 8 bytes of shared cluster first
  REQUIRE(c);
  REQUIRE(c8);
  REQUIRE(c8->m_len == 8);
  const MbufStats s1 = mbuf_stats();
  mbuf_set_limits(s1.mbufs_in_use, s1.clusters_in_use);
  CHECK_FALSE(m_copyback(c, 0, 1, "x"));
  CHECK(contents(c) == contents(m));
  // pullup needing a new head and prepend needing one free the chain
  CHECK(m_pullup(c8, 20) == nullptr);
  CHECK(mbuf_stats().mbufs_in_use == s1.mbufs_in_use - 2);
  mbuf_set_limits(s1.mbufs_in_use - 2, s1.clusters_in_use);  // the two freed are not room
  CHECK(m_prepend(small, 20, M_NOWAIT) == nullptr);
  CHECK(mbuf_stats().mbufs_in_use == s1.mbufs_in_use - 4);
  m_freem(c);
  CHECK(mbuf_stats().mbuf_failures > s0.mbuf_failures);
  CHECK(mbuf_stats().cluster_failures > s0.cluster_failures);
  mbuf_set_limits(0, 0);
  m_freem(m);
}

TEST_CASE("mbuf: M_EOR follows the last byte through m_copym, m_split, m_cat and m_pullup") {
  Balance b;
  const auto data = pattern(3000);
  mbuf* m = m_devget(data.data(), 3000, M_NOWAIT, true);
  mbuf* last = nullptr;
  m_length(m, &last);
  last->m_flags |= M_EOR;
  mbuf* c = m_copym(m, 0, M_COPYALL, M_NOWAIT);
  m_length(c, &last);
  CHECK((last->m_flags & M_EOR) != 0);
  CHECK((c->m_flags & M_EOR) == 0);
  mbuf* part = m_copym(m, 0, 2999, M_NOWAIT);  // short of the end: no record end
  for (mbuf* p = part; p; p = p->m_next) CHECK((p->m_flags & M_EOR) == 0);
  m_freem(part);
  mbuf* tail = m_split(c, 2900, M_NOWAIT);
  for (mbuf* p = c; p; p = p->m_next) CHECK((p->m_flags & M_EOR) == 0);
  m_length(tail, &last);
  CHECK((last->m_flags & M_EOR) != 0);
  mbuf* head = m_get(M_NOWAIT, MType::Data);
  m_cat(head, tail);  // tail's 100 bytes fit inline: merged with their flag
  CHECK(chain_count(head) == 1);
  CHECK((head->m_flags & M_EOR) != 0);
  m_freem(head);
  m_freem(c);
  mbuf* s = m_devget(data.data(), 8, M_NOWAIT, true);
  s->m_next = m_devget(data.data() + 8, 8, M_NOWAIT, false);
  s->m_next->m_flags |= M_EOR;
  s = m_pullup(s, 16);
  REQUIRE(s);
  CHECK(chain_count(s) == 1);
  CHECK((s->m_flags & M_EOR) != 0);
  m_freem(s);
  m_freem(m);
}

TEST_CASE("mbuf: small pieces of the interface: m_free, m_clget twice, m_devget without header, MbufPtr") {
  Balance b;
  mbuf* a = m_get(M_NOWAIT, MType::Data);
  mbuf* n = m_get(M_NOWAIT, MType::Data);
  a->m_next = n;
  CHECK(m_free(a) == n);
  const uint64_t c0 = mbuf_stats().clusters_in_use;
  REQUIRE(m_clget(n, M_NOWAIT));
  REQUIRE(m_clget(n, M_NOWAIT));  // the first cluster is released, not leaked
  CHECK(mbuf_stats().clusters_in_use == c0 + 1);
  m_freem(n);
  m_freem(nullptr);
  CHECK(m_length(nullptr) == 0);
  const auto data = pattern(10);
  mbuf* d = m_devget(data.data(), 10, M_NOWAIT, false);
  CHECK((d->m_flags & M_PKTHDR) == 0);
  CHECK(mtod<unsigned char>(d)[9] == data[9]);
  {
    MbufPtr p(d);  // frees at scope end; Balance checks it
  }
  // a copy from the very end is an empty mbuf, not a failure
  mbuf* f = m_devget(data.data(), 10, M_NOWAIT, true);
  mbuf* e = m_copym(f, 10, M_COPYALL, M_NOWAIT);
  REQUIRE(e);
  CHECK(m_length(e) == 0);
  m_freem(e);
  m_freem(f);
}
