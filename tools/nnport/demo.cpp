// nnport demo: the README's first command. Builds a small MobileNet-like CNN in memory whose
// stride-2 layers use TensorFlow SAME padding (asymmetric: the odd pixel at the bottom/right, the
// classic converter pitfall of SEMANTICS.md §1), writes it as ONNX, converts that file ONNX ->
// ONNX through the IR, and prints the comparison of the two files on seeded inputs.
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>

#include <fmt/format.h>
#include <memory>

#include "cli_common.h"
#include "commands.h"
#include "compare/compare.h"
#include "ir/error.h"
#include "passes/pass.h"

namespace nnport::cli {

namespace {

struct DemoOptions {
  std::string keep_dir;
  uint64_t seed = 0;
};

// Deterministic, varied weights without a random generator: scaled sines of the index.
Tensor demo_weights(std::vector<int64_t> dims, float scale, int salt) {
  Tensor t(DType::Float32, std::move(dims));
  auto values = t.mutable_values<float>();
  for (size_t i = 0; i < values.size(); ++i)
    values[i] = scale * static_cast<float>(std::sin(0.7 * static_cast<double>(i) + salt));
  return t;
}

void add_conv(Graph& g, const std::string& name, const std::string& input, int64_t out_channels,
              int64_t in_channels, int64_t kernel, int64_t stride, int64_t group,
              std::vector<int64_t> pads, int salt) {
  const int64_t per_group = in_channels / group;
  g.add_constant(name + "_w",
                 demo_weights({out_channels, per_group, kernel, kernel},
                              1.0f / std::sqrt(float(per_group * kernel * kernel)), salt));
  g.add_constant(name + "_b", demo_weights({out_channels}, 0.1f, salt + 1));
  Node conv{name, "Conv", {input, name + "_w", name + "_b"}, {name + "_out"}, {}};
  conv.attrs.set("kernel_shape", std::vector<int64_t>{kernel, kernel});
  conv.attrs.set("strides", std::vector<int64_t>{stride, stride});
  conv.attrs.set("pads", std::move(pads));
  conv.attrs.set("group", group);
  g.nodes.push_back(std::move(conv));
}

void add_node(Graph& g, const std::string& name, const std::string& op,
              std::vector<std::string> inputs, Attributes attrs = {}) {
  g.nodes.push_back({name, op, std::move(inputs), {name + "_out"}, std::move(attrs)});
}

// 1x3x32x32 -> conv 3x3/2 SAME -> ReLU6 -> depthwise 3x3/2 SAME -> ReLU6 -> conv 1x1 -> ReLU
// -> average pool 3x3/2 SAME (TF divisor: real cells only) -> global average -> dense -> softmax.
Graph build_demo_cnn() {
  Graph g;
  g.name = "nnport_demo_cnn";
  Value& image = g.add_value("image");
  image.dtype = DType::Float32;
  image.shape = Shape::from_sizes({1, 3, 32, 32});
  g.inputs = {"image"};
  g.add_constant("relu6_min", Tensor::scalar<float>(0.0f));
  g.add_constant("relu6_max", Tensor::scalar<float>(6.0f));

  // TF SAME at stride 2 on an even size: total pad 1 per axis, all of it at the end.
  const std::vector<int64_t> same_pads = {0, 0, 1, 1};
  add_conv(g, "conv1", "image", 8, 3, 3, 2, 1, same_pads, 1);
  add_node(g, "relu6_1", "Clip", {"conv1_out", "relu6_min", "relu6_max"});
  add_conv(g, "dwconv", "relu6_1_out", 8, 8, 3, 2, 8, same_pads, 3);
  add_node(g, "relu6_2", "Clip", {"dwconv_out", "relu6_min", "relu6_max"});
  add_conv(g, "pwconv", "relu6_2_out", 16, 8, 1, 1, 1, {0, 0, 0, 0}, 5);
  add_node(g, "relu3", "Relu", {"pwconv_out"});
  Attributes pool;
  pool.set("kernel_shape", std::vector<int64_t>{3, 3});
  pool.set("strides", std::vector<int64_t>{2, 2});
  pool.set("pads", same_pads);
  pool.set("divisor", std::string("valid"));
  add_node(g, "avgpool", "AveragePool", {"relu3_out"}, pool);
  add_node(g, "gap", "GlobalAveragePool", {"avgpool_out"});
  Attributes flatten;
  flatten.set("axis", int64_t{1});
  add_node(g, "flatten", "Flatten", {"gap_out"}, flatten);
  g.add_constant("fc_w", demo_weights({10, 16}, 0.25f, 7));
  g.add_constant("fc_b", demo_weights({10}, 0.1f, 8));
  Attributes gemm;
  gemm.set("transB", int64_t{1});
  add_node(g, "fc", "Gemm", {"flatten_out", "fc_w", "fc_b"}, gemm);
  add_node(g, "softmax", "Softmax", {"fc_out"});
  g.outputs = {"softmax_out"};
  run_passes(g, standard_passes(), {});
  return g;
}

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

int run_demo(const DemoOptions& o) {
  const Format* onnx = find_format("onnx");
  if (!onnx || !onnx->read || !onnx->write)
    usage_error("this build of nnport has no ONNX reader and writer");
  const DemoFolder folder(o.keep_dir);
  const std::string source = folder.file("demo_cnn.onnx");
  const std::string converted = folder.file("demo_cnn_converted.onnx");

  std::cout << "nnport demo: a small CNN with TensorFlow SAME padding at stride 2\n"
               "  (pads per side [top 0, left 0, bottom 1, right 1]: the odd pixel goes to the\n"
               "  end, which symmetric-only converters get wrong)\n";
  onnx->write(build_demo_cnn(), source, WriteOptions{});
  std::cout << "1. wrote " << source << "\n";

  const Graph reference = load_model(source, "onnx", {});
  WriteOptions write;
  write.opset = 13;
  onnx->write(reference, converted, write);
  std::cout << "2. converted it ONNX -> IR -> ONNX (opset 13): " << converted << "\n";

  const Graph result = load_model(converted, "onnx", {});
  const TensorMap feeds = make_inputs(reference, o.seed);
  const auto rows = compare_outputs(reference, result, feeds);
  std::cout << fmt::format("3. ran both on the same seeded input (seed {}):\n", o.seed)
            << format_metrics_table(rows);
  constexpr double kTolerance = 1e-6;
  if (over_tolerance(rows, kTolerance)) {
    std::cout << fmt::format("FAIL: the conversion changed the numbers (max_rel > {})\n",
                             kTolerance);
    return kExitOverTolerance;
  }
  std::cout << "OK: the converted model computes the same numbers\n";
  return 0;
}

}  // namespace

Command add_demo_command(CLI::App& app) {
  auto o = std::make_shared<DemoOptions>();
  CLI::App* cmd = app.add_subcommand(
      "demo", "Build a small CNN with TF SAME padding, convert it and compare the outputs");
  cmd->add_option("--keep", o->keep_dir, "write the demo files into this folder and keep them");
  cmd->add_option("--seed", o->seed, "seed of the input")->capture_default_str();
  cmd->footer("Example:\n  nnport demo --keep /tmp/demo");
  return {cmd, [o] { return run_demo(*o); }};
}

}  // namespace nnport::cli
