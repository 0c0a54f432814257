// nnport_conformance: runs ONNX backend test cases through nnport's executor (check a) and
// through ONNX Runtime after an ONNX -> nnport -> ONNX round trip (check b).
//
//   nnport_conformance --suite onnx-1.12/node=/usr/share/libonnx-testdata/data/node
//       --work-dir build/conformance --runner tests/oracles/run_onnxruntime.mjs
//
// Exit code 0 when every supported case passes, 1 otherwise (2 for a usage problem), 77 when
// they pass but an --optional-suite folder is absent (ctest's SKIP_RETURN_CODE: the ONNX 1.22
// suites live in ../shared/testdata, which a plain clone does not have).
#include <chrono>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "case_files.h"
#include "executor_check.h"
#include "ir/error.h"
#include "isolated_runs.h"
#include "onnxruntime_check.h"
#include "report.h"
#include "tolerances.h"

namespace fs = std::filesystem;
using namespace nnport::conformance;

namespace {

struct Options {
  std::vector<std::string> suites;           // NAME=DIR
  std::vector<std::string> optional_suites;  // NAME=DIR, skipped when DIR is absent
  std::string work_dir;
  std::string report;
  std::string filter;
  OnnxRuntimeConfig onnxruntime;
  bool skip_onnxruntime = false;
  int jobs = 2;
  int timeout_seconds = 120;
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string case_dir(const Options& options, const CaseFiles& c) {
  return (fs::path(options.work_dir) / c.suite / c.name).string();
}

constexpr int kExitSkipped = 77;

int run(const Options& options, const std::string& command) {
  std::vector<std::string> suite_names;
  std::vector<CaseFiles> cases;
  std::vector<std::string> specs = options.suites;
  bool skipped = false;
  for (const auto& spec : options.optional_suites) {
    const auto eq = spec.find('=');
    if (eq != std::string::npos && !fs::exists(spec.substr(eq + 1))) {
      std::cout << fmt::format("SKIP: suite {}: {} is absent\n", spec.substr(0, eq),
                               spec.substr(eq + 1));
      skipped = true;
    } else {
      specs.push_back(spec);
    }
  }
  for (const auto& spec : specs) {
    const auto eq = spec.find('=');
    if (eq == std::string::npos || eq == 0)
      nnport::usage_error("--suite wants NAME=DIR, got '{}'", spec);
    suite_names.push_back(spec.substr(0, eq));
    for (auto& c : discover_cases(spec.substr(0, eq), spec.substr(eq + 1)))
      if (c.name.find(options.filter) != std::string::npos) cases.push_back(std::move(c));
  }
  std::vector<Tolerance> tolerances;
  for (const auto& c : cases)
    tolerances.push_back(tolerance_for(c.name).tolerance);

  auto start = std::chrono::steady_clock::now();
  const auto isolated = run_isolated(
      cases.size(), options.jobs, options.timeout_seconds, options.work_dir + "/results",
      [&](size_t i) {
        return to_json(check_with_executor(cases[i], case_dir(options, cases[i]), tolerances[i]));
      });
  std::vector<ExecutorCheck> checks;
  for (const auto& outcome : isolated) {
    if (outcome.completed) {
      checks.push_back(executor_check_from_json(outcome.result));
    } else {
      checks.push_back(ExecutorCheck{Verdict::Failed, outcome.failure, "", "", {}});
    }
  }
  fmt::print("executor checks: {} cases in {:.1f} s\n", cases.size(), seconds_since(start));

  std::vector<RoundTripResult> round_trips(cases.size());
  if (!options.skip_onnxruntime) {
    start = std::chrono::steady_clock::now();
    OnnxRuntimeConfig config = options.onnxruntime;
    config.work_dir = options.work_dir;
    config.timeout_seconds = options.timeout_seconds;
    std::vector<std::string> originals;
    for (const auto& c : cases)
      originals.push_back(c.model);
    round_trips = check_with_onnxruntime(checks, tolerances, originals, config);
    fmt::print("ONNX Runtime round-trip checks in {:.1f} s\n", seconds_since(start));
  }

  std::vector<CaseOutcome> outcomes;
  for (size_t i = 0; i < cases.size(); ++i) {
    const ToleranceRule rule = tolerance_for(cases[i].name);
    CaseOutcome outcome{cases[i].suite,
                        cases[i].name,
                        checks[i].verdict,
                        checks[i].reason,
                        !options.skip_onnxruntime && round_trips[i].checked,
                        round_trips[i].ok,
                        round_trips[i].reason,
                        round_trips[i].note,
                        rule.reason};
    if (!rule.unreproducible.empty()) {
      outcome.executor = Verdict::Unsupported;
      outcome.executor_reason = rule.unreproducible;
    }
    outcomes.push_back(std::move(outcome));
  }
  std::cout << "\n";
  const size_t failed = print_summary(std::cout, suite_names, outcomes);
  if (!options.report.empty()) write_markdown(options.report, suite_names, outcomes, command);
  if (failed != 0) return 1;
  return skipped ? kExitSkipped : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Runs ONNX backend test cases through nnport and ONNX Runtime."};
  Options options;
  app.add_option("--suite", options.suites, "NAME=DIR of ONNX backend cases (repeatable)")
      ->required();
  app.add_option("--optional-suite", options.optional_suites,
                 "NAME=DIR like --suite, skipped (exit 77 if all else passes) when DIR is absent");
  app.add_option("--work-dir", options.work_dir, "scratch folder (converted models, .npy)")
      ->required();
  app.add_option("--runner", options.onnxruntime.runner, "tests/oracles/run_onnxruntime.mjs");
  app.add_option("--node", options.onnxruntime.node, "node executable")->capture_default_str();
  app.add_option("--report", options.report, "write the summary as Markdown here");
  app.add_option("--filter", options.filter, "only cases whose name contains this");
  app.add_option("--jobs", options.jobs, "cases run at once")->capture_default_str();
  app.add_option("--timeout", options.timeout_seconds, "seconds per case")->capture_default_str();
  app.add_flag("--skip-onnxruntime", options.skip_onnxruntime, "check (a) only");
  CLI11_PARSE(app, argc, argv);
  if (!options.skip_onnxruntime && options.onnxruntime.runner.empty()) {
    std::cerr << "--runner is required unless --skip-onnxruntime\n";
    return 2;
  }
  std::string command = "nnport_conformance";
  for (const auto& suite : options.suites)
    command += " --suite " + suite;
  for (const auto& suite : options.optional_suites)
    command += " --suite " + suite;
  try {
    return run(options, command);
  } catch (const nnport::Error& e) {
    std::cerr << "nnport_conformance: " << e.what() << "\n";
    return 2;
  }
}
