// tunsockctl [--socket PATH] [--json] COMMAND [ARGS...]: look into a running
// tunsockd. Kept apart from the launcher: `tunsock ss` runs the host's ss
// under the shim, `tunsockctl ss` shows the stack's sockets.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "command.hpp"
#include "ctl_client.hpp"

namespace tunsock::ctl {
namespace {

struct Entry {
  const char* summary;
  CommandFn fn;
};

std::map<std::string, Entry>& registry() {
  static std::map<std::string, Entry> r;  // built during static initialisation
  return r;
}

}  // namespace

Command::Command(const char* name, const char* summary, CommandFn fn) { registry()[name] = {summary, fn}; }

CommandFn find_command(const std::string& name) {
  auto it = registry().find(name);
  return it == registry().end() ? nullptr : it->second.fn;
}

std::string command_list() {
  std::string out;
  for (auto& [name, e] : registry()) {
    out += "  " + name;
    out.append(name.size() < 10 ? 10 - name.size() : 1, ' ');
    out += e.summary;
    out += '\n';
  }
  return out;
}

}  // namespace tunsock::ctl

namespace {

void usage(FILE* to) {
  std::fprintf(to,
               "usage: tunsockctl [--socket PATH] [--json] COMMAND [ARGS...]\n"
               "\n"
               "Looks into a running tunsockd over its control socket (--socket PATH,\n"
               "else $TUNSOCK_SOCKET, else $XDG_RUNTIME_DIR/tunsockd.sock, else\n"
               "/tmp/tunsockd-<uid>.sock). --json: machine-readable output.\n"
               "\n"
               "Commands:\n%s",
               tunsock::ctl::command_list().c_str());
}

}  // namespace

int main(int argc, char** argv) {
  std::string path;
  bool json = false;
  int i = 1;
  for (; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage(stdout);
      return 0;
    }
    if (a == "--json") {
      json = true;
    } else if (a == "--socket" && i + 1 < argc) {
      path = argv[++i];
    } else if (a.rfind("--socket=", 0) == 0) {
      path = a.substr(9);
    } else if (a.size() > 1 && a[0] == '-') {
      std::fprintf(stderr, "tunsockctl: unknown option %s\n", a.c_str());
      usage(stderr);
      return 2;
    } else {
      break;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return 2;
  }
  auto fn = tunsock::ctl::find_command(argv[i]);
  if (!fn) {
    std::fprintf(stderr, "tunsockctl: no command %s\n", argv[i]);
    usage(stderr);
    return 2;
  }
  std::vector<std::string> args(argv + i + 1, argv + argc);
  // --json may also follow the command, as ss users type it last.
  if (auto it = std::find(args.begin(), args.end(), "--json"); it != args.end()) {
    json = true;
    args.erase(it);
  }
  tunsock::ctl::CtlClient client(path.empty() ? tunsock::ctl::CtlClient::default_path() : path);
  tunsock::ctl::Context ctx{client, json};
  return fn(ctx, args);
}
