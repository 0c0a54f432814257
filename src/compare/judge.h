// The float64 judge: a converted model's outputs measured against a double-precision run of the
// source model, next to the source runtime's own float32 outputs measured the same way. Two
// float32 runtimes can disagree well beyond a fixed tolerance on a model that amplifies rounding
// (large folded weights, outputs that cancel); what a conversion must not do is land further
// from the exact result than the source runtime itself does.
#pragma once

#include <string>
#include <vector>

#include "compare/layout.h"
#include "compare/metrics.h"
#include "runtime/executor.h"

namespace nnport {

struct JudgeVerdict {
  bool pass = false;
  std::string rule;  // which clause decided, e.g. "snr >= src-3, rel <= 2x src"
};

// The rule, per output (`source` and `target` are each measured against the float64 run):
// pass when target max_rel <= 1e-5 (the plain verdict, against the exact result); otherwise
// when target SNR >= source SNR - 3 dB (and >= 100 dB where the source reaches 103 dB) AND
// target max_rel <= 2 x source max_rel.
JudgeVerdict judge_output(const Metrics& source, const Metrics& target);

struct JudgeRow {
  std::string name;  // output name (the reference's)
  std::string shape;
  Metrics source;  // the source runtime's float32 outputs vs float64
  Metrics target;  // the converted model vs float64
  JudgeVerdict verdict;
};

// Runs `reference` in float64 (the judge) and `candidate` in float32 on `feeds`; the source
// runtime's outputs are `source_outputs` when given (by reference output name), else the
// reference run in float32 by nnport's executor. A candidate in another layout is fed and
// compared as compare_outputs does (`notes` gets its lines).
std::vector<JudgeRow> judge_outputs(const Graph& reference, const Graph& candidate,
                                    const TensorMap& feeds, const TensorMap* source_outputs,
                                    const LayoutOptions& layouts = {},
                                    std::vector<std::string>* notes = nullptr);

std::string format_judge_table(const std::vector<JudgeRow>& rows, const std::string& source_title);

}  // namespace nnport
