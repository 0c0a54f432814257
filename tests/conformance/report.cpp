#include "report.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <regex>

#include <fmt/format.h>
#include <fmt/ostream.h>

namespace nnport::conformance {

namespace {

struct SuiteCounts {
  size_t total = 0, supported = 0, passed = 0;
};

SuiteCounts count(const std::string& suite, const std::vector<CaseOutcome>& outcomes) {
  SuiteCounts counts;
  for (const auto& o : outcomes) {
    if (o.suite != suite) continue;
    ++counts.total;
    counts.supported += o.supported();
    counts.passed += o.passed();
  }
  return counts;
}

std::string failure_line(const CaseOutcome& o) {
  std::vector<std::string> parts;
  if (o.executor != Verdict::Passed) parts.push_back("(a) executor: " + o.executor_reason);
  if (o.round_trip_checked && !o.round_trip_ok)
    parts.push_back("(b) round trip in ONNX Runtime: " + o.round_trip_reason);
  return fmt::format("{}/{}: {}", o.suite, o.name, fmt::join(parts, " | "));
}

// Groups refusals that differ only in file paths and quoted node/value names.
std::string reason_key(const std::string& reason) {
  static const std::regex path(R"((/[^\s:]+)+\.(onnx|pb):?\s*)");
  static const std::regex quoted(R"('[^']*')");
  return std::regex_replace(std::regex_replace(reason, path, ""), quoted, "'…'");
}

std::vector<std::pair<size_t, std::string>> unsupported_reasons(
    const std::vector<CaseOutcome>& outcomes) {
  std::map<std::string, size_t> counts;
  for (const auto& o : outcomes)
    if (!o.supported()) ++counts[reason_key(o.executor_reason)];
  std::vector<std::pair<size_t, std::string>> sorted;
  for (const auto& [reason, n] : counts)
    sorted.emplace_back(n, reason);
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  return sorted;
}

}  // namespace

size_t print_summary(std::ostream& out, const std::vector<std::string>& suites,
                     const std::vector<CaseOutcome>& outcomes) {
  size_t failed = 0;
  for (const auto& o : outcomes)
    if (o.supported() && !o.passed()) {
      fmt::print(out, "FAIL {}\n", failure_line(o));
      ++failed;
    }
  const auto reasons = unsupported_reasons(outcomes);
  fmt::print(out, "\nMost common reasons for unsupported cases:\n");
  for (size_t i = 0; i < reasons.size() && i < 25; ++i)
    fmt::print(out, "  {:5} x {}\n", reasons[i].first, reasons[i].second);
  size_t unchecked = 0;
  for (const auto& o : outcomes)
    unchecked += o.supported() && !o.round_trip_checked;
  if (unchecked)
    fmt::print(out,
               "\n{} supported cases pass (a) but ONNX Runtime cannot run even the original "
               "model, so (b) is not checked (listed in the report)\n",
               unchecked);
  fmt::print(out, "\nONNX conformance (passed / supported / total):\n");
  for (const auto& suite : suites) {
    SuiteCounts c = count(suite, outcomes);
    fmt::print(out, "  {:28} {:5} / {:5} / {:5}   ({} unsupported, {} failed)\n", suite, c.passed,
               c.supported, c.total, c.total - c.supported, c.supported - c.passed);
  }
  return failed;
}

void write_markdown(const std::string& path, const std::vector<std::string>& suites,
                    const std::vector<CaseOutcome>& outcomes, const std::string& command) {
  std::ofstream out(path);
  fmt::print(out, "| suite | passed | supported | total | unsupported | failed |\n");
  fmt::print(out, "|---|---:|---:|---:|---:|---:|\n");
  for (const auto& suite : suites) {
    SuiteCounts c = count(suite, outcomes);
    fmt::print(out, "| {} | {} | {} | {} | {} | {} |\n", suite, c.passed, c.supported, c.total,
               c.total - c.supported, c.supported - c.passed);
  }
  fmt::print(out,
             "\nA case passes when (a) nnport's executor and (b) ONNX Runtime running the "
             "model nnport wrote back both reproduce the expected outputs. Produced by "
             "`{}`.\n",
             command);
  fmt::print(out, "\nFailures (supported cases that do not pass):\n\n");
  size_t failures = 0;
  for (const auto& o : outcomes)
    if (o.supported() && !o.passed()) {
      fmt::print(out, "- `{}`\n", failure_line(o));
      ++failures;
    }
  if (failures == 0) fmt::print(out, "- none\n");
  bool any_note = false;
  for (const auto& o : outcomes)
    if (o.supported() && !o.round_trip_note.empty()) {
      if (!any_note)
        fmt::print(out,
                   "\nCases where ONNX Runtime itself cannot serve as the oracle of check (b):"
                   "\n\n");
      any_note = true;
      fmt::print(out, "- `{}/{}`: {}\n", o.suite, o.name, o.round_trip_note);
    }
  bool any_tolerance = false;
  for (const auto& o : outcomes)
    if (!o.tolerance_reason.empty()) {
      if (!any_tolerance) fmt::print(out, "\nCases with their own tolerance:\n\n");
      any_tolerance = true;
      fmt::print(out, "- `{}/{}`: {}\n", o.suite, o.name, o.tolerance_reason);
    }
  fmt::print(out,
             "\nUnsupported cases by reason (nnport refuses an op, attribute or type while "
             "loading, the executor has no kernel, or the expected outputs are random):\n\n");
  for (const auto& [n, reason] : unsupported_reasons(outcomes))
    fmt::print(out, "- {} × {}\n", n, reason);
}

}  // namespace nnport::conformance
