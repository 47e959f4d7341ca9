// The in-memory link: seeded loss, duplication, reordering, delay, MTU.
#include "net/if_memlink.hpp"

#include <memory>
#include <vector>

#include "kern/stack.hpp"

namespace tunsock {

void MemLink::connect(Stack& sa, const std::string& an, Stack& sb, const std::string& bn) {
  auto tx = [this](ifnet& ifp, mbuf* m) { return transmit(ifp, m); };
  a_ = &if_attach(sa, an, p_.mtu, IFF_POINTOPOINT, tx);
  b_ = &if_attach(sb, bn, p_.mtu, IFF_POINTOPOINT, tx);
}

int MemLink::transmit(ifnet& from, mbuf* m) {
  ifnet* to = &from == a_ ? b_ : a_;
  int len = m_length(m);
  stats_.sent++;
  std::uniform_real_distribution<double> u(0, 1);
  if (uint32_t(len) > p_.mtu) {
    stats_.toobig++;
    from.if_data.tx_errors++;
    m_freem(m);
    return 0;
  }
  if (u(rng_) < p_.loss) {
    stats_.lost++;
    m_freem(m);
    return 0;
  }
  auto bytes = std::make_shared<std::vector<std::byte>>(size_t(len));
  m_copydata(m, 0, len, bytes->data());
  m_freem(m);
  int copies = u(rng_) < p_.duplicate ? 2 : 1;
  if (copies == 2) stats_.duplicated++;
  Stack& rst = *to->if_stack;
  Time when = from.if_stack->now() + p_.delay;
  if (u(rng_) < p_.reorder) {
    stats_.reordered++;
    when += p_.reorder_delay;
  }
  for (int i = 0; i < copies; ++i)
    rst.callout_reset(when, [to, bytes] { if_input_bytes(*to, bytes->data(), bytes->size()); });
  return 0;
}

}  // namespace tunsock
