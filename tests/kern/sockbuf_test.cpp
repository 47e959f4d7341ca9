// Socket buffers: the record layout of Fig. 11.12, byte and storage
// accounting, space, dropping, flushing with disposal of control.
#include <doctest/doctest.h>

#include <cstring>
#include <string>
#include <vector>

#include "kern/sockbuf.hpp"

using namespace tunsock;

namespace {

mbuf* data(const std::string& s) { return m_devget(s.data(), int(s.size()), M_NOWAIT, true); }
mbuf* control(int tag) {
  mbuf* m = m_get(M_NOWAIT, MType::Control);
  REQUIRE(m);
  std::memcpy(m->m_data, &tag, sizeof tag);
  m->m_len = sizeof tag;
  return m;
}
int records(const Sockbuf& sb) {
  int n = 0;
  for (mbuf* m = sb.sb_mb; m; m = m->m_nextpkt) ++n;
  return n;
}
std::string text(const mbuf* m) {
  std::string s;
  for (; m; m = m->m_next)
    if (m->m_type == MType::Data || m->m_type == MType::Header) s.append(reinterpret_cast<char*>(m->m_data), m->m_len);
  return s;
}
struct Fresh {
  Sockbuf sb;
  uint64_t before;
  Fresh() {
    mbuf_drain_thread_cache();
    before = mbuf_stats().mbufs_in_use;
    REQUIRE(sbreserve(sb, 1000));
  }
  ~Fresh() {
    sbflush(sb);
    CHECK(mbuf_stats().mbufs_in_use == before);
  }
};

}  // namespace

TEST_CASE("kern: sbappendstream extends one record and drops M_EOR") {
  Fresh f;
  mbuf* a = data("abc");
  a->m_flags |= M_EOR;
  sbappendstream(f.sb, a);
  sbappendstream(f.sb, data("def"));
  CHECK(records(f.sb) == 1);
  CHECK(f.sb.sb_cc == 6);
  CHECK(text(f.sb.sb_mb) == "abcdef");
  CHECK(!(a->m_flags & M_EOR));
  CHECK(f.sb.sb_mbcnt == 2 * MSIZE);
  CHECK(sbspace(f.sb) == 994);
}

TEST_CASE("kern: sbappendrecord and sbappendaddr make records in order") {
  Fresh f;
  sbappendrecord(f.sb, data("r1"));
  SockAddr from;
  from.ss.ss_family = AF_UNIX;
  from.len = 2;
  REQUIRE(sbappendaddr(f.sb, from, data("d2"), control(7)));
  sbappendrecord(f.sb, data("r3"));
  CHECK(records(f.sb) == 3);
  mbuf* r2 = f.sb.sb_mb->m_nextpkt;
  CHECK(r2->m_type == MType::Soname);
  CHECK(r2->m_len == 2);
  CHECK(r2->m_next->m_type == MType::Control);
  CHECK(r2->m_next->m_next->m_type == MType::Data);
  CHECK(f.sb.sb_lastrecord == r2->m_nextpkt);
  CHECK(f.sb.sb_cc == 6);
  CHECK(f.sb.sb_ctl == 2 + sizeof(int));
  sbdroprecord(f.sb);
  sbdroprecord(f.sb);
  CHECK(text(f.sb.sb_mb) == "r3");
  CHECK(f.sb.sb_ctl == 0);
  sbdroprecord(f.sb);
  CHECK(f.sb.sb_mb == nullptr);
  CHECK(f.sb.sb_lastrecord == nullptr);
  CHECK(f.sb.sb_mbtail == nullptr);
  CHECK(f.sb.sb_cc == 0);
  CHECK(f.sb.sb_mbcnt == 0);
  sbappendrecord(f.sb, data("again"));  // the empty buffer takes a new first record
  CHECK(f.sb.sb_mb == f.sb.sb_lastrecord);
}

TEST_CASE("kern: sbappendaddr refuses what does not fit, consuming nothing") {
  Fresh f;
  REQUIRE(sbreserve(f.sb, 10));
  SockAddr from;
  from.len = 2;
  mbuf* m = data("0123456789");
  CHECK(!sbappendaddr(f.sb, from, m, nullptr));
  CHECK(f.sb.sb_mb == nullptr);
  m_freem(m);  // still ours
  mbuf* c = control(1);
  mbuf* d = data("x");
  CHECK(!sbappendcontrol(f.sb, d, nullptr));  // no control: use sbappend
  REQUIRE(sbreserve(f.sb, 100));
  CHECK(sbappendcontrol(f.sb, d, c));
  CHECK(f.sb.sb_mb == c);
  CHECK(c->m_next == d);
}

TEST_CASE("kern: sbdrop takes bytes across mbufs and records") {
  Fresh f;
  sbappendstream(f.sb, data("hello"));
  sbappendstream(f.sb, data("world"));
  sbdrop(f.sb, 3);
  CHECK(f.sb.sb_cc == 7);
  CHECK(text(f.sb.sb_mb) == "loworld");
  sbdrop(f.sb, 2);
  CHECK(text(f.sb.sb_mb) == "world");
  CHECK(f.sb.sb_mbcnt == MSIZE);
  sbappendrecord_control(f.sb, data("next"), control(2));
  sbdrop(f.sb, 5);  // exactly the first record: the rights record stays whole
  CHECK(f.sb.sb_mb->m_type == MType::Control);
  CHECK(f.sb.sb_cc == 4);
  CHECK(records(f.sb) == 1);
}

TEST_CASE("kern: sbspace is the smaller of bytes and storage left") {
  Fresh f;
  REQUIRE(sbreserve(f.sb, 100));
  CHECK(f.sb.sb_mbmax == 800);
  for (int i = 0; i < 3; ++i) sbappendrecord(f.sb, data("x"));  // 3 bytes, 768 storage
  CHECK(sbspace(f.sb) == 800 - 3 * long(MSIZE));
  sbappendrecord(f.sb, data("y"));
  CHECK(sbspace(f.sb) == 0);  // storage exhausted, never negative
  CHECK(!sbreserve(f.sb, 0));
  CHECK(!sbreserve(f.sb, 17u << 20));
  CHECK(f.sb.sb_hiwat == 100);
}

TEST_CASE("kern: sbflush hands control to the disposer, then frees everything") {
  Fresh f;
  sbappendrecord_control(f.sb, data("a"), control(11));
  SockAddr from;
  from.len = 2;
  REQUIRE(sbappendaddr(f.sb, from, data("b"), control(12)));
  sbappendrecord(f.sb, data("c"));
  std::vector<int> seen;
  sbflush(
      f.sb,
      [](mbuf* c, void* arg) {
        int tag;
        std::memcpy(&tag, c->m_data, sizeof tag);
        static_cast<std::vector<int>*>(arg)->push_back(tag);
      },
      &seen);
  CHECK(seen == std::vector<int>{11, 12});
  CHECK(f.sb.sb_mb == nullptr);
  CHECK(f.sb.sb_cc == 0);
  CHECK(f.sb.sb_ctl == 0);
  CHECK(f.sb.sb_mbcnt == 0);
}

TEST_CASE("kern: clusters are charged to sb_mbcnt") {
  Fresh f;
  REQUIRE(sbreserve(f.sb, 10000));
  std::string big(3000, 'q');
  sbappendstream(f.sb, m_devget(big.data(), int(big.size()), M_NOWAIT, true));
  CHECK(f.sb.sb_cc == 3000);
  CHECK(f.sb.sb_mbcnt >= MSIZE + MCLBYTES);
  sbdrop(f.sb, 3000);
  CHECK(f.sb.sb_mbcnt == 0);
  CHECK(f.sb.sb_mb == nullptr);
}
