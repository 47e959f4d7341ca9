// The subcommands of tunsockctl. Each lives in its own file and registers
// itself with a static Command object, so main() knows them all without a
// list to keep in step.
#pragma once

#include <string>
#include <vector>

namespace tunsock::ctl {

class CtlClient;

struct Context {
  CtlClient& client;  // connected on first use (see CtlClient::call)
  bool json = false;  // --json: machine-readable output (docs/ctl-json.md)
};

// args: what follows the subcommand's name. Returns the exit status.
using CommandFn = int (*)(Context& ctx, const std::vector<std::string>& args);

struct Command {
  Command(const char* name, const char* summary, CommandFn fn);
};

// nullptr when no such subcommand.
CommandFn find_command(const std::string& name);
// "  name   summary\n" for each registered subcommand, sorted by name.
std::string command_list();

}  // namespace tunsock::ctl
