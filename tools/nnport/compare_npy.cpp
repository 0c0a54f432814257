// nnport compare-npy REF.npy OUT.npy: the metrics of `nnport compare` for two arrays already
// computed elsewhere (an oracle runtime's output against another's), for the validation scripts.
#include <cmath>
#include <iostream>
#include <memory>
#include <optional>

#include <fmt/format.h>

#include "cli_common.h"
#include "commands.h"
#include "compare/judge.h"
#include "formats/npy/npy.h"
#include "ir/error.h"

namespace nnport::cli {

namespace {

struct CompareNpyOptions {
  std::string reference, output, name;
  std::string source;  // --source: REF is then the float64 judge
  std::optional<double> max_rel;
  std::optional<double> min_snr;
  bool tsv = false;
};

std::string tsv_number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return fmt::format("{:.9g}", value);
}

// REF is a float64 run, SOURCE the source runtime's output, OUT the converted model's: the
// verdict of the float64 judge (compare/judge.h).
int run_judge_npy(const CompareNpyOptions& o, const Tensor& judge, const Tensor& output) {
  require_file(o.source);
  const Tensor source = read_npy(o.source);
  if (source.dims() != judge.dims() || output.dims() != judge.dims())
    model_error("shapes differ: {} (REF), {} (--source), {} (OUT)", sizes_to_string(judge.dims()),
                sizes_to_string(source.dims()), sizes_to_string(output.dims()));
  JudgeRow r{o.name.empty() ? o.output : o.name,
             judge.shape().to_string(),
             compute_metrics(judge, source),
             compute_metrics(judge, output),
             {}};
  r.verdict = judge_output(r.source, r.target);
  if (o.tsv)
    std::cout << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", r.name, r.shape,
                             tsv_number(r.source.snr_db), tsv_number(r.target.snr_db),
                             tsv_number(r.source.max_rel), tsv_number(r.target.max_rel),
                             r.verdict.pass ? "pass" : "fail", r.verdict.rule);
  else
    std::cout << format_judge_table({r}, o.source);
  return r.verdict.pass ? 0 : kExitOverTolerance;
}

int run_compare_npy(const CompareNpyOptions& o) {
  require_file(o.reference);
  require_file(o.output);
  const Tensor reference = read_npy(o.reference);
  const Tensor output = read_npy(o.output);
  if (!o.source.empty()) return run_judge_npy(o, reference, output);
  const MetricsRow row{o.name.empty() ? o.output : o.name, reference.shape().to_string(),
                       compute_metrics(reference, output)};
  if (o.tsv) {
    const Metrics& m = row.metrics;
    std::cout << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", row.name, row.shape,
                             tsv_number(m.max_abs), tsv_number(m.max_rel), tsv_number(m.l1_mean),
                             tsv_number(m.snr_db), tsv_number(m.psnr_db), tsv_number(m.cosine));
  } else {
    std::cout << format_metrics_table({row});
  }
  const bool rel_over = o.max_rel && over_tolerance({row}, *o.max_rel);
  // NaN SNR (NaN outputs) fails too.
  const bool snr_under = o.min_snr && !(row.metrics.snr_db >= *o.min_snr);
  return rel_over || snr_under ? kExitOverTolerance : 0;
}

}  // namespace

Command add_compare_npy_command(CLI::App& app) {
  auto o = std::make_shared<CompareNpyOptions>();
  CLI::App* cmd =
      app.add_subcommand("compare-npy", "Compare two .npy arrays with nnport's metrics");
  cmd->add_option("REF", o->reference, "reference array (.npy)")->required();
  cmd->add_option("OUT", o->output, "array compared with REF (.npy), same shape")->required();
  cmd->add_option("--name", o->name, "row name in the table (default: OUT)");
  cmd->add_option("--max-rel", o->max_rel, "exit with code 3 when max_rel exceeds this");
  cmd->add_option("--min-snr", o->min_snr, "exit with code 3 when SNR (dB) is below this");
  cmd->add_option("--source", o->source,
                  "the float64 judge: REF is a float64 run, SOURCE.npy the source runtime's "
                  "output; prints both SNRs and max_rel vs REF and the verdict (exit 3: fail)");
  cmd->add_flag("--tsv", o->tsv,
                "print one tab-separated line: name, shape, max_abs, max_rel, l1_mean, snr_db, "
                "psnr_db, cosine (with --source: name, shape, source snr, OUT snr, source "
                "max_rel, OUT max_rel, pass/fail, rule)");
  cmd->footer(
      "Metrics: SEMANTICS.md section 6; 'inf' means identical.\n"
      "--source: the rule of compare --reference-f64 (see its --help).\n"
      "Example:\n  nnport compare-npy torch/output.npy onnxruntime/output.npy --max-rel 1e-4 "
      "--min-snr 80\n"
      "  nnport compare-npy f64/out.npy onnx/out.npy --source tfjs/out.npy");
  return {cmd, [o] { return run_compare_npy(*o); }};
}

}  // namespace nnport::cli
