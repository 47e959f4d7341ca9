// mbuf chain routines (the chapter's "Mbuf Utility Routines"; FreeBSD
// uipc_mbuf.c). Cells come from mbuf_alloc.cpp; clusters are shared by
// reference count, so a copy of a chain costs an mbuf per piece, not a copy
// of its data.
#include <algorithm>
#include <cstring>

#include "kern/mbuf.hpp"
#include "kern/mbuf_alloc.hpp"

namespace tunsock {
namespace {

const std::byte* m_start(const mbuf* m) { return (m->m_flags & M_EXT) ? m->m_ext->buf : m->m_dat; }
int m_size(const mbuf* m) { return (m->m_flags & M_EXT) ? int(MCLBYTES) : int(MLEN); }

mbuf* m_init(void* cell, MType type, uint32_t flags) {
  auto* m = static_cast<mbuf*>(cell);
  m->m_next = nullptr;
  m->m_nextpkt = nullptr;
  m->m_data = m->m_dat;
  m->m_len = 0;
  m->m_flags = flags;
  m->m_type = type;
  m->m_pkthdr = PktHdr{};
  m->m_ext = nullptr;
  return m;
}

void cluster_release(MbufCluster* cl) {
  if (cl->refcnt.fetch_sub(1, std::memory_order_acq_rel) == 1) zone_free(ZoneId::Cluster, cl);
}

// Point n at the same cluster storage as m (the cluster gains a reference).
void m_share(mbuf* n, const mbuf* m, int off, int len) {
  m->m_ext->refcnt.fetch_add(1, std::memory_order_relaxed);
  n->m_ext = m->m_ext;
  n->m_flags |= M_EXT;
  n->m_data = m->m_data + off;
  n->m_len = len;
}

// Give m storage of its own when its cluster is shared, so it may be written.
bool m_makewritable(mbuf* m) {
  if (M_WRITABLE(m)) return true;
  auto* cl = static_cast<MbufCluster*>(zone_alloc(ZoneId::Cluster));
  if (!cl) return false;
  cl->refcnt.store(1, std::memory_order_relaxed);
  const long off = m->m_data - m->m_ext->buf;
  std::memcpy(cl->buf, m->m_ext->buf, MCLBYTES);
  cluster_release(m->m_ext);
  m->m_ext = cl;
  m->m_data = cl->buf + off;
  return true;
}

// A fresh mbuf (with a cluster when len does not fit inline) for len bytes.
mbuf* m_getfor(int len, int how, MType type, bool pkthdr) {
  return m_get2(std::min(len, int(MCLBYTES)), how, type, pkthdr);
}

}  // namespace

mbuf* m_get(int /*how*/, MType type) {
  void* cell = zone_alloc(ZoneId::Mbuf);
  return cell ? m_init(cell, type, 0) : nullptr;
}

mbuf* m_gethdr(int /*how*/, MType type) {
  void* cell = zone_alloc(ZoneId::Mbuf);
  return cell ? m_init(cell, type, M_PKTHDR) : nullptr;
}

bool m_clget(mbuf* m, int /*how*/) {
  auto* cl = static_cast<MbufCluster*>(zone_alloc(ZoneId::Cluster));
  if (!cl) return false;
  cl->refcnt.store(1, std::memory_order_relaxed);
  if (m->m_flags & M_EXT) cluster_release(m->m_ext);
  m->m_ext = cl;
  m->m_data = cl->buf;
  m->m_flags |= M_EXT;
  return true;
}

mbuf* m_get2(int len, int how, MType type, bool pkthdr) {
  if (len < 0 || len > int(MCLBYTES)) return nullptr;
  mbuf* m = pkthdr ? m_gethdr(how, type) : m_get(how, type);
  if (!m || len <= int(MLEN)) return m;
  if (!m_clget(m, how)) {
    m_free(m);
    return nullptr;
  }
  return m;
}

mbuf* m_free(mbuf* m) {
  mbuf* n = m->m_next;
  if (m->m_flags & M_EXT) cluster_release(m->m_ext);
  m->m_type = MType::Free;
  zone_free(ZoneId::Mbuf, m);
  return n;
}

void m_freem(mbuf* m) {
  while (m) m = m_free(m);
}

int M_TRAILINGSPACE(const mbuf* m) {
  if (!M_WRITABLE(m)) return 0;
  return int((m_start(m) + m_size(m)) - (m->m_data + m->m_len));
}

int M_LEADINGSPACE(const mbuf* m) {
  if (!M_WRITABLE(m)) return 0;
  return int(m->m_data - m_start(m));
}

bool M_WRITABLE(const mbuf* m) {
  return !(m->m_flags & M_EXT) || m->m_ext->refcnt.load(std::memory_order_acquire) == 1;
}

int m_length(const mbuf* m, mbuf** last) {
  int len = 0;
  const mbuf* l = nullptr;
  for (; m; m = m->m_next) {
    len += m->m_len;
    l = m;
  }
  if (last) *last = const_cast<mbuf*>(l);
  return len;
}

mbuf* m_copym(mbuf* m, int off, int len, int how) {
  if (!m || off < 0 || len < 0) return nullptr;
  mbuf* const m0 = m;
  const bool copyhdr = off == 0 && (m->m_flags & M_PKTHDR);
  while (m && off > 0 && off >= m->m_len) {
    off -= m->m_len;
    m = m->m_next;
  }
  mbuf* top = nullptr;
  mbuf** np = &top;
  int copied = 0;
  for (; m && len > 0; m = m->m_next, off = 0) {
    const int n = std::min(len, m->m_len - off);
    if (n <= 0) continue;
    mbuf* c = (copyhdr && !top) ? m_gethdr(how, m->m_type) : m_get(how, m->m_type);
    if (!c) {
      m_freem(top);
      return nullptr;
    }
    if (m->m_flags & M_EXT) {
      m_share(c, m, off, n);
    } else {
      std::memcpy(c->m_data, m->m_data + off, size_t(n));
      c->m_len = n;
    }
    if ((m->m_flags & M_EOR) && off + n == m->m_len) c->m_flags |= M_EOR;
    *np = c;
    np = &c->m_next;
    copied += n;
    if (len != M_COPYALL) len -= n;
  }
  if (!top) top = copyhdr ? m_gethdr(how, MType::Data) : m_get(how, MType::Data);
  if (top && copyhdr) {
    top->m_pkthdr = m0->m_pkthdr;
    top->m_pkthdr.len = copied;
  }
  return top;
}

void m_copydata(const mbuf* m, int off, int len, void* out) {
  auto* p = static_cast<std::byte*>(out);
  while (m && off >= m->m_len) {
    off -= m->m_len;
    m = m->m_next;
  }
  for (; m && len > 0; m = m->m_next, off = 0) {
    const int n = std::min(len, m->m_len - off);
    std::memcpy(p, m->m_data + off, size_t(n));
    p += n;
    len -= n;
  }
}

bool m_copyback(mbuf* m0, int off, int len, const void* src) {
  auto* p = static_cast<const std::byte*>(src);
  mbuf* m = m0;
  // Walk to off, padding with zeroes when the chain is shorter.
  while (off > m->m_len) {
    if (!m->m_next) {
      const int gap = off - m->m_len;
      const int z = std::min(gap, M_TRAILINGSPACE(m));
      std::memset(m->m_data + m->m_len, 0, size_t(z));
      m->m_len += z;
      if (z == gap) break;
      mbuf* n = m_getfor(gap - z + len, M_NOWAIT, m->m_type, false);
      if (!n) return false;
      m->m_next = n;
    }
    off -= m->m_len;
    m = m->m_next;
  }
  // off <= m->m_len: overwrite what is there, append past the end.
  while (len > 0) {
    if (off == m->m_len) {
      if (m->m_next) {
        m = m->m_next;
        off = 0;
        continue;
      }
      if (const int room = M_TRAILINGSPACE(m); room > 0) {
        m->m_len += std::min(room, len);
      } else {
        mbuf* n = m_getfor(len, M_NOWAIT, m->m_type, false);
        if (!n) return false;
        m->m_next = n;
        m = n;
        off = 0;
        continue;
      }
    }
    if (!m_makewritable(m)) return false;
    const int n = std::min(len, m->m_len - off);
    std::memcpy(m->m_data + off, p, size_t(n));
    p += n;
    len -= n;
    off += n;
  }
  if (m0->m_flags & M_PKTHDR) m0->m_pkthdr.len = std::max(m0->m_pkthdr.len, m_length(m0));
  return true;
}

void m_adj(mbuf* mp, int req) {
  if (!mp) return;
  if (req >= 0) {
    int len = req;
    for (mbuf* m = mp; m && len > 0; m = m->m_next) {
      const int n = std::min(len, m->m_len);
      m->m_len -= n;
      m->m_data += n;
      len -= n;
    }
    if (mp->m_flags & M_PKTHDR) mp->m_pkthdr.len -= req - len;
  } else {
    const int total = m_length(mp);
    const int keep = std::max(0, total + req);
    int left = keep;
    for (mbuf* m = mp; m; m = m->m_next) {
      if (m->m_len > left) m->m_len = left;
      left -= m->m_len;
    }
    if (mp->m_flags & M_PKTHDR) mp->m_pkthdr.len = keep;
  }
}

mbuf* m_prepend(mbuf* m, int len, int how) {
  if (M_LEADINGSPACE(m) >= len) {
    m->m_data -= len;
    m->m_len += len;
    if (m->m_flags & M_PKTHDR) m->m_pkthdr.len += len;
    return m;
  }
  if (len > int(MHLEN)) {
    m_freem(m);
    return nullptr;
  }
  mbuf* mn = (m->m_flags & M_PKTHDR) ? m_gethdr(how, m->m_type) : m_get(how, m->m_type);
  if (!mn) {
    m_freem(m);
    return nullptr;
  }
  if (m->m_flags & M_PKTHDR) {
    mn->m_pkthdr = m->m_pkthdr;
    m->m_flags &= ~M_PKTHDR;
    mn->m_pkthdr.len += len;
  }
  mn->m_next = m;
  // Data at the end leaves room for further headers in front; its start is
  // long-aligned so a header may be read in place (BSD M_ALIGN).
  mn->m_data = mn->m_dat + ((MLEN - std::size_t(len)) & ~(sizeof(long) - 1));
  mn->m_len = len;
  return mn;
}

mbuf* m_pullup(mbuf* n, int len) {
  if (n->m_len >= len) return n;
  if (len > int(MHLEN)) {
    m_freem(n);
    return nullptr;
  }
  mbuf* m;
  if (!(n->m_flags & M_EXT) && n->m_data + len <= n->m_dat + MLEN && n->m_next) {
    m = n;
    n = n->m_next;
  } else {
    m = (n->m_flags & M_PKTHDR) ? m_gethdr(M_NOWAIT, n->m_type) : m_get(M_NOWAIT, n->m_type);
    if (!m) {
      m_freem(n);
      return nullptr;
    }
    if (n->m_flags & M_PKTHDR) {
      m->m_pkthdr = n->m_pkthdr;
      n->m_flags &= ~M_PKTHDR;
    }
  }
  while (n && m->m_len < len) {
    const int k = std::min(len - m->m_len, n->m_len);
    std::memcpy(m->m_data + m->m_len, n->m_data, size_t(k));
    m->m_len += k;
    n->m_len -= k;
    n->m_data += k;
    if (n->m_len == 0) {
      if (n->m_flags & M_EOR) m->m_flags |= M_EOR;
      n = m_free(n);
    }
  }
  m->m_next = n;
  if (m->m_len < len) {  // the chain was shorter than len
    m_freem(m);
    return nullptr;
  }
  return m;
}

void m_cat(mbuf* m, mbuf* n) {
  while (m->m_next) m = m->m_next;
  while (n) {
    if (n->m_len <= M_TRAILINGSPACE(m) && m->m_type == n->m_type) {
      std::memcpy(m->m_data + m->m_len, n->m_data, size_t(n->m_len));
      m->m_len += n->m_len;
      m->m_flags |= (n->m_flags & M_EOR);
      n = m_free(n);
    } else {
      m->m_next = n;
      return;
    }
  }
}

mbuf* m_split(mbuf* m0, int len0, int how) {
  mbuf* m = m0;
  int remain = len0;
  while (m && remain > m->m_len) {
    remain -= m->m_len;
    m = m->m_next;
  }
  if (!m || len0 < 0) return nullptr;  // len0 beyond the chain
  const bool hdr = m0->m_flags & M_PKTHDR;
  const int tail = m->m_len - remain;
  mbuf* n;
  if (tail == 0 && !hdr) {
    n = m->m_next ? m->m_next : m_get(how, m->m_type);
    if (!n) return nullptr;
    m->m_next = nullptr;
    return n;
  }
  n = hdr ? m_gethdr(how, m->m_type) : m_get(how, m->m_type);
  if (!n) return nullptr;
  if (tail > 0) {
    if (m->m_flags & M_EXT) {
      m_share(n, m, remain, tail);
    } else if (tail > int(MLEN)) {
      m_free(n);
      return nullptr;
    } else {
      std::memcpy(n->m_data, m->m_data + remain, size_t(tail));
      n->m_len = tail;
    }
    n->m_flags |= (m->m_flags & M_EOR);
    m->m_flags &= ~M_EOR;
  }
  if (hdr) {
    n->m_pkthdr.rcvif = m0->m_pkthdr.rcvif;
    n->m_pkthdr.flowid = m0->m_pkthdr.flowid;
    n->m_pkthdr.len = m_length(m0) - len0;
    m0->m_pkthdr.len = len0;
  }
  n->m_next = m->m_next;
  m->m_next = nullptr;
  m->m_len = remain;
  return n;
}

mbuf* m_devget(const void* buf, int len, int how, bool pkthdr) {
  if (len < 0) return nullptr;
  const auto* p = static_cast<const std::byte*>(buf);
  mbuf* top = nullptr;
  mbuf** np = &top;
  int left = len;
  do {
    mbuf* m = m_getfor(left, how, MType::Data, pkthdr && !top);
    if (!m) {
      m_freem(top);
      return nullptr;
    }
    const int n = std::min(left, m_size(m));
    if (n) std::memcpy(m->m_data, p, size_t(n));
    m->m_len = n;
    p += n;
    left -= n;
    *np = m;
    np = &m->m_next;
  } while (left > 0);
  if (pkthdr) top->m_pkthdr.len = len;
  return top;
}

}  // namespace tunsock
