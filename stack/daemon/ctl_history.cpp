// Op::History and the "tcp" logger's history sink (see ctl_history.hpp).
// The JSON names each event's fields (docs/ctl-json.md "history"); the
// one-line text is netinet's tcp_hist_describe, the same the log prints.
#include "daemon/ctl_history.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cerrno>
#include <nlohmann/json.hpp>
#include <vector>

#include "daemon/control_server.hpp"
#include "daemon/ctl_query.hpp"
#include "daemon/daemon.hpp"
#include "daemon/log.hpp"
#include "kern/stack.hpp"
#include "net/if.hpp"
#include "netinet/tcp_cc.hpp"
#include "netinet/tcp_var.hpp"

namespace tunsock::daemon {
namespace {

using nlohmann::json;

int64_t usec(Time t) { return std::chrono::duration_cast<std::chrono::microseconds>(t).count(); }

// "198.18.0.1:80" or "[2001:db8::1]:80" (ss's brackets).
std::string end_text(const InPcb& inp, bool foreign) {
  const std::string a = inp_addr_text(inp, foreign);
  const unsigned port = foreign ? inp.inp_fport : inp.inp_lport;
  return (inp.inp_family == AF_INET6 ? "[" + a + "]" : a) + ":" + std::to_string(port);
}

const char* rule_id(TcpRstRule r) {
  switch (r) {
    case TcpRstRule::kListenAck: return "listen-ack";
    case TcpRstRule::kSynSentBadAck: return "syn-sent-bad-ack";
    case TcpRstRule::kSynRcvdBadAck: return "syn-received-bad-ack";
    case TcpRstRule::kAbort: return "abort";
    case TcpRstRule::kAbortUnread: return "close-unread";
    case TcpRstRule::kTimeout: return "timeout";
    case TcpRstRule::kDataAfterClose: return "data-after-close";
    case TcpRstRule::kRcvdAccepted: return "accepted";
    case TcpRstRule::kRcvdChallenge: return "challenge-ack";
    case TcpRstRule::kRcvdSynSent: return "refused";
    case TcpRstRule::kRcvdIgnored: return "ignored";
    case TcpRstRule::kRcvdOutOfWindow: return "out-of-window";
  }
  return "?";
}

json event_json(const TcpHistEvent& e, const TcpCb& tp) {
  json j;
  j["t_us"] = usec(e.t - tp.t_hist.start);
  j["kind"] = tcp_hist_kind_name(e.kind);
  const uint32_t* v = e.v;
  switch (e.kind) {
    case TcpHistKind::kState:
      j["from"] = tcp_hist_state_name(TcpState(e.a));
      j["to"] = tcp_hist_state_name(TcpState(e.b));
      break;
    case TcpHistKind::kRetransmit:
      j["cause"] = tcp_rxt_cause_name(TcpRxtCause(e.a));
      j["seq"] = v[0];
      j["len"] = v[1];
      j["flags"] = e.b;
      j["backoff"] = v[2];
      break;
    case TcpHistKind::kRto:
      j["rto_us"] = v[0];
      j["backoff"] = v[1];
      j["timeout_us"] = v[2];
      break;
    case TcpHistKind::kCwnd:
      j["reason"] = tcp_cwnd_reason_name(TcpCwndReason(e.a));
      j["cwnd"] = v[0];
      j["ssthresh"] = v[1];
      j["flight"] = v[2];
      break;
    case TcpHistKind::kPeerWindow:
      j["wnd"] = v[0];
      j["una"] = v[1];
      break;
    case TcpHistKind::kZeroWindow:
      j["side"] = e.a ? "ours" : "peer";
      j["entered"] = bool(e.b);
      j["seq"] = v[0];
      break;
    case TcpHistKind::kSackRcvd:
    case TcpHistKind::kSackSent: {
      json blocks = json::array();
      for (int i = 0; i < e.n && i < 4; ++i) blocks.push_back({v[2 * i], v[2 * i + 1]});
      j["blocks"] = std::move(blocks);
      if (e.kind == TcpHistKind::kSackSent) j["dsack"] = bool(e.a);
      break;
    }
    case TcpHistKind::kRstSent:
    case TcpHistKind::kRstRcvd:
      j["rule"] = rule_id(TcpRstRule(e.a));
      j["seq"] = v[0];
      if (e.kind == TcpHistKind::kRstSent) j["ack"] = v[1];
      break;
    case TcpHistKind::kProbe:
      j["probe"] = e.a ? "keepalive" : "zero-window";
      j["seq"] = v[0];
      break;
    case TcpHistKind::kAckSample:
      j["una"] = v[0];
      j["sent"] = v[1];
      j["wnd"] = v[2];
      j["cwnd"] = v[3];
      j["ssthresh"] = v[4];
      j["srtt_us"] = v[5];
      j["rtt_us"] = v[6];
      j["rttvar_us"] = v[7];
      break;
  }
  j["text"] = tcp_hist_describe(e, tp.iss.v, tp.irs.v);
  return j;
}

json conn_json(const TcpCb& tp) {
  const InPcb& inp = *tp.t_inpcb;
  const Socket* so = inp.inp_socket;
  json c;
  c["sock_id"] = so ? so->so_id : 0;
  c["family"] = inp.inp_family == AF_INET6 ? "inet6" : "inet";
  c["local"] = {{"addr", inp_addr_text(inp, false)}, {"port", inp.inp_lport}};
  c["remote"] = {{"addr", inp_addr_text(inp, true)}, {"port", inp.inp_fport}};
  c["state"] = tcp_hist_state_name(tp.t_state);
  c["iss"] = tp.iss.v;
  c["irs"] = tp.irs.v;
  c["mss"] = tp.t_maxseg;
  c["cc"] = tp.t_cc ? tp.t_cc->name : "";
  c["start_us"] = usec(tp.t_hist.start);
  c["events_total"] = tp.t_hist.total;
  c["events_dropped"] = tp.t_hist.total - tp.t_hist.size();
  json ev = json::array();
  for (size_t i = 0; i < tp.t_hist.size(); ++i) ev.push_back(event_json(tp.t_hist.at(i), tp));
  c["events"] = std::move(ev);
  return c;
}

// The control blocks in creation order (ties by socket id).
std::vector<const TcpCb*> all_tcpcbs(Stack& st) {
  std::vector<const TcpCb*> v;
  Inet* in = inet_of(st);
  if (!in) return v;
  for (const TcpCb* tp : tcp_globals(*in).all) v.push_back(tp);
  auto id = [](const TcpCb* tp) { return tp->t_inpcb->inp_socket ? tp->t_inpcb->inp_socket->so_id : 0; };
  std::sort(v.begin(), v.end(), [&](const TcpCb* a, const TcpCb* b) {
    return a->t_hist.start != b->t_hist.start ? a->t_hist.start < b->t_hist.start : id(a) < id(b);
  });
  return v;
}

class HistoryLogSink : public TcpHistorySink {
 public:
  void tcp_event(const TcpCb& tp, const TcpHistEvent& e) override {
    if (!log_) log_ = logger("tcp");
    if (!log_->should_log(spdlog::level::debug)) return;
    const InPcb& inp = *tp.t_inpcb;
    log_->debug("{} > {} {}", end_text(inp, false), end_text(inp, true), tcp_hist_describe(e, tp.iss.v, tp.irs.v));
  }

 private:
  LoggerPtr log_;
};

}  // namespace

std::string history_json(Stack& st, uint64_t sock_id, size_t from, size_t max_bytes) {
  const auto tps = all_tcpcbs(st);
  const Inet* in = inet_of(st);
  json out;
  out["now_us"] = usec(st.now());
  out["wall_offset_us"] = in ? usec(in->wall_offset) : 0;
  out["capacity"] = kTcpHistoryLen;
  json conns = json::array();
  size_t bytes = 256, i = from;
  for (; i < tps.size(); ++i) {
    const TcpCb* tp = tps[i];
    const Socket* so = tp->t_inpcb->inp_socket;
    if (sock_id && (!so || so->so_id != sock_id)) continue;
    json c = conn_json(*tp);
    const size_t n = c.dump().size() + 1;
    if (!conns.empty() && bytes + n > max_bytes) break;
    bytes += n;
    conns.push_back(std::move(c));
  }
  out["connections"] = std::move(conns);
  out["next"] = i < tps.size() ? json(i) : json(nullptr);
  return out.dump();
}

void op_history(Daemon& d, CtlRequest& q, CtlReply& r) {
  if (q.hdr.a < 0) {
    r.hdr.error = EINVAL;
    return;
  }
  // Room for the reply's header and address slot within one record.
  r.payload = history_json(d.stack(), q.hdr.sock_id, size_t(q.hdr.a), ipc::kMaxRecord - 4096);
}

void history_log_attach(Stack& st) {
  static HistoryLogSink sink;  // one per process; it holds no per-stack state
  if (Inet* in = inet_of(st)) tcp_globals(*in).hist_sink = &sink;
}

}  // namespace tunsock::daemon
