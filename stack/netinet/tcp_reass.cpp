// TCP reassembly: segments that arrive beyond RCV.NXT wait in order of
// sequence until the hole before them fills (RFC 9293 §3.10.7.4 "seventh,
// process the segment text"), and the SACK blocks that describe them to the
// sender (RFC 2018 §4: the block with the most recent segment first).
// FreeBSD: netinet/tcp_reass.c, tcp_sack.c (tcp_update_sack_list).
#include <algorithm>

#include "netinet/tcp_var.hpp"

namespace tunsock {

namespace {

void entry_free(TcpCb& tp, TcpReassEntry& e) {
  tp.t_reass_bytes -= e.len;
  m_freem(e.m);
  e.m = nullptr;
}

// Trim n bytes off the front of e.
void trim_front(TcpReassEntry& e, int n) {
  m_adj(e.m, n);
  e.seq += n;
  e.len -= n;
}

}  // namespace

bool tcp_reass_insert(TcpCb& tp, TcpSeq seq, int len, bool fin, mbuf* m) {
  TcpStat& s = tcp_globals(*tp.t_in).stat;
  if (len <= 0 && !fin) {
    m_freem(m);
    return false;
  }
  if (int(tp.t_reass.size()) >= kTcpReassMax) {
    m_freem(m);
    return false;
  }
  TcpReassEntry n{seq, len, fin, m};
  auto it = std::lower_bound(tp.t_reass.begin(), tp.t_reass.end(), seq,
                             [](const TcpReassEntry& e, TcpSeq v) { return e.seq < v; });
  // The one before may cover our front.
  if (it != tp.t_reass.begin()) {
    const TcpReassEntry& p = *(it - 1);
    const int over = (p.seq + p.len) - n.seq;
    if (over >= n.len && !(fin && !p.fin && over == n.len)) {
      if (n.len > 0) tcp_dsack_set(tp, n.seq, n.seq + n.len);  // all of it was here (Linux tcp_data_queue_ofo)
      s.rcvduppack++;
      s.rcvdupbyte += uint64_t(n.len);
      m_freem(n.m);
      tp.t_sack_last = p.seq;
      return true;
    }
    if (over > 0) {
      tcp_dsack_set(tp, n.seq, n.seq + over);
      trim_front(n, over);
    }
  }
  // Those after that we cover entirely go; one that overlaps our end is trimmed.
  while (it != tp.t_reass.end()) {
    const int over = (n.seq + n.len) - it->seq;
    if (over <= 0) break;
    if (over >= it->len) {
      n.fin = n.fin || it->fin;
      entry_free(tp, *it);
      it = tp.t_reass.erase(it);
      continue;
    }
    trim_front(*it, over);
    break;
  }
  s.rcvoopack++;
  s.rcvoobyte += uint64_t(n.len);
  tp.t_reass_bytes += n.len;
  tp.t_sack_last = n.seq;
  tp.t_reass.insert(it, n);
  return true;
}

bool tcp_reass_deliver(TcpCb& tp) {
  Socket& so = *tp_socket(tp);
  bool fin = false;
  while (!tp.t_reass.empty() && tp.t_reass.front().seq <= tp.rcv_nxt) {
    TcpReassEntry e = tp.t_reass.front();
    tp.t_reass.pop_front();
    const int dup = tp.rcv_nxt - e.seq;
    if (dup >= e.len && !(e.fin && dup == e.len)) {
      entry_free(tp, e);
      continue;
    }
    tp.t_reass_bytes -= e.len;
    if (dup > 0) trim_front(e, dup);
    tp.rcv_nxt += e.len;
    tp.t_bytes_received += uint64_t(e.len);
    if (e.len > 0 && !(so.so_rcv.sb_state & SBS_CANTRCVMORE)) {
      sbappendstream(so.so_rcv, e.m);
    } else {
      m_freem(e.m);
    }
    if (e.fin) {
      fin = true;
      break;
    }
  }
  return fin;
}

void tcp_reass_flush(TcpCb& tp) {
  for (TcpReassEntry& e : tp.t_reass) m_freem(e.m);
  tp.t_reass.clear();
  tp.t_reass_bytes = 0;
}

void tcp_dsack_set(TcpCb& tp, TcpSeq start, TcpSeq end) {
  if (!(tp.t_flags & TF_SACK_PERMIT) || end <= start) return;
  tw::SackBlock& b = tp.t_dsack_blk;
  if (tp.t_dsack && start <= TcpSeq(b.end) && TcpSeq(b.start) <= end) {  // extend what touches it
    b.start = seq_min(TcpSeq(b.start), start).v;
    b.end = seq_max(TcpSeq(b.end), end).v;
    return;
  }
  tp.t_dsack = true;
  b = {start.v, end.v};
}

int tcp_sack_option_blocks(const TcpCb& tp, tw::SackBlock* out, int max) {
  // RFC 2883 §4: the D-SACK block first, then the usual SACK blocks.
  int n = 0;
  if (tp.t_dsack && max > 0) out[n++] = tp.t_dsack_blk;
  return n + tcp_sack_blocks(tp, out + n, max - n);
}

int tcp_sack_blocks(const TcpCb& tp, tw::SackBlock* out, int max) {
  // Contiguous runs of the queue, the run holding the latest arrival first,
  // then the others from the highest down.
  tw::SackBlock runs[kTcpReassMax > 64 ? 64 : kTcpReassMax];
  int nr = 0;
  for (const TcpReassEntry& e : tp.t_reass) {
    if (e.len <= 0) continue;
    if (nr && TcpSeq(runs[nr - 1].end) >= e.seq) {
      runs[nr - 1].end = seq_max(TcpSeq(runs[nr - 1].end), e.seq + e.len).v;
    } else if (nr < 64) {
      runs[nr++] = {e.seq.v, (e.seq + e.len).v};
    }
  }
  int n = 0, first = -1;
  for (int i = 0; i < nr; ++i)
    if (TcpSeq(runs[i].start) <= tp.t_sack_last && tp.t_sack_last < TcpSeq(runs[i].end)) first = i;
  if (first >= 0 && n < max) out[n++] = runs[first];
  for (int i = nr - 1; i >= 0 && n < max; --i)
    if (i != first) out[n++] = runs[i];
  return n;
}

}  // namespace tunsock
