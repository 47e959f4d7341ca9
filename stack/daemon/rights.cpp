// SCM_RIGHTS <-> control mbufs (see rights.hpp).
#include "daemon/rights.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "daemon/fd.hpp"
#include "ipc/protocol.hpp"

namespace tunsock::daemon {

std::vector<int> rights_from_msg(const msghdr& mh) {
  std::vector<int> fds;
  if (!mh.msg_control) return fds;
  for (cmsghdr* cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(const_cast<msghdr*>(&mh), cm)) {
    if (cm->cmsg_level != SOL_SOCKET || cm->cmsg_type != SCM_RIGHTS || cm->cmsg_len < CMSG_LEN(0)) continue;
    size_t k = (cm->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < k; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(cm) + i * sizeof(int), sizeof fd);
      fds.push_back(fd);
    }
  }
  return fds;
}

mbuf* rights_mbuf(std::vector<int>& fds) {
  if (fds.empty() || fds.size() > ipc::kMaxFds) return nullptr;
  const size_t len = CMSG_SPACE(fds.size() * sizeof(int));
  mbuf* m = m_get2(int(len), M_NOWAIT, MType::Control, false);
  if (!m) return nullptr;
  std::memset(m->m_data, 0, len);
  cmsghdr cm{};
  cm.cmsg_len = CMSG_LEN(fds.size() * sizeof(int));
  cm.cmsg_level = SOL_SOCKET;
  cm.cmsg_type = SCM_RIGHTS;
  std::memcpy(m->m_data, &cm, sizeof cm);
  std::memcpy(m->m_data + CMSG_LEN(0), fds.data(), fds.size() * sizeof(int));
  m->m_len = int(len);
  fds.clear();
  return m;
}

void append_rights(const mbuf* m, std::vector<int>& out) {
  if (m->m_type != MType::Control) return;
  size_t off = 0;
  const size_t n = size_t(m->m_len);
  while (off + CMSG_LEN(0) <= n) {
    cmsghdr cm;
    std::memcpy(&cm, m->m_data + off, sizeof cm);
    if (cm.cmsg_len < CMSG_LEN(0) || off + cm.cmsg_len > n) break;
    if (cm.cmsg_level == SOL_SOCKET && cm.cmsg_type == SCM_RIGHTS) {
      size_t k = (cm.cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < k; ++i) {
        int fd;
        std::memcpy(&fd, m->m_data + off + CMSG_LEN(0) + i * sizeof(int), sizeof fd);
        out.push_back(fd);
      }
    }
    off += CMSG_ALIGN(cm.cmsg_len);
  }
}

void append_cmsgs(const mbuf* m, std::byte* out, size_t cap, size_t* len, bool* trunc) {
  if (m->m_type != MType::Control) return;
  size_t off = 0;
  const size_t n = size_t(m->m_len);
  while (off + CMSG_LEN(0) <= n) {
    cmsghdr cm;
    std::memcpy(&cm, m->m_data + off, sizeof cm);
    if (cm.cmsg_len < CMSG_LEN(0) || off + cm.cmsg_len > n) break;
    const size_t space = std::min(CMSG_ALIGN(cm.cmsg_len), n - off);
    if (!(cm.cmsg_level == SOL_SOCKET && cm.cmsg_type == SCM_RIGHTS)) {
      if (*len + space > cap) {
        *trunc = true;
      } else {
        std::memcpy(out + *len, m->m_data + off, space);
        *len += space;
      }
    }
    off += CMSG_ALIGN(cm.cmsg_len);
  }
}

void dispose_rights(mbuf* control) {
  std::vector<int> fds;
  for (mbuf* m = control; m; m = m->m_next) append_rights(m, fds);
  close_all(fds);
  m_freem(control);
}

void strip_rights(Sockbuf& sb) {
  mbuf* rec = sb.sb_mb;
  if (!rec) return;
  mbuf* nextrec = rec->m_nextpkt;
  mbuf* head = rec;
  mbuf* prev = nullptr;
  for (mbuf* m = rec; m;) {
    mbuf* next = m->m_next;
    if (m->m_type != MType::Control) {
      prev = m;
      m = next;
      continue;
    }
    if (prev) prev->m_next = next;
    else head = next;
    if (sb.sb_mbtail == m) sb.sb_mbtail = prev;
    sbfree(sb, m);
    m->m_next = nullptr;
    m->m_nextpkt = nullptr;
    dispose_rights(m);
    m = next;
  }
  if (head == rec) return;
  if (head) {
    head->m_nextpkt = nextrec;
    sb.sb_mb = head;
    if (sb.sb_lastrecord == rec) sb.sb_lastrecord = head;
  } else {  // the record held only control
    sb.sb_mb = nextrec;
    if (sb.sb_lastrecord == rec) sb.sb_lastrecord = nextrec;
    if (!nextrec) sb.sb_mbtail = nullptr;
  }
}

ssize_t send_with_rights(int fd, const iovec* iov, int niov, const std::vector<int>& rights, int flags) {
  msghdr mh{};
  mh.msg_iov = const_cast<iovec*>(iov);
  mh.msg_iovlen = size_t(niov);
  alignas(cmsghdr) char cbuf[CMSG_SPACE(ipc::kMaxFds * sizeof(int))];
  if (!rights.empty()) {
    size_t k = std::min(rights.size(), ipc::kMaxFds);
    mh.msg_control = cbuf;
    mh.msg_controllen = CMSG_SPACE(k * sizeof(int));
    cmsghdr* cm = CMSG_FIRSTHDR(&mh);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(k * sizeof(int));
    std::memcpy(CMSG_DATA(cm), rights.data(), k * sizeof(int));
  }
  return ::sendmsg(fd, &mh, flags | MSG_DONTWAIT | MSG_NOSIGNAL);
}

}  // namespace tunsock::daemon
