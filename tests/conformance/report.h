// The conformance summary: passed / supported / total per suite, every failure with its reason,
// and the unsupported cases grouped by reason. Printed by the test and written as Markdown for
// docs/VALIDATION.md.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "case_files.h"
#include "executor_check.h"

namespace nnport::conformance {

struct CaseOutcome {
  std::string suite;
  std::string name;
  Verdict executor = Verdict::Failed;  // check (a); Unsupported for the whole case
  std::string executor_reason;
  bool round_trip_checked = true;
  bool round_trip_ok = false;  // check (b)
  std::string round_trip_reason;
  std::string round_trip_note;   // (b) not checkable, or checked against ORT's own run
  std::string tolerance_reason;  // set when the case uses its own tolerance

  bool supported() const { return executor != Verdict::Unsupported; }
  bool passed() const {
    return executor == Verdict::Passed && (round_trip_ok || !round_trip_checked);
  }
};

// Suites in the order given; returns the number of failed supported cases.
size_t print_summary(std::ostream& out, const std::vector<std::string>& suites,
                     const std::vector<CaseOutcome>& outcomes);
void write_markdown(const std::string& path, const std::vector<std::string>& suites,
                    const std::vector<CaseOutcome>& outcomes, const std::string& command);

}  // namespace nnport::conformance
