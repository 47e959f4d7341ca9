// tunsockctl plot CONN|PCAP|HISTORY.json -o FILE.png [-f FILTER] [--dump]:
// the classic time-sequence graph of one TCP connection (sequence numbers
// sent, ACKs, the receive window's edge, SACKed ranges, retransmissions
// marked) with cwnd and RTT below it. CONN is a socket id or an ss filter
// naming a connection of the running daemon (its history, Op::History); a
// pcap file is read for the conversation -f FILTER picks (default: the
// first TCP one). Drawn by scripts/tunsock_plot.py with matplotlib, found
// next to this binary, in ../share/tunsock, or in the source tree.
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "command.hpp"
#include "ctl_client.hpp"
#include "history.hpp"
#include "ss_filter.hpp"

#ifndef TUNSOCK_SOURCE_DIR
#define TUNSOCK_SOURCE_DIR "."
#endif

namespace tunsock::ctl {
namespace {

using nlohmann::json;

bool is_file(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

std::string exe_dir() {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string p(buf, size_t(n));
  return p.substr(0, p.rfind('/'));
}

std::string find_script() {
  if (const char* e = std::getenv("TUNSOCK_PLOT_SCRIPT"); e && *e) return e;
  const std::string dir = exe_dir();
  for (const std::string& p : {dir + "/tunsock_plot.py", dir + "/../share/tunsock/tunsock_plot.py",
                               std::string(TUNSOCK_SOURCE_DIR) + "/scripts/tunsock_plot.py"})
    if (is_file(p)) return p;
  return {};
}

// Debian's python3-matplotlib belongs to /usr/bin/python3 (a python3 first
// on PATH may be another installation without it).
std::string python() {
  if (const char* e = std::getenv("TUNSOCK_PYTHON"); e && *e) return e;
  return ::access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
}

// Run the script with args; its stdout goes to *out when out, else ours.
int run_script(const std::vector<std::string>& args, std::string* out = nullptr) {
  const std::string script = find_script();
  if (script.empty()) {
    std::fprintf(stderr, "tunsockctl plot: tunsock_plot.py not found (set TUNSOCK_PLOT_SCRIPT)\n");
    return 1;
  }
  std::vector<std::string> argv{python(), script};
  argv.insert(argv.end(), args.begin(), args.end());
  int pfd[2] = {-1, -1};
  if (out && ::pipe2(pfd, O_CLOEXEC) < 0) return 1;
  const pid_t pid = ::fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    if (out) ::dup2(pfd[1], 1);
    std::vector<char*> v;
    for (std::string& a : argv) v.push_back(a.data());
    v.push_back(nullptr);
    ::execvp(v[0], v.data());
    std::fprintf(stderr, "tunsockctl plot: %s: %s\n", v[0], std::strerror(errno));
    ::_exit(127);
  }
  if (out) {
    ::close(pfd[1]);
    char buf[65536];
    for (ssize_t n; (n = ::read(pfd[0], buf, sizeof buf)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) break;
      out->append(buf, size_t(n));
    }
    ::close(pfd[0]);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

// The conversation of the pcap that filter picks, as the script's --tuple;
// "" for the first one; nullopt (after a message) when none matches.
std::optional<std::string> pcap_tuple(const std::string& pcap, const std::vector<std::string>& filter) {
  if (filter.empty()) return std::string();
  std::string err;
  auto f = SsFilter::parse(filter, &err);
  if (!f) {
    std::fprintf(stderr, "tunsockctl plot: filter: %s\n", err.c_str());
    return std::nullopt;
  }
  std::string listing;
  if (run_script({"--pcap", pcap, "--list"}, &listing) != 0) return std::nullopt;
  const json convs = json::parse(listing, nullptr, false);
  auto ep = [](const json& a, const json& p) {
    in_addr in{};
    inet_pton(AF_INET, a.get<std::string>().c_str(), &in);
    return SsEndpoint::inet(ntohl(in.s_addr), p.get<uint16_t>());
  };
  if (convs.is_array())
    for (const json& c : convs) {
      const SsEndpoint s = ep(c["src"], c["sport"]), d = ep(c["dst"], c["dport"]);
      // The data sender as the local end, else the other way round.
      if (f->matches(SsTuple{s, d}) || f->matches(SsTuple{d, s}))
        return c["src"].get<std::string>() + ":" + std::to_string(c["sport"].get<int>()) + ">" +
               c["dst"].get<std::string>() + ":" + std::to_string(c["dport"].get<int>());
    }
  std::fprintf(stderr, "tunsockctl plot: no TCP conversation in %s matches the filter\n", pcap.c_str());
  return std::nullopt;
}

int usage(FILE* to) {
  std::fprintf(to,
               "usage: tunsockctl plot CONN|PCAP|HISTORY.json -o FILE.png [-f FILTER] [--title T] [--dump]\n"
               "  CONN: a socket id or an ss filter ('sport = :80') naming one connection of the\n"
               "        running daemon (its history: cwnd, RTT, retransmissions with their cause);\n"
               "  PCAP: a capture; -f FILTER picks the conversation (default: the first TCP one);\n"
               "        cwnd is not on the wire: the graph shows bytes in flight instead.\n"
               "  --dump: also print the plotted series as JSON.\n");
  return to == stdout ? 0 : 2;
}

int run_plot(Context& ctx, const std::vector<std::string>& args) {
  std::string out, title;
  bool dump = false;
  std::vector<std::string> what, filter;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-h" || a == "--help") return usage(stdout);
    if (a == "-o" && i + 1 < args.size()) out = args[++i];
    else if (a == "-f" && i + 1 < args.size()) filter.push_back(args[++i]);
    else if (a == "--title" && i + 1 < args.size()) title = args[++i];
    else if (a == "--dump") dump = true;
    else what.push_back(a);
  }
  if (what.empty() || (out.empty() && !dump)) return usage(stderr);
  std::vector<std::string> sargs;
  std::string tmp;
  if (what.size() == 1 && is_file(what[0])) {
    std::ifstream f(what[0], std::ios::binary);
    char c = 0;
    f >> c;  // the first non-blank byte: a JSON document opens with '{'
    if (c == '{') {
      sargs = {"--history", what[0]};
    } else {
      auto t = pcap_tuple(what[0], filter);
      if (!t) return 1;
      sargs = {"--pcap", what[0]};
      if (!t->empty()) sargs.insert(sargs.end(), {"--tuple", *t});
    }
  } else {
    std::string err;
    auto doc = fetch_history(ctx, what, &err);
    if (!doc) {
      std::fprintf(stderr, "tunsockctl plot: %s\n", err.c_str());
      return 1;
    }
    const json& conns = (*doc)["connections"];
    if (conns.empty()) {
      std::fprintf(stderr, "tunsockctl plot: no TCP connection matches\n");
      return 1;
    }
    if (conns.size() > 1)
      std::fprintf(stderr, "tunsockctl plot: %zu connections match; plotting the first that sent data\n",
                   conns.size());
    char path[] = "/tmp/tunsockctl-plot.XXXXXX";
    const int fd = ::mkstemp(path);
    if (fd < 0) return 1;
    const std::string text = doc->dump();
    const bool ok = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
    ::close(fd);
    tmp = path;
    if (!ok) {
      ::unlink(path);
      return 1;
    }
    sargs = {"--history", tmp};
  }
  if (!out.empty()) sargs.insert(sargs.end(), {"-o", out});
  if (!title.empty()) sargs.insert(sargs.end(), {"--title", title});
  if (dump) sargs.push_back("--dump");
  const int rc = run_script(sargs);
  if (!tmp.empty()) ::unlink(tmp.c_str());
  if (rc == 0 && !out.empty() && !ctx.json) std::fprintf(stderr, "tunsockctl plot: wrote %s\n", out.c_str());
  return rc;
}

const Command kPlot("plot", "a TCP connection's time-sequence graph, cwnd and RTT as a PNG (CONN|PCAP -o FILE.png)",
                    run_plot);

}  // namespace
}  // namespace tunsock::ctl
