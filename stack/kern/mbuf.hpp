// mbufs: fixed-size memory buffers chained by m_next into packets and by
// m_nextpkt into queues, with external clusters shared by reference count.
// FreeBSD: sys/sys/mbuf.h, sys/kern/uipc_mbuf.c (the chapter's "Memory
// Management" and "Mbuf Utility Routines").
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace tunsock {

inline constexpr std::size_t MSIZE = 256;      // size of one mbuf cell
inline constexpr std::size_t MCLBYTES = 2048;  // size of one external cluster

// m_flags
inline constexpr uint32_t M_EXT = 0x0001;      // data lives in an external cluster
inline constexpr uint32_t M_PKTHDR = 0x0002;   // first mbuf of a packet: m_pkthdr valid
inline constexpr uint32_t M_EOR = 0x0004;      // end of record
inline constexpr uint32_t M_BCAST = 0x0010;    // received as link broadcast
inline constexpr uint32_t M_MCAST = 0x0020;    // received as link multicast

// m_type: what the chain holds (sockbufs keep names and control before data).
enum class MType : uint8_t { Data = 1, Header = 2, Soname = 3, Control = 4, Free = 0 };

// Allocation wait policy. The stack never sleeps, so M_WAITOK only documents
// intent; both fail with nullptr when the allocator's limit is reached.
enum MWait : int { M_NOWAIT = 1, M_WAITOK = 2 };

struct ifnet;

// An external cluster: a reference-counted storage area that several mbufs
// may point into (m_copym shares instead of copying).
struct MbufCluster;

struct PktHdr {
  int len = 0;                  // total length of the packet (sum of m_len)
  ifnet* rcvif = nullptr;       // interface it arrived on
  uint32_t flowid = 0;
  uint32_t csum_flags = 0;      // checksum offload state (later: TUN vnet)
  uint16_t frag_max = 0;        // reassembled: its largest fragment (Linux IPCB frag_max_size)
};

struct mbuf {
  mbuf* m_next;                 // next mbuf of this chain
  mbuf* m_nextpkt;              // next chain in a queue
  std::byte* m_data;            // start of valid data
  int m_len;                    // bytes valid at m_data
  uint32_t m_flags;
  MType m_type;
  PktHdr m_pkthdr;              // valid only with M_PKTHDR
  MbufCluster* m_ext;           // valid only with M_EXT
  // The inline data area fills the rest of the cell. A packet header mbuf
  // has the same area (we keep PktHdr always present: simpler, and MHLEN
  // differs from MLEN only in BSD's union layout).
  std::byte m_dat[1];
};

// Usable inline bytes of an mbuf (BSD MLEN / MHLEN).
inline constexpr std::size_t MLEN = MSIZE - offsetof(mbuf, m_dat);
inline constexpr std::size_t MHLEN = MLEN;

// --- allocation (uipc_mbuf.c / kern_mbuf.c) ---
mbuf* m_get(int how, MType type);
mbuf* m_gethdr(int how, MType type);
// Attach a cluster to m. Returns true on success; on failure m is unchanged
// (m_flags lacks M_EXT), as BSD's MCLGET.
bool m_clget(mbuf* m, int how);
// Allocate an mbuf (with header when pkthdr) big enough for len bytes:
// inline when it fits, else with a cluster. BSD: m_get2().
mbuf* m_get2(int len, int how, MType type, bool pkthdr);
mbuf* m_free(mbuf* m);          // frees one mbuf, returns its m_next
void m_freem(mbuf* m);          // frees a whole chain (not m_nextpkt)

// --- chain utilities ---
// Copy len bytes starting at off (len == M_COPYALL for the rest). Clusters
// are shared, inline data is copied. Returns nullptr on allocation failure.
inline constexpr int M_COPYALL = 1000000000;
mbuf* m_copym(mbuf* m, int off, int len, int how);
void m_copydata(const mbuf* m, int off, int len, void* out);
// Copy len bytes from src into the chain at off, extending it as needed.
// Returns false when allocation failed (chain partly written).
bool m_copyback(mbuf* m, int off, int len, const void* src);
// Trim |req| bytes from the head (req > 0) or the tail (req < 0).
void m_adj(mbuf* m, int req);
// Make room for len bytes in front; may allocate a new head mbuf. Returns the
// new head or nullptr (chain freed) on failure. BSD M_PREPEND/m_prepend.
mbuf* m_prepend(mbuf* m, int len, int how);
// Make the first len bytes contiguous in the first mbuf (len <= MHLEN).
// Returns the new head or nullptr (chain freed) on failure.
mbuf* m_pullup(mbuf* m, int len);
// Append chain n to chain m (m's pkthdr len is not updated, as in BSD).
void m_cat(mbuf* m, mbuf* n);
// Split m at len0: m keeps the first len0 bytes, the rest is returned.
// Returns nullptr (and leaves m intact) on allocation failure.
mbuf* m_split(mbuf* m, int len0, int how);
int m_length(const mbuf* m, mbuf** last = nullptr);
// Build a chain from a flat buffer (helper for tests and channel input).
mbuf* m_devget(const void* buf, int len, int how, bool pkthdr);

// Free space at the end / start of m's storage; whether m's data may be
// written in place (false for a shared cluster).
int M_TRAILINGSPACE(const mbuf* m);
int M_LEADINGSPACE(const mbuf* m);
bool M_WRITABLE(const mbuf* m);
template <class T> T* mtod(mbuf* m) { return reinterpret_cast<T*>(m->m_data); }
template <class T> const T* mtod(const mbuf* m) { return reinterpret_cast<const T*>(m->m_data); }

// Frees a chain nobody took (ownership made explicit, STYLE.md).
struct MbufDeleter { void operator()(mbuf* m) const { m_freem(m); } };
using MbufPtr = std::unique_ptr<mbuf, MbufDeleter>;

// --- allocator statistics, the netstat -m view ---
struct MbufStats {
  uint64_t mbufs_in_use;        // handed out, not yet freed
  uint64_t clusters_in_use;
  uint64_t mbufs_cached;        // idle in per-thread caches
  uint64_t clusters_cached;
  uint64_t mbufs_pooled;        // idle in the shared general pool
  uint64_t clusters_pooled;
  uint64_t mbuf_failures;       // allocations refused (limit reached)
  uint64_t cluster_failures;
  uint64_t mbuf_limit;          // 0 = unlimited
  uint64_t cluster_limit;
};
MbufStats mbuf_stats();
// Cap the number of mbufs / clusters in use (0 = no cap). Past the cap,
// allocation fails cleanly and callers return ENOBUFS.
void mbuf_set_limits(uint64_t max_mbufs, uint64_t max_clusters);
// Give this thread's cached cells back to the general pool (called at
// thread exit automatically; tests call it to observe the counters).
void mbuf_drain_thread_cache();
// Text in the style of FreeBSD's `netstat -m`.
std::string mbuf_stats_text();

}  // namespace tunsock
