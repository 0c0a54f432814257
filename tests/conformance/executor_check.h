// Check (a) of a conformance case: read the model with nnport, run the executor on every data
// set and compare with the expected outputs. Also prepares check (b): writes the model back as
// ONNX, and the inputs and expected outputs as .npy for ONNX Runtime.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "case_files.h"
#include "tensor_match.h"

namespace nnport::conformance {

enum class Verdict { Unsupported, Failed, Passed };

struct PreparedSet {
  std::string dir;                                          // where ONNX Runtime writes
  std::vector<std::pair<std::string, std::string>> inputs;  // graph input -> .npy
  // Every input of the original model (nnport may prune unused ones from what it writes).
  std::vector<std::pair<std::string, std::string>> original_inputs;
  std::vector<std::pair<std::string, std::string>> outputs;  // graph output -> expected .npy
};

struct ExecutorCheck {
  Verdict verdict = Verdict::Failed;
  std::string reason;            // why unsupported or failed
  std::string round_trip_model;  // the re-written .onnx; empty when the writer refused
  std::string writer_error;
  std::vector<PreparedSet> sets;
};

// Never throws for a model problem: every outcome is recorded in the result.
ExecutorCheck check_with_executor(const CaseFiles& files, const std::string& work_dir,
                                  const Tolerance& tolerance);

nlohmann::json to_json(const ExecutorCheck& check);
ExecutorCheck executor_check_from_json(const nlohmann::json& json);

}  // namespace nnport::conformance
