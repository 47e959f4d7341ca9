// Op::History (tunsockctl history, ss -H, plot): every TCP control block's
// event ring (netinet/tcp_history.hpp) as JSON with its 4-tuple, and the
// "tcp" logger's sink that prints each event as it is recorded
// (TUNSOCK_LOG=tcp=debug). Schema: docs/ctl-json.md, "history".
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace tunsock {
class Stack;
}

namespace tunsock::daemon {

class Daemon;
struct CtlRequest;
struct CtlReply;

// One page of the history: the control blocks in creation order from index
// `from` (sock_id 0: all; else that socket's only), as many as fit in
// max_bytes (always at least one); "next" names the index the next page
// starts at, null at the end.
std::string history_json(Stack& st, uint64_t sock_id, size_t from, size_t max_bytes);

// The request: sock_id, a = the page's first index. Reply payload = history_json.
void op_history(Daemon& d, CtlRequest& q, CtlReply& r);

// Give the stack's TCP the sink that logs each event on the "tcp" logger
// at debug, one line with the 4-tuple. Call after inet_attach.
void history_log_attach(Stack& st);

}  // namespace tunsock::daemon
