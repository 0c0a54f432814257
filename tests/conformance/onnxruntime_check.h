// Check (b) of a conformance case: the model nnport wrote back, run in ONNX Runtime (through
// tests/oracles/run_onnxruntime.mjs in batch mode), must reproduce the expected outputs.
#pragma once

#include <string>
#include <vector>

#include "executor_check.h"
#include "tensor_match.h"

namespace nnport::conformance {

struct OnnxRuntimeConfig {
  std::string node = "node";
  std::string runner;    // path of run_onnxruntime.mjs
  std::string work_dir;  // batch and result files go here
  int timeout_seconds = 120;
};

struct RoundTripResult {
  bool checked = true;  // false when ONNX Runtime cannot run the original model either
  bool ok = false;
  std::string reason;  // why not ok
  std::string note;    // why not checked, or how it was checked when ORT itself deviates
};

// One result per check, in order; checks that are unsupported get ok=false with no reason and
// are not run. `tolerances[i]` applies to checks[i], `original_models[i]` is the case's model.
//
// When the round trip does not reproduce the expected outputs, ONNX Runtime also runs the
// original model. If it cannot (an op or type ONNX Runtime lacks), check (b) is not possible and
// the result says so (checked = false). If it runs but deviates from the expected outputs
// itself, the round trip must reproduce ONNX Runtime's own outputs on the original instead.
std::vector<RoundTripResult> check_with_onnxruntime(const std::vector<ExecutorCheck>& checks,
                                                    const std::vector<Tolerance>& tolerances,
                                                    const std::vector<std::string>& original_models,
                                                    const OnnxRuntimeConfig& config);

// File names (with ".npy") the oracle runners give a model's outputs, in output order: the rule
// of `nnport run` and tests/oracles/npy.mjs (outputFileNames).
std::vector<std::string> output_file_names(const std::vector<std::string>& names);

}  // namespace nnport::conformance
