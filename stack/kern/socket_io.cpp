// sosend and soreceive: moving data between a caller and a socket without
// ever blocking. FreeBSD: sys/kern/uipc_socket.c (sosend_generic,
// soreceive_generic); results as Linux reports them.
//
// Where BSD would sleep these return EWOULDBLOCK and the caller waits for
// so_writable / so_readable. sosend consumes its chains whatever the result;
// control that is not delivered has its rights disposed of (pru_dispose).
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "kern/socket.hpp"
#include "kern/stack.hpp"

namespace tunsock {
namespace {

const PrUsrreqs& pru(const Socket& so) { return so.so_proto->pr_usrreqs; }

bool is_data(const mbuf* m) { return m->m_type == MType::Data || m->m_type == MType::Header; }

int fail_send(Socket& so, int error, mbuf* top, mbuf* control) {
  m_freem(top);
  sodispose(so, control);
  return error;
}

// Copy (or, with a.mp, share) up to want data bytes of the chain starting
// at m, beginning skip bytes in. Returns the bytes delivered.
size_t deliver(const mbuf* m, size_t skip, size_t want, RecvArgs& a, mbuf** tailp) {
  size_t got = 0;
  for (; m && got < want; m = m->m_next) {
    if (!is_data(m) || m->m_len <= 0) continue;
    size_t len = size_t(m->m_len);
    if (skip >= len) {
      skip -= len;
      continue;
    }
    size_t n = std::min(len - skip, want - got);
    if (a.mp) {
      mbuf* c = m_copym(const_cast<mbuf*>(m), int(skip), int(n), M_NOWAIT);
      if (!c) break;  // out of mbufs: hand back what we have
      if (*tailp) (*tailp)->m_next = c;
      else *a.mp = c;
      *tailp = c;
      while ((*tailp)->m_next) *tailp = (*tailp)->m_next;
    } else {
      std::memcpy(a.buf + a.done + got, m->m_data + skip, n);
    }
    got += n;
    skip = 0;
  }
  return got;
}

// Hand the control mbufs at the head of the first record to the caller (or
// dispose of them), unlinking them from the buffer.
void take_control(Socket& so, RecvArgs& a) {
  Sockbuf& sb = so.so_rcv;
  mbuf** ctltail = a.controlp;
  while (ctltail && *ctltail) ctltail = &(*ctltail)->m_next;
  while (sb.sb_mb && sb.sb_mb->m_type == MType::Control) {
    mbuf* m = sb.sb_mb;
    mbuf* next = m->m_next;
    mbuf* nextrec = m->m_nextpkt;
    sbfree(sb, m);
    m->m_next = nullptr;
    m->m_nextpkt = nullptr;
    if (ctltail) {
      *ctltail = m;
      ctltail = &m->m_next;
    } else {
      sodispose(so, m);
    }
    if (next) {
      next->m_nextpkt = nextrec;
      if (sb.sb_lastrecord == m) sb.sb_lastrecord = next;
      sb.sb_mb = next;
    } else {
      // The record held only control: it is gone (an empty message).
      sb.sb_mb = nextrec;
      if (sb.sb_lastrecord == m) sb.sb_lastrecord = nullptr;
      if (sb.sb_mbtail == m) sb.sb_mbtail = nullptr;
      if (!nextrec) sb.sb_lastrecord = sb.sb_mbtail = nullptr;
      break;
    }
  }
}

// Nothing to read yet: what to answer.
int soreceive_empty(Socket& so, int flags) {
  if (so.so_error) {
    int e = so.so_error;
    if (!(flags & MSG_PEEK)) so.so_error = 0;
    return e;
  }
  if (so.so_rcv.sb_state & SBS_CANTRCVMORE) return 0;
  if ((so.so_proto->pr_flags & PR_CONNREQUIRED) &&
      !(so.so_state & (SS_ISCONNECTED | SS_ISCONNECTING | SS_ISDISCONNECTING)))
    return ENOTCONN;
  return EWOULDBLOCK;
}

// Take the first record out of the buffer whole: its name and data are
// freed, its control goes to the caller (a.controlp) or is disposed of.
void sb_consume_record(Socket& so, RecvArgs& a) {
  Sockbuf& sb = so.so_rcv;
  mbuf* rec = sb.sb_mb;
  sb.sb_mb = rec->m_nextpkt;
  rec->m_nextpkt = nullptr;
  if (!sb.sb_mb || sb.sb_lastrecord == rec) {
    sb.sb_lastrecord = sb.sb_mb;
    if (!sb.sb_mb) sb.sb_mbtail = nullptr;
  }
  mbuf** ctltail = a.controlp;
  while (ctltail && *ctltail) ctltail = &(*ctltail)->m_next;
  for (mbuf* m = rec; m;) {
    mbuf* next = m->m_next;
    m->m_next = nullptr;
    sbfree(sb, m);
    if (m->m_type != MType::Control) {
      m_free(m);
    } else if (ctltail) {
      *ctltail = m;
      ctltail = &m->m_next;
    } else {
      sodispose(so, m);
    }
    m = next;
  }
}

int soreceive_record(Socket& so, RecvArgs& a, int flags) {
  Sockbuf& sb = so.so_rcv;
  mbuf* m = sb.sb_mb;
  if (m->m_type == MType::Soname) {
    if (a.from) *a.from = SockAddr::from(m->m_data, socklen_t(m->m_len));
    m = m->m_next;
  }
  size_t full = 0;
  for (mbuf* n = m; n; n = n->m_next)
    if (is_data(n)) full += size_t(std::max(0, n->m_len));
  mbuf* tail = nullptr;
  if (a.mp) *a.mp = nullptr;
  a.done = deliver(m, 0, std::min(full, a.len), a, &tail);
  a.full = full;
  // Linux sets MSG_TRUNC for a record cut short and, for AF_UNIX
  // seqpacket, never MSG_EOR.
  if (full > a.done) a.flags |= MSG_TRUNC;
  if (!(flags & MSG_PEEK)) sb_consume_record(so, a);
  return 0;
}

int soreceive_stream(Socket& so, RecvArgs& a, int flags) {
  Sockbuf& sb = so.so_rcv;
  // MSG_WAITALL: nothing is consumed until all of it is there (the caller
  // waits for so_readable). DEVIATION: a request larger than the buffer can
  // ever hold is answered with what there is once the buffer is full, and
  // MSG_DONTWAIT takes what there is, as Linux's zero timeout does.
  if ((flags & MSG_WAITALL) && !(flags & MSG_DONTWAIT) && sb.sb_cc < a.len && sb.sb_cc < sb.sb_hiwat &&
      !so.so_error && !(sb.sb_state & SBS_CANTRCVMORE))
    return EWOULDBLOCK;
  if (!(flags & MSG_PEEK) && sb.sb_mb->m_type == MType::Control) take_control(so, a);
  // Read across records, but stop before one that carries control: rights
  // arrive with the first byte of their own record. DEVIATION: Linux glues
  // a plain write and a following write with rights into one read (and
  // stops after the rights); here the rights start the next read. The app
  // never sees this: the daemon hands so_rcv to a kernel AF_UNIX channel.
  // SO_PEEK_OFF is kept by sosetopt but MSG_PEEK always starts at the front.
  // Urgent data (Linux tcp_recvmsg): a read stops at the mark; one that
  // starts there skips the urgent byte unless SO_OOBINLINE.
  size_t skip = 0, want = a.len;
  if (long mark = pru(so).pru_oobmark(so); mark == 0 && !(so.so_options & SOF_OOBINLINE)) {
    if (!(flags & MSG_PEEK)) {
      sbdrop(sb, 1);
      if (!sb.sb_mb) return soreceive_empty(so, flags);
    } else {
      skip = 1;
    }
  } else if (mark > 0) {
    want = std::min(want, size_t(mark));
  }
  mbuf* tail = nullptr;
  if (a.mp) *a.mp = nullptr;
  size_t got = 0;
  for (mbuf* rec = sb.sb_mb; rec && got < want; rec = rec->m_nextpkt) {
    if (rec != sb.sb_mb && rec->m_type == MType::Control) break;
    size_t n = deliver(rec, skip, want - got, a, &tail);
    skip = 0;
    got += n;
    a.done = got;
  }
  a.done = got;
  a.full = got;
  if (!(flags & MSG_PEEK)) sbdrop(sb, int(got));
  return 0;
}

}  // namespace

int sosend(Socket& so, const SockAddr* addr, mbuf* top, mbuf* control, int flags, const Td& td) {
  const uint32_t prf = so.so_proto->pr_flags;
  const long len = top ? m_length(top) : 0;
  if (auto presend = pru(so).pru_presend)
    if (int e = presend(so)) return fail_send(so, e, top, control);
  if (control && !(prf & (PR_RIGHTS | PR_CONTROL))) return fail_send(so, EOPNOTSUPP, top, control);
  // Linux AF_UNIX looks for a peer before the shutdown state: an unconnected
  // socket says ENOTCONN even after shutdown(SHUT_WR).
  if (!(so.so_state & SS_ISCONNECTED) && !addr) {
    if (prf & PR_CONNREQUIRED) {
      // An address on a connection-oriented socket is the protocol's call
      // (Linux AF_UNIX stream: EOPNOTSUPP or EISCONN; TCP ignores it).
      if (so.so_state & SS_ISCONFIRMING) {
        // the protocol accepts data with the connection
      } else if ((prf & PR_NOTCONN_EPIPE) && so.so_error) {  // Linux sk_stream_wait_connect
        int e = so.so_error;
        so.so_error = 0;
        return fail_send(so, e, top, control);
      } else if (so.so_state & SS_ISCONNECTING) {
        return fail_send(so, EWOULDBLOCK, top, control);  // wait for soisconnected
      } else {
        return fail_send(so, (prf & PR_NOTCONN_EPIPE) ? EPIPE : ENOTCONN, top, control);
      }
    } else if (!(prf & PR_SENDNOADDR)) {
      return fail_send(so, (prf & PR_NOADDR_ENOTCONN) ? ENOTCONN : EDESTADDRREQ, top, control);
    }
  }
  if (so.so_snd.sb_state & SBS_CANTSENDMORE) return fail_send(so, EPIPE, top, control);
  if (so.so_error) {
    int e = so.so_error;
    so.so_error = 0;
    return fail_send(so, e, top, control);
  }
  const bool whole_fits = (prf & PR_ATOMIC) && !(prf & PR_BIGDGRAM);  // the datagram must fit the buffer
  if (whole_fits && len > long(so.so_snd.sb_hiwat)) return fail_send(so, EMSGSIZE, top, control);
  // The destination of an unconnected datagram is the protocol's to judge;
  // otherwise the room is known here.
  if (!addr || (prf & PR_CONNREQUIRED)) {
    long space = sosendspace(so);
    if (whole_fits ? space < len : space <= 0) return fail_send(so, EWOULDBLOCK, top, control);
    // DEVIATION: a stream send takes the whole chain once there is any room
    // (it may overshoot hiwat by one chain): the caller sizes its reads by
    // sosendspace, and there is no partial count to return.
  }
  int pruflags = 0;
  if (flags & MSG_OOB) pruflags |= PRUS_OOB;
  if (flags & MSG_EOR) pruflags |= PRUS_EOR;
  return pru(so).pru_send(so, pruflags, top, addr, control, td);
}

long sooobmark(const Socket& so) { return pru(so).pru_oobmark(so); }

int soreceive(Socket& so, RecvArgs& a) {
  const int flags = a.flags;
  a.flags = 0;
  a.done = 0;
  a.full = 0;
  if (a.mp) *a.mp = nullptr;
  // Out-of-band data is the protocol's (TCP); elsewhere EOPNOTSUPP (Linux
  // AF_UNIX here, raw), or MSG_OOB is ignored (UDP).
  if ((flags & MSG_OOB) && !(so.so_proto->pr_flags & PR_OOBIGNORE)) return pru(so).pru_rcvoob(so, a, flags);
  Sockbuf& sb = so.so_rcv;
  if (!sb.sb_mb) return soreceive_empty(so, flags);
  // A datagram socket reports a pending error before what is queued (Linux
  // __skb_try_recv_datagram: sock_error() first), even with MSG_PEEK.
  if (so.so_error && (so.so_proto->pr_flags & PR_ADDR) && !(so.so_proto->pr_flags & PR_CONNREQUIRED)) {
    int e = so.so_error;
    so.so_error = 0;
    return e;
  }
  const bool records = (so.so_proto->pr_flags & (PR_ATOMIC | PR_ADDR)) != 0;
  int e = records ? soreceive_record(so, a, flags) : soreceive_stream(so, a, flags);
  if (e) return e;
  if (!(flags & MSG_PEEK) && (so.so_proto->pr_flags & PR_WANTRCVD)) pru(so).pru_rcvd(so, flags);
  return 0;
}

}  // namespace tunsock
