// Micro-benchmarks of the executor's convolution (im2col + GEMM, depthwise) on ResNet-50 and
// MobileNet layer shapes, for work on the kernels; the end-to-end ratios against cp and ONNX
// Runtime come from run_bench.sh. Reports GFLOP per second (2 x multiply-adds).
//   build/release/bench/nnport_kernels_bench [--benchmark_filter=Conv3x3]
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <vector>

#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

Tensor random_tensor(std::vector<int64_t> dims, uint32_t seed) {
  Tensor t(DType::Float32, std::move(dims));
  std::mt19937 gen(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  for (float& v : t.mutable_values<float>())
    v = uniform(gen);
  return t;
}

// One Conv node: x [1, C, S, S], weight [M, C / group, K, K], symmetric pad, stride.
void conv_benchmark(benchmark::State& state, int64_t channels, int64_t size, int64_t filters,
                    int64_t kernel, int64_t stride, int64_t group) {
  Graph g;
  Value& x = g.add_value("x");
  x.dtype = DType::Float32;
  x.shape = Shape::from_sizes({1, channels, size, size});
  g.inputs.push_back("x");
  g.add_constant("w", random_tensor({filters, channels / group, kernel, kernel}, 1));
  g.add_constant("b", random_tensor({filters}, 2));
  Attributes attrs;
  const int64_t pad = kernel / 2;
  attrs.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  attrs.set("strides", std::vector<int64_t>{stride, stride});
  attrs.set("group", group);
  g.nodes.push_back(Node{"conv", "Conv", {"x", "w", "b"}, {"y"}, attrs});
  g.outputs.push_back("y");
  infer_shapes(g);
  const TensorMap feeds = {{"x", random_tensor({1, channels, size, size}, 3)}};
  const int64_t out = (size + 2 * pad - kernel) / stride + 1;
  const double flops = 2.0 * filters * out * out * (channels / group) * kernel * kernel;
  for (auto _ : state)
    benchmark::DoNotOptimize(run_graph(g, feeds));
  state.counters["GFLOP"] = benchmark::Counter(
      flops * static_cast<double>(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
}

// ResNet-50: the 7x7 stem, a stage-3 3x3 and a stage-3 1x1 reduction; MobileNet: a depthwise 3x3.
BENCHMARK_CAPTURE(conv_benchmark, Conv7x7Stem, 3, 224, 64, 7, 2, 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_benchmark, Conv3x3, 256, 14, 256, 3, 1, 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_benchmark, Conv1x1, 1024, 14, 256, 1, 1, 1)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(conv_benchmark, Depthwise3x3, 256, 56, 256, 3, 1, 256)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace nnport

BENCHMARK_MAIN();
