// nnport demo: the README's first command. TensorFlow -> Caffe, the conversion the project exists
// to get right: TF "SAME" padding at stride 2 pads 0 before and 1 after (SEMANTICS.md §1), Caffe
// pads both sides equally. The demo converts a TF graph (run-demo.sh passes the generated TF-slim
// MobileNet v1; without --tf-model a small built-in CNN with the same padding), reads the Caffe
// files back, runs source and result on one seeded input and prints the metrics beside those of
// the naive conversion that makes every pad symmetric.
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <memory>

#include <fmt/format.h>

#include "cli_common.h"
#include "commands.h"
#include "compare/compare.h"
#include "demo_models.h"
#include "ir/error.h"

namespace nnport::cli {

namespace {

struct DemoOptions {
  std::string tf_model, keep_dir;
  std::vector<std::string> outputs;
  uint64_t seed = 0;
};

// nnport's conversion must compute what the source computes (issue 5's bound for Caffe).
constexpr double kTolerance = 1e-5;

// A fresh folder under the system temp dir, removed when the demo ends (unless --keep).
class DemoFolder {
 public:
  explicit DemoFolder(const std::string& keep) : keep_(!keep.empty()) {
    if (keep_) {
      std::filesystem::create_directories(keep);
      path_ = keep;
      return;
    }
    std::string pattern = (std::filesystem::temp_directory_path() / "nnport-demo-XXXXXX").string();
    if (!::mkdtemp(pattern.data())) usage_error("cannot create a temporary folder");
    path_ = pattern;
  }
  ~DemoFolder() {
    std::error_code ignored;  // best effort: the folder is ours and holds nothing the user needs
    if (!keep_) std::filesystem::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  bool keep_;
  std::filesystem::path path_;
};

// The Caffe files keep 4-D inputs and outputs in NCHW where the TF graph has NHWC.
Tensor nhwc_to_nchw(const Tensor& t) {
  const auto& d = t.dims();
  Tensor out(DType::Float32, {d[0], d[3], d[1], d[2]});
  const auto in = t.values<float>();
  auto o = out.mutable_values<float>();
  for (int64_t n = 0, i = 0; n < d[0]; ++n)
    for (int64_t h = 0; h < d[1]; ++h)
      for (int64_t w = 0; w < d[2]; ++w)
        for (int64_t c = 0; c < d[3]; ++c, ++i)
          o[((n * d[3] + c) * d[1] + h) * d[2] + w] = in[i];
  return out;
}

bool is_nchw_of(const std::vector<int64_t>& nchw, const std::vector<int64_t>& nhwc) {
  return nchw.size() == 4 && nhwc.size() == 4 && nchw[0] == nhwc[0] && nchw[1] == nhwc[3] &&
         nchw[2] == nhwc[1] && nchw[3] == nhwc[2] && nchw != nhwc;
}

struct Conversion {
  std::string label;
  std::string first_conv;
  std::vector<MetricsRow> rows;
};

// Runs `caffe` on the source's feeds (inputs matched by position) and compares output i with
// the source's output i.
Conversion evaluate(const std::string& label, const Graph& caffe, const Graph& source,
                    const TensorMap& feeds, const TensorMap& expected) {
  if (caffe.inputs.size() != source.inputs.size() || caffe.outputs.size() != source.outputs.size())
    model_error("{}: the Caffe model has other inputs or outputs than the source", label);
  TensorMap caffe_feeds;
  for (size_t i = 0; i < source.inputs.size(); ++i) {
    const Tensor& x = feeds.at(source.inputs[i]);
    const auto& wanted = caffe.value(caffe.inputs[i]).shape;
    caffe_feeds[caffe.inputs[i]] =
        wanted.fully_known() && is_nchw_of(wanted.sizes(), x.dims()) ? nhwc_to_nchw(x) : x;
  }
  const TensorMap results = run_graph(caffe, caffe_feeds);
  Conversion c{label, first_conv_output(caffe), {}};
  for (size_t i = 0; i < source.outputs.size(); ++i) {
    const Tensor& reference = expected.at(source.outputs[i]);
    const Tensor& result = results.at(caffe.outputs[i]);
    if (is_nchw_of(result.dims(), reference.dims()))
      model_error("{}: 4-D output '{}' in NCHW: the demo compares only 2-D outputs", label,
                  caffe.outputs[i]);
    c.rows.push_back(
        {source.outputs[i], reference.shape().to_string(), compute_metrics(reference, result)});
  }
  return c;
}

std::string metrics_table(const std::string& source_first_conv,
                          const std::vector<Conversion>& conversions) {
  std::string text = fmt::format("  {:<36} {:<8} {:>11} {:>11} {:>11} {:>8} {:>8}  {}\n",
                                 "conversion / output", "shape", "max error", "max rel", "L1 error",
                                 "SNR dB", "PSNR dB", "after first conv");
  text += fmt::format("  {:<36} {:<8} {:>11} {:>11} {:>11} {:>8} {:>8}  {}\n", "source (reference)",
                      "", "", "", "", "", "", source_first_conv);
  for (const Conversion& c : conversions) {
    text += fmt::format("  {:<36} {:<8} {:>11} {:>11} {:>11} {:>8} {:>8}  {}\n", c.label, "", "",
                        "", "", "", "", c.first_conv);
    for (const MetricsRow& row : c.rows) {
      std::string name = row.name;
      if (name.size() > 34) name = ".." + name.substr(name.size() - 32);
      const Metrics& m = row.metrics;
      text += fmt::format("    {:<34} {:<8} {:>11.3g} {:>11.3g} {:>11.3g} {:>8} {:>8}\n", name,
                          row.shape, m.max_abs, m.max_rel, m.l1_mean, format_db(m.snr_db),
                          format_db(m.psnr_db));
    }
  }
  return text;
}

std::string pads_text(const Node& conv) {
  const auto pads = conv.attrs.get_ints("pads", {0, 0, 0, 0});
  if (pads.size() != 4) return sizes_to_string(pads);
  return fmt::format("[top {}, left {}, bottom {}, right {}]", pads[0], pads[1], pads[2], pads[3]);
}

int run_demo(const DemoOptions& o) {
  const Format* caffe = find_format("caffe");
  if (!caffe || !caffe->read || !caffe->write)
    usage_error("this build of nnport has no Caffe reader and writer");
  Graph source;
  if (o.tf_model.empty()) {
    if (!o.outputs.empty()) usage_error("--output needs --tf-model");
    source = build_demo_cnn();
    std::cout << "nnport demo: a small built-in CNN with TensorFlow SAME padding -> Caffe\n";
  } else {
    ReadOptions read;
    read.outputs = o.outputs;
    source = load(o.tf_model, "", read);
    std::cout << fmt::format("nnport demo: {} -> Caffe\n", o.tf_model);
  }
  const Node* conv = first_conv(source);
  if (!conv) model_error("the demo model has no convolution");
  std::cout << fmt::format(
      "  TF SAME padding at stride 2 puts the odd pixel at the end; Caffe pads both sides alike.\n"
      "  first conv '{}': pads {}, output {}\n",
      conv->name, pads_text(*conv), first_conv_output(source));

  const DemoFolder folder(o.keep_dir);
  const std::string exact_path = folder.file("nnport.prototxt");
  caffe->write(source, exact_path, WriteOptions{});
  std::cout << fmt::format("1. nnport's conversion (dialect caffe-1.0): {} + .caffemodel\n",
                           exact_path);

  Graph naive = source;
  const int changed = make_pads_symmetric(naive);
  const std::string naive_path = folder.file("naive.prototxt");
  caffe->write(naive, naive_path, WriteOptions{});
  std::cout << fmt::format(
      "2. a naive conversion, every asymmetric pad made symmetric ({} layers): {}\n", changed,
      naive_path);

  // The source's outputs by name: a blob that a later layer reads is not an output in Caffe's
  // own rule, but the logits before the softmax are worth comparing.
  ReadOptions read_back;
  read_back.outputs = source.outputs;
  const TensorMap feeds = make_inputs(source, o.seed);
  const TensorMap expected = run_graph(source, feeds);
  const std::vector<Conversion> results = {
      evaluate("nnport (exact)", load_model(exact_path, "caffe", read_back), source, feeds,
               expected),
      evaluate("naive symmetric pads", load_model(naive_path, "caffe", read_back), source, feeds,
               expected)};
  std::cout << fmt::format(
                   "3. both Caffe files read back and run by nnport's executor, the TF graph as "
                   "reference, on the same seeded input (seed {}):\n",
                   o.seed)
            << metrics_table(first_conv_output(source), results);
  if (over_tolerance(results[0].rows, kTolerance)) {
    std::cout << fmt::format("FAIL: nnport's Caffe model is off the source (max rel > {})\n",
                             kTolerance);
    return kExitOverTolerance;
  }
  std::cout << fmt::format(
      "OK: nnport's Caffe model computes what the source computes (max rel <= {}); the naive "
      "one does not.\n",
      kTolerance);
  return 0;
}

}  // namespace

Command add_demo_command(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo",
      "Convert a TF model with SAME padding to Caffe and compare it with a naive conversion");
  cmd->add_option("--tf-model", o->tf_model,
                  "TensorFlow graph to convert (default: a small built-in CNN)");
  cmd->add_option("--output", o->outputs, "outputs of the TF graph to compare")->take_all();
  cmd->add_option("--keep", o->keep_dir, "write the demo files into this folder and keep them");
  cmd->add_option("--seed", o->seed, "seed of the input")->capture_default_str();
  cmd->footer(
      "Example:\n  nnport demo --tf-model build/demo/mobilenet_v1_1.0_224.pb --keep build/demo");
  return {cmd, [o] { return run_demo(*o); }};
}

}  // namespace nnport::cli
