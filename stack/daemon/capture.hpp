// Live capture: taps on the stack's interfaces started and stopped at run
// time by `tunsockctl capture` (ipc::Op::Capture), each with a BPF filter
// compiled by libpcap, streaming pcap over a socket until its reader closes;
// and the pcap file format the --pcap writer shares with them.
// FreeBSD: net/bpf.c (bpfattach taps, bpf_mtap, a bounded store buffer per
// reader whose overflow is counted as bd_dcount, not waited for).
#pragma once

#include <sys/time.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "daemon/control_server.hpp"

namespace tunsock {
struct ifnet;
struct mbuf;
}  // namespace tunsock

namespace tunsock::daemon {

class Daemon;

// The classic libpcap file format, LINKTYPE_RAW (each record an IPv4 or
// IPv6 packet, no link header): the 24-byte file header, and one record
// (16-byte header, the first min(len, snaplen) bytes of m) appended to out.
inline constexpr uint32_t kPcapSnaplen = 262144;  // tcpdump's default
std::string pcap_file_header(uint32_t snaplen);
void pcap_append_record(std::string& out, const mbuf* m, uint32_t snaplen, const timeval& tv);

// Every live capture of one daemon. The stack's packet hook calls tap();
// InetSetup installs the hook while active() or its own tracing needs it
// (on_change tells it when active() changes).
class Captures {
 public:
  Captures(Daemon& d, std::function<void()> on_change);
  ~Captures();
  Captures(const Captures&) = delete;
  Captures& operator=(const Captures&) = delete;

  // ipc::Op::Capture: start one (reply: value = its id, payload = the
  // interface's name, fds[0] = the stream's read end; EINVAL with
  // libpcap's message for a bad filter, ENODEV for an unknown interface),
  // or with a = ipc::kCaptureStats the counters of capture sock_id
  // (payload "RECEIVED DROPPED").
  void request(const CtlRequest& q, CtlReply& r);
  // One packet in ('I') or out ('O') of ifp: to each capture that wants it.
  void tap(const ifnet& ifp, char dir, const mbuf* m);
  bool active() const { return !taps_.empty(); }
  // End every capture (daemon shutdown).
  void stop();

  struct Tap;

 private:
  void start(const CtlRequest& q, CtlReply& r);
  void flush(const std::shared_ptr<Tap>& t);
  void arm_eof(const std::shared_ptr<Tap>& t);
  void end(const std::shared_ptr<Tap>& t, const char* why);

  Daemon& d_;
  std::function<void()> on_change_;
  std::vector<std::shared_ptr<Tap>> taps_;
  uint64_t next_id_ = 1;
  std::string flat_;  // the packet's bytes, flattened once per tap()
};

// The dispatcher's entry for ipc::Op::Capture.
void op_capture(Daemon& d, const CtlRequest& q, CtlReply& r);

}  // namespace tunsock::daemon
