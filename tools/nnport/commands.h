// The nnport subcommands, one file each. Every add_* registers its subcommand and options on the
// app and returns the function main calls when that subcommand was given; the function returns
// the process exit code and lets nnport::Error propagate to main.
#pragma once

#include <functional>

#include <CLI/CLI.hpp>

namespace nnport::cli {

// Exit codes: 0 ok, 1 usage (ErrorKind::Usage), 2 model problem (ErrorKind::Model), and:
constexpr int kExitOverTolerance = 3;  // compare / convert --validate over --max-rel

struct Command {
  CLI::App* app;
  std::function<int()> run;
};

Command add_convert_command(CLI::App& app);
Command add_info_command(CLI::App& app);
Command add_run_command(CLI::App& app);
Command add_compare_command(CLI::App& app);
Command add_compare_npy_command(CLI::App& app);  // compare_npy.cpp
Command add_dump_command(CLI::App& app);
Command add_demo_command(CLI::App& app);

}  // namespace nnport::cli
