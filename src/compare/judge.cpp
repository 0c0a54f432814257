#include "compare/judge.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "compare/compare.h"
#include "ir/error.h"

namespace nnport {

namespace {

constexpr double kSnrMarginDb = 3.0;
constexpr double kHighSnrDb = 103.0;       // where the source reaches this ...
constexpr double kHighSnrFloorDb = 100.0;  // ... the target must reach this
constexpr double kRelFactor = 2.0;
constexpr double kRelFloor = 1e-5;

// The candidate output standing for reference output i: same name, else same position.
const std::string& counterpart(const Graph& reference, const Graph& candidate, size_t i) {
  const std::string& name = reference.outputs[i];
  for (const std::string& other : candidate.outputs)
    if (other == name) return other;
  return candidate.outputs.at(i);
}

}  // namespace

JudgeVerdict judge_output(const Metrics& source, const Metrics& target) {
  // The plain verdict (max_rel <= 1e-5) against the exact result: a float32 output that close
  // to float64 is as faithful as float32 allows, whatever its SNR. The SNR clause would fail it
  // on outputs of a few tiny values (a sigmoid of a large negative logit, ~1e-7), where one
  // runtime's 5e-8 absolute error is 10 dB and another's 1e-8 is 25 dB.
  if (target.max_rel <= kRelFloor)
    return {true, fmt::format("rel <= {:g} vs float64 (plain verdict)", kRelFloor)};
  const double s = source.snr_db, t = target.snr_db;
  if (std::isnan(t) || !(t >= s - kSnrMarginDb))
    return {false, fmt::format("snr {} < src {} - {:g}", format_db(t), format_db(s), kSnrMarginDb)};
  const bool high = s >= kHighSnrDb;
  if (high && !(t >= kHighSnrFloorDb))
    return {false,
            fmt::format("snr {} < {:g} (src >= {:g})", format_db(t), kHighSnrFloorDb, kHighSnrDb)};
  const std::string snr_part =
      high ? fmt::format("snr >= src-{:g} and >= {:g}", kSnrMarginDb, kHighSnrFloorDb)
           : fmt::format("snr >= src-{:g}", kSnrMarginDb);
  if (target.max_rel <= kRelFactor * source.max_rel)
    return {true, fmt::format("{}, rel <= {:g}x src", snr_part, kRelFactor)};
  return {false, fmt::format("rel {:.2e} > {:g}x src {:.2e} and > {:g}", target.max_rel, kRelFactor,
                             source.max_rel, kRelFloor)};
}

std::vector<JudgeRow> judge_outputs(const Graph& reference, const Graph& candidate,
                                    const TensorMap& feeds, const TensorMap* source_outputs,
                                    const LayoutOptions& layouts, std::vector<std::string>* notes) {
  if (reference.outputs.size() != candidate.outputs.size())
    model_error("the models have {} and {} outputs", reference.outputs.size(),
                candidate.outputs.size());
  RunOptions in_double;
  in_double.float64 = true;
  const TensorMap exact = run_graph(reference, feeds, in_double);
  const TensorMap source = source_outputs ? *source_outputs : run_graph(reference, feeds);
  const TensorMap matched = feeds_for(reference, candidate, feeds);
  LayoutPlan plan = plan_input_layouts(reference, candidate, matched, layouts);
  const TensorMap target = run_graph(candidate, apply_input_layouts(plan, matched));
  std::vector<JudgeRow> rows;
  for (size_t i = 0; i < reference.outputs.size(); ++i) {
    const std::string& name = reference.outputs[i];
    const Tensor& judge = exact.at(name);
    auto s = source.find(name);
    if (s == source.end()) model_error("no source output for '{}'", name);
    const Tensor t =
        align_output(name, judge, target.at(counterpart(reference, candidate, i)), layouts, plan);
    if (t.dims() != judge.dims() || s->second.dims() != judge.dims())
      model_error("output '{}' has shape {} in the reference but {} (source) and {} (other model)",
                  name, sizes_to_string(judge.dims()), sizes_to_string(s->second.dims()),
                  sizes_to_string(t.dims()));
    JudgeRow row{name,
                 judge.shape().to_string(),
                 compute_metrics(judge, s->second),
                 compute_metrics(judge, t),
                 {}};
    row.verdict = judge_output(row.source, row.target);
    rows.push_back(std::move(row));
  }
  if (notes) *notes = plan.notes;
  return rows;
}

std::string format_judge_table(const std::vector<JudgeRow>& rows, const std::string& source_title) {
  std::vector<std::vector<std::string>> cells = {
      {"output", "shape", "src snr", "B snr", "src max_rel", "B max_rel", "verdict (rule)"}};
  for (const JudgeRow& r : rows)
    cells.push_back({r.name, r.shape, format_db(r.source.snr_db), format_db(r.target.snr_db),
                     fmt::format("{:.3e}", r.source.max_rel),
                     fmt::format("{:.3e}", r.target.max_rel),
                     fmt::format("{} ({})", r.verdict.pass ? "pass" : "FAIL", r.verdict.rule)});
  std::vector<size_t> widths(cells[0].size(), 0);
  for (const auto& line : cells)
    for (size_t c = 0; c < line.size(); ++c)
      widths[c] = std::max(widths[c], line[c].size());
  // Names, shapes and verdicts left-aligned, numbers right-aligned.
  std::string out;
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) {
      const bool left = c < 2 || c + 1 == line.size();
      if (c) out += "  ";
      out += c + 1 == line.size() ? line[c]
             : left               ? fmt::format("{:<{}}", line[c], widths[c])
                                  : fmt::format("{:>{}}", line[c], widths[c]);
    }
    out += "\n";
  }
  out += fmt::format("src = {}; snr and max_rel against the float64 run of A\n", source_title);
  return out;
}

}  // namespace nnport
