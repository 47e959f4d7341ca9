// Fixed timer slots (kern/timer.hpp): time order with callouts, re-arming
// moves, stopping, callbacks that re-arm or free slots, destruction while
// armed, a heap of many slots, and no allocation on re-arm.
#include <atomic>
#include <cstdlib>
#include <memory>
#include <new>
#include <vector>

#include "kern/fake_proto.hpp"

// GCC sees free() of what new returned where the replacements inline into
// each other; here both sides are malloc/free.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

// Every allocation in this test binary goes through here, so a test can count
// the ones made by the code between two reads of the counter.
namespace {
std::atomic<uint64_t> g_news{0};
}
void* operator new(std::size_t n) {
  g_news.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace tunsock;
using std::chrono::milliseconds;

namespace {

// A slot's owner that records when its slots fire.
struct Owner {
  std::vector<int>* log = nullptr;
  int id = 0;
  TimerSlot slot{[](void* a) {
                   auto* o = static_cast<Owner*>(a);
                   o->log->push_back(o->id);
                 },
                 this};
};

}  // namespace

TEST_CASE("timer: slots fire in time order, ties in arming order, with callouts between") {
  Stack st;
  std::vector<int> log;
  Owner a{&log, 1}, b{&log, 2}, c{&log, 3};
  st.timer_arm(a.slot, milliseconds(30));
  st.timer_arm(b.slot, milliseconds(10));
  st.callout_reset(milliseconds(20), [&] { log.push_back(100); });
  st.timer_arm(c.slot, milliseconds(20));  // same time as the callout, armed after it
  st.callout_reset(milliseconds(30), [&] { log.push_back(200); });  // after a
  CHECK(a.slot.armed());
  CHECK(a.slot.when() == milliseconds(30));
  CHECK(st.timers_armed() == 3);
  CHECK(st.next_deadline() == milliseconds(10));
  st.poll(milliseconds(9));
  CHECK(log.empty());
  st.poll(milliseconds(20));
  CHECK(log == std::vector<int>{2, 100, 3});
  CHECK(!b.slot.armed());
  CHECK(st.next_deadline() == milliseconds(30));
  st.poll(milliseconds(1000));
  CHECK(log == std::vector<int>{2, 100, 3, 1, 200});
  CHECK(st.next_deadline() == Time::max());
  CHECK(st.timers_armed() == 0);
}

TEST_CASE("timer: next_deadline takes the earlier of slots and callouts") {
  Stack st;
  std::vector<int> log;
  Owner a{&log, 1};
  st.callout_reset(milliseconds(50), [] {});
  st.timer_arm(a.slot, milliseconds(70));
  CHECK(st.next_deadline() == milliseconds(50));
  st.timer_arm(a.slot, milliseconds(40));
  CHECK(st.next_deadline() == milliseconds(40));
}

TEST_CASE("timer: re-arming an armed slot moves it, later or earlier") {
  Stack st;
  std::vector<int> log;
  Owner a{&log, 1}, b{&log, 2}, c{&log, 3};
  st.timer_arm(a.slot, milliseconds(10));
  st.timer_arm(b.slot, milliseconds(20));
  st.timer_arm(c.slot, milliseconds(30));
  st.timer_arm(a.slot, milliseconds(40));  // later: now last
  st.timer_arm(c.slot, milliseconds(5));   // earlier: now first
  CHECK(st.timers_armed() == 3);
  CHECK(st.next_deadline() == milliseconds(5));
  st.poll(milliseconds(10));
  CHECK(log == std::vector<int>{3});  // a no longer fires at 10
  st.poll(milliseconds(100));
  CHECK(log == std::vector<int>{3, 2, 1});
  // Re-arming to the same time puts it after the others armed for that time.
  log.clear();
  st.timer_arm(a.slot, milliseconds(200));
  st.timer_arm(b.slot, milliseconds(200));
  st.timer_arm(a.slot, milliseconds(200));
  st.poll(milliseconds(200));
  CHECK(log == std::vector<int>{2, 1});
}

TEST_CASE("timer: stop removes a slot, stopping an unarmed one is a no-op") {
  Stack st;
  std::vector<int> log;
  Owner a{&log, 1}, b{&log, 2}, c{&log, 3};
  st.timer_stop(a.slot);
  st.timer_arm(a.slot, milliseconds(10));
  st.timer_arm(b.slot, milliseconds(20));
  st.timer_arm(c.slot, milliseconds(30));
  st.timer_stop(a.slot);  // the heap's root
  st.timer_stop(c.slot);  // its last element
  st.timer_stop(c.slot);
  CHECK(!a.slot.armed());
  CHECK(st.timers_armed() == 1);
  CHECK(st.next_deadline() == milliseconds(20));
  st.poll(milliseconds(100));
  CHECK(log == std::vector<int>{2});
}

TEST_CASE("timer: a firing callback re-arms itself, stops and frees other slots") {
  Stack st;
  struct Conn {
    Stack* st;
    int fired = 0;
    std::vector<int>* log;
    std::unique_ptr<TimerSlot> other;  // stands for an owner's other slots
    TimerSlot rexmt{[](void* a) {
                      auto* c = static_cast<Conn*>(a);
                      c->log->push_back(++c->fired);
                      if (c->fired < 3) c->st->timer_arm(c->rexmt, milliseconds(10 * (c->fired + 1)));
                      else c->other.reset();  // freed while armed
                    },
                    this};
  };
  std::vector<int> log, other_log;
  Conn conn{&st, 0, &log, nullptr};
  conn.other = std::make_unique<TimerSlot>([](void* a) { static_cast<std::vector<int>*>(a)->push_back(9); },
                                           &other_log);
  st.timer_arm(conn.rexmt, milliseconds(10));
  st.timer_arm(*conn.other, milliseconds(25));
  st.poll(milliseconds(20));  // fires at 10 and again at 20 (armed for now within poll)
  CHECK(log == std::vector<int>{1, 2});
  st.timer_stop(*conn.other);
  st.timer_arm(*conn.other, milliseconds(35));
  st.poll(milliseconds(30));  // third firing frees `other` before its time
  CHECK(log == std::vector<int>{1, 2, 3});
  CHECK(!conn.other);
  CHECK(st.timers_armed() == 0);
  st.poll(milliseconds(100));
  CHECK(other_log.empty());

  // Stopping the next-due slot from a callback keeps it from firing in the same poll.
  std::vector<int> l2;
  Owner x{&l2, 1}, y{&l2, 2};
  struct Stopper {
    Stack* st;
    TimerSlot* victim;
  } sp{&st, &y.slot};
  TimerSlot stopper{[](void* a) {
                      auto* s = static_cast<Stopper*>(a);
                      s->st->timer_stop(*s->victim);
                    },
                    &sp};
  st.timer_arm(stopper, milliseconds(110));
  st.timer_arm(y.slot, milliseconds(111));
  st.timer_arm(x.slot, milliseconds(112));
  st.poll(milliseconds(200));
  CHECK(l2 == std::vector<int>{1});
}

TEST_CASE("timer: a slot destroyed while armed leaves the heap, a stack destroyed first forgets its slots") {
  std::vector<int> log;
  {
    Stack st;
    auto a = std::make_unique<Owner>(&log, 1);
    Owner b{&log, 2};
    st.timer_arm(a->slot, milliseconds(10));
    st.timer_arm(b.slot, milliseconds(20));
    a.reset();
    CHECK(st.timers_armed() == 1);
    CHECK(st.next_deadline() == milliseconds(20));
    st.poll(milliseconds(100));
    CHECK(log == std::vector<int>{2});
  }
  auto late = std::make_unique<Owner>(&log, 3);
  {
    Stack st;
    st.timer_arm(late->slot, milliseconds(10));
  }
  CHECK(!late->slot.armed());
  late.reset();  // must not touch the stack that is gone
}

TEST_CASE("timer: many slots armed at random fire in sorted order") {
  Stack st;
  constexpr int kN = 2000;
  std::vector<int> log;
  std::vector<std::unique_ptr<Owner>> owners;
  std::vector<Time> when(kN);
  Rng rng(7);
  for (int i = 0; i < kN; i++) {
    owners.push_back(std::make_unique<Owner>(&log, i));
    when[i] = milliseconds(rng.next_u32() % 5000);
    st.timer_arm(owners[i]->slot, when[i]);
  }
  // Move a third, stop a tenth.
  for (int i = 0; i < kN; i += 3) {
    when[i] = milliseconds(rng.next_u32() % 5000);
    st.timer_arm(owners[i]->slot, when[i]);
  }
  for (int i = 0; i < kN; i += 10) st.timer_stop(owners[i]->slot);
  for (int t = 0; t <= 5000; t += 7) st.poll(milliseconds(t));
  st.poll(milliseconds(5000));
  CHECK(log.size() == size_t(kN - kN / 10));
  bool sorted = true;
  for (size_t k = 1; k < log.size(); k++) sorted = sorted && when[log[k - 1]] <= when[log[k]];
  CHECK(sorted);
  for (int i : log) CHECK_MESSAGE(i % 10 != 0, "stopped slot ", i, " fired");
}

TEST_CASE("timer: 10000 re-arms and stops of armed slots allocate nothing") {
  Stack st;
  std::vector<int> log;
  std::vector<std::unique_ptr<Owner>> owners;
  for (int i = 0; i < 64; i++) {
    owners.push_back(std::make_unique<Owner>(&log, i));
    st.timer_arm(owners[i]->slot, milliseconds(1000 + i));
  }
  st.timer_stop(owners[0]->slot);
  st.timer_arm(owners[0]->slot, milliseconds(1000));  // the heap has held 64: room for 64
  Rng rng(3);
  uint64_t before = g_news.load();
  for (int k = 0; k < 10000; k++) {
    Owner& o = *owners[rng.next_u32() % owners.size()];
    if (k % 5 == 4) st.timer_stop(o.slot);
    st.timer_arm(o.slot, milliseconds(1000 + rng.next_u32() % 100000));
  }
  st.poll(milliseconds(500));  // nothing due: polling allocates nothing either
  uint64_t after = g_news.load();
  CHECK(after - before == 0);
  CHECK(st.timers_armed() == 64);
  // The counter does count: a callout's queue entries are allocations it sees.
  uint64_t c0 = g_news.load();
  st.callout_reset(milliseconds(1), [] {});
  CHECK(g_news.load() > c0);
}
