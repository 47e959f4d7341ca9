// Socket buffers: the queues of mbuf chains a socket holds for sending and
// receiving, bounded by a high watermark, with a low watermark for wake-ups.
// FreeBSD: sys/sys/sockbuf.h, sys/kern/uipc_sockbuf.c.
//
// Layout (the chapter's Fig. 11.12): records are chained by m_nextpkt; each
// record is an m_next chain. A datagram record is [MType::Soname] [Control...]
// [Data...]; a stream sockbuf holds one record that sbappendstream extends.
#pragma once

#include <cstdint>

#include "kern/mbuf.hpp"
#include "kern/sockaddr.hpp"

namespace tunsock {

// sb_state
inline constexpr uint32_t SBS_CANTSENDMORE = 0x0010;  // can't send more data to peer
inline constexpr uint32_t SBS_CANTRCVMORE = 0x0020;   // can't receive more data from peer
inline constexpr uint32_t SBS_RCVATMARK = 0x0040;     // at mark on input
// sb_flags
inline constexpr uint32_t SB_USERSET = 0x0001;  // SO_SNDBUF/SO_RCVBUF set: no autotuning (Linux SOCK_*BUF_LOCK)

struct Sockbuf {
  mbuf* sb_mb = nullptr;          // the first record
  mbuf* sb_mbtail = nullptr;      // the last mbuf of the chain
  mbuf* sb_lastrecord = nullptr;  // the first mbuf of the last record
  uint32_t sb_cc = 0;             // data bytes in the buffer (not names/control)
  uint32_t sb_ctl = 0;            // bytes of control in the buffer
  uint32_t sb_mbcnt = 0;          // storage (mbufs + clusters) charged
  uint32_t sb_mbmax = 0;          // storage limit
  uint32_t sb_hiwat = 0;          // high watermark: max sb_cc
  uint32_t sb_lowat = 1;          // low watermark for wake-ups
  uint32_t sb_state = 0;          // SBS_*
  uint32_t sb_flags = 0;          // SB_*
  int64_t sb_timeo_us = 0;        // SO_SNDTIMEO/SO_RCVTIMEO, kept for getsockopt
};

// Bytes that may still be appended (never negative here; BSD returns long).
long sbspace(const Sockbuf& sb);
// Set the high watermark (and storage limit); false when cc is out of range.
bool sbreserve(Sockbuf& sb, uint32_t cc);
void sbrelease(Sockbuf& sb);
// Append data to the last record (stream sockets: may coalesce).
void sbappend(Sockbuf& sb, mbuf* m);
void sbappendstream(Sockbuf& sb, mbuf* m);
// Append m0 as a new record (seqpacket: the chain's last mbuf carries M_EOR).
void sbappendrecord(Sockbuf& sb, mbuf* m0);
// Append a datagram record with its source address and control. Returns false
// (consuming nothing) when there is no room; the caller then drops.
bool sbappendaddr(Sockbuf& sb, const SockAddr& from, mbuf* m0, mbuf* control);
// Append data with control as a new record (SCM_RIGHTS on a stream).
bool sbappendcontrol(Sockbuf& sb, mbuf* m0, mbuf* control);
// The same without the space check (the caller has decided it fits;
// control may be null). FreeBSD: sbappendcontrol_locked.
void sbappendrecord_control(Sockbuf& sb, mbuf* m0, mbuf* control);
// Drop len data bytes from the front (stream); drop the first record.
void sbdrop(Sockbuf& sb, int len);
void sbdroprecord(Sockbuf& sb);
// Free everything. Each record with control is handed to dispose (may be
// null) once, at its first control mbuf (dispose walks m_next itself), so
// the owner of passed rights can release them (FreeBSD dom_dispose).
void sbflush(Sockbuf& sb, void (*dispose)(mbuf* control, void* arg) = nullptr, void* arg = nullptr);
// Account an mbuf added / removed (used by the append routines).
void sballoc(Sockbuf& sb, const mbuf* m);
void sbfree(Sockbuf& sb, const mbuf* m);

}  // namespace tunsock
