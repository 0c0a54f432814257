// nnport: converts trained networks between frameworks so that the converted model computes the
// same numbers. This file wires the subcommands (one file each) and is the only place that
// turns errors into exit codes.
#include <iostream>
#include <new>
#include <vector>

#include <CLI/CLI.hpp>

#include "commands.h"
#include "ir/error.h"

int main(int argc, char** argv) {
  CLI::App app{"nnport: convert trained neural networks between frameworks, exactly."};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 ok, 1 usage error, 2 model problem, 3 comparison over tolerance.\n"
      "Run 'nnport COMMAND --help' for a command's options and an example.");
  const std::vector<nnport::cli::Command> commands = {
      nnport::cli::add_convert_command(app),     nnport::cli::add_info_command(app),
      nnport::cli::add_run_command(app),         nnport::cli::add_compare_command(app),
      nnport::cli::add_dump_command(app),        nnport::cli::add_demo_command(app),
      nnport::cli::add_compare_npy_command(app),
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message
    return 1;
  }
  try {
    for (const auto& command : commands)
      if (command.app->parsed()) return command.run();
    return 1;
  } catch (const nnport::Error& e) {
    std::cerr << "error: " << e.what() << "\n";
    return e.exit_code();
  } catch (const std::bad_alloc&) {
    std::cerr << "error: out of memory (a tensor in the model is too large for this machine)\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: internal error: " << e.what() << "\n";
    return 2;
  }
}
