// Socket buffers: appending records and data, dropping what was read,
// space and storage accounting. FreeBSD: sys/kern/uipc_sockbuf.c.
//
// Records are chained by m_nextpkt from sb_mb; sb_lastrecord is the first
// mbuf of the last record and sb_mbtail the last mbuf of the whole buffer.
// sb_cc counts data bytes only (names and control go to sb_ctl), sb_mbcnt
// the storage charged: MSIZE per mbuf plus MCLBYTES per cluster.
#include <algorithm>
#include <cstring>

#include "kern/sockbuf.hpp"

namespace tunsock {
namespace {

// The largest buffer sbreserve accepts (FreeBSD sb_max; Linux's own limits
// are applied by sosetopt before this is reached).
constexpr uint32_t kSbMax = 16u << 20;
// Storage may exceed the data limit by this factor (FreeBSD sb_efficiency).
constexpr uint32_t kSbEfficiency = 8;

bool is_data(const mbuf* m) { return m->m_type == MType::Data || m->m_type == MType::Header; }

mbuf* last_of(mbuf* m) {
  while (m->m_next) m = m->m_next;
  return m;
}

// Link the chain m0 (already accounted) in as a new last record.
void link_record(Sockbuf& sb, mbuf* m0) {
  m0->m_nextpkt = nullptr;
  if (sb.sb_lastrecord) sb.sb_lastrecord->m_nextpkt = m0;
  else sb.sb_mb = m0;
  sb.sb_lastrecord = m0;
  sb.sb_mbtail = last_of(m0);
}

void account_chain(Sockbuf& sb, const mbuf* m) {
  for (; m; m = m->m_next) sballoc(sb, m);
}

// The record after rec's head, or the first mbuf of the next record.
void sb_remove_head(Sockbuf& sb) {
  mbuf* m = sb.sb_mb;
  mbuf* nextrec = m->m_nextpkt;
  mbuf* next = m->m_next;
  sbfree(sb, m);
  m->m_next = nullptr;
  m->m_nextpkt = nullptr;
  m_free(m);
  if (next) {
    next->m_nextpkt = nextrec;
    sb.sb_mb = next;
    if (sb.sb_lastrecord == m) sb.sb_lastrecord = next;
  } else {
    sb.sb_mb = nextrec;
    if (sb.sb_lastrecord == m) sb.sb_lastrecord = nullptr;
  }
  if (sb.sb_mbtail == m) sb.sb_mbtail = nullptr;
  if (!sb.sb_mb) {
    sb.sb_lastrecord = nullptr;
    sb.sb_mbtail = nullptr;
  }
}

}  // namespace

long sbspace(const Sockbuf& sb) {
  long bleft = long(sb.sb_hiwat) - long(sb.sb_cc);
  long mleft = long(sb.sb_mbmax) - long(sb.sb_mbcnt);
  return std::max(0L, std::min(bleft, mleft));
}

bool sbreserve(Sockbuf& sb, uint32_t cc) {
  if (cc == 0 || cc > kSbMax) return false;
  sb.sb_hiwat = cc;
  sb.sb_mbmax = std::min(cc * kSbEfficiency, kSbMax * kSbEfficiency);
  if (sb.sb_lowat > sb.sb_hiwat) sb.sb_lowat = sb.sb_hiwat;
  return true;
}

void sbrelease(Sockbuf& sb) {
  sbflush(sb);
  sb.sb_hiwat = 0;
  sb.sb_mbmax = 0;
}

void sballoc(Sockbuf& sb, const mbuf* m) {
  if (is_data(m)) sb.sb_cc += uint32_t(m->m_len);
  else sb.sb_ctl += uint32_t(m->m_len);
  sb.sb_mbcnt += MSIZE;
  if (m->m_flags & M_EXT) sb.sb_mbcnt += MCLBYTES;
}

void sbfree(Sockbuf& sb, const mbuf* m) {
  if (is_data(m)) sb.sb_cc -= std::min(sb.sb_cc, uint32_t(m->m_len));
  else sb.sb_ctl -= std::min(sb.sb_ctl, uint32_t(m->m_len));
  uint32_t cost = MSIZE + ((m->m_flags & M_EXT) ? MCLBYTES : 0);
  sb.sb_mbcnt -= std::min(sb.sb_mbcnt, cost);
}

void sbappend(Sockbuf& sb, mbuf* m) {
  if (!m) return;
  if (!sb.sb_mb) {
    sbappendrecord(sb, m);
    return;
  }
  // Onto the end of the last record (BSD sbappend + sbcompress, without
  // the compression: clusters stay shared, small mbufs stay as they are).
  account_chain(sb, m);
  mbuf* tail = sb.sb_mbtail ? sb.sb_mbtail : last_of(sb.sb_lastrecord);
  tail->m_next = m;
  m->m_nextpkt = nullptr;
  sb.sb_mbtail = last_of(m);
}

void sbappendstream(Sockbuf& sb, mbuf* m) {
  if (m) m->m_flags &= ~M_EOR;  // a stream has no record boundaries
  sbappend(sb, m);
}

void sbappendrecord(Sockbuf& sb, mbuf* m0) {
  if (!m0) return;
  account_chain(sb, m0);
  link_record(sb, m0);
}

void sbappendrecord_control(Sockbuf& sb, mbuf* m0, mbuf* control) {
  if (!control) {
    sbappendrecord(sb, m0);
    return;
  }
  if (m0) last_of(control)->m_next = m0;
  account_chain(sb, control);
  link_record(sb, control);
}

bool sbappendaddr(Sockbuf& sb, const SockAddr& from, mbuf* m0, mbuf* control) {
  long space = long(from.len) + (m0 ? m_length(m0) : 0) + (control ? m_length(control) : 0);
  if (space > sbspace(sb)) return false;
  if (from.len > MLEN) return false;
  mbuf* nam = m_get(M_NOWAIT, MType::Soname);
  if (!nam) return false;
  std::memcpy(nam->m_data, &from.ss, from.len);
  nam->m_len = int(from.len);
  if (control) {
    nam->m_next = control;
    last_of(control)->m_next = m0;
  } else {
    nam->m_next = m0;
  }
  account_chain(sb, nam);
  link_record(sb, nam);
  return true;
}

bool sbappendcontrol(Sockbuf& sb, mbuf* m0, mbuf* control) {
  if (!control) return false;
  long space = m_length(control) + (m0 ? m_length(m0) : 0);
  if (space > sbspace(sb)) return false;
  sbappendrecord_control(sb, m0, control);
  return true;
}

// Drop len data bytes from the front, across records. Names and control
// met on the way are freed (a reader that wants control takes it first).
void sbdrop(Sockbuf& sb, int len) {
  while (len > 0 && sb.sb_mb) {
    mbuf* m = sb.sb_mb;
    if (is_data(m) && m->m_len > len) {
      m->m_data += len;
      m->m_len -= len;
      if (m->m_flags & M_PKTHDR) m->m_pkthdr.len -= len;
      sb.sb_cc -= std::min(sb.sb_cc, uint32_t(len));
      len = 0;
      break;
    }
    if (is_data(m)) len -= m->m_len;
    sb_remove_head(sb);
  }
  // Emptied data mbufs left at the head go too (an empty record that ends
  // with M_EOR is a zero-length message and stays); the next record's
  // control stays with its data.
  while (sb.sb_mb && is_data(sb.sb_mb) && sb.sb_mb->m_len == 0 &&
         (sb.sb_mb->m_next || !(sb.sb_mb->m_flags & M_EOR)))
    sb_remove_head(sb);
}

void sbdroprecord(Sockbuf& sb) {
  mbuf* rec = sb.sb_mb;
  if (!rec) return;
  sb.sb_mb = rec->m_nextpkt;
  rec->m_nextpkt = nullptr;
  for (mbuf* m = rec; m; m = m->m_next) sbfree(sb, m);
  if (sb.sb_lastrecord == rec) sb.sb_lastrecord = nullptr;
  if (!sb.sb_mb) {
    sb.sb_lastrecord = nullptr;
    sb.sb_mbtail = nullptr;
  }
  m_freem(rec);
}

void sbflush(Sockbuf& sb, void (*dispose)(mbuf* control, void* arg), void* arg) {
  while (sb.sb_mb) {
    // Once per record, from its first control mbuf: dispose walks the rest
    // of the chain itself (a record may carry credentials and rights).
    if (dispose)
      for (mbuf* m = sb.sb_mb; m; m = m->m_next)
        if (m->m_type == MType::Control) {
          dispose(m, arg);
          break;
        }
    sbdroprecord(sb);
  }
  sb.sb_cc = sb.sb_ctl = sb.sb_mbcnt = 0;
}

}  // namespace tunsock
