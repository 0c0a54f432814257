// The executor's float64 mode (RunOptions::float64, the judge of `compare --reference-f64`): a
// float32 graph runs in double precision. Each case is built so that the exact result needs more
// than float32's 24 bits (1 + 2^-30 rounds to 1 in float32) and is exact in float64.
#include <gtest/gtest.h>

#include <cmath>

#include "compare/judge.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

const double kTiny = std::ldexp(1.0, -30);  // exact in float32; 1 + kTiny is not

// No values: zeros of that shape (a graph input's shape only).
Tensor f32(std::vector<int64_t> dims, std::vector<float> values) {
  if (values.empty()) return Tensor(DType::Float32, std::move(dims));
  return Tensor::from_vector<float>(std::move(dims), values);
}

// One node reading graph input "x" (float32) and constants; output "y".
struct OneNode {
  Graph g;
  OneNode(const std::string& op, const Tensor& x,
          std::vector<std::pair<std::string, Tensor>> consts, Attributes attrs = {}) {
    Value& v = g.add_value("x");
    v.dtype = DType::Float32;
    v.shape = x.shape();
    g.inputs.push_back("x");
    Node node{"node", op, {"x"}, {"y"}, std::move(attrs)};
    for (auto& [name, t] : consts) {
      if (t.empty()) {  // an omitted optional input
        node.inputs.emplace_back();
        continue;
      }
      g.add_constant(name, t);
      node.inputs.push_back(name);
    }
    g.nodes.push_back(node);
    g.outputs.push_back("y");
    infer_shapes(g);
  }
  std::vector<double> run64(const Tensor& x) const {
    RunOptions o;
    o.float64 = true;
    const Tensor y = run_graph(g, {{"x", x}}, o).at("y");
    EXPECT_EQ(y.dtype(), DType::Float64);
    const auto values = y.values<double>();
    return {values.begin(), values.end()};
  }
  std::vector<float> run32(const Tensor& x) const {
    return run_graph(g, {{"x", x}}).at("y").to_float_vector();
  }
};

Attributes ints(const std::string& name, std::vector<int64_t> v) {
  Attributes a;
  a.set(name, std::move(v));
  return a;
}

TEST(ExecutorFloat64, PointwiseConvSumsBeyondFloat32) {
  // Two channels 1 and 2^-30, weights 1 and 1: 1 + 2^-30.
  const OneNode n("Conv", f32({1, 2, 1, 1}, {}), {{"w", f32({1, 2, 1, 1}, {1, 1})}});
  const Tensor x = f32({1, 2, 1, 1}, {1, static_cast<float>(kTiny)});
  EXPECT_EQ(n.run64(x), (std::vector<double>{1 + kTiny}));
  EXPECT_EQ(n.run32(x), (std::vector<float>{1}));  // float32 unchanged: the tiny term is lost
}

TEST(ExecutorFloat64, Im2colConvWithBias) {
  // 1x3 kernel [1, 1, 1] with pads 1: y[i] = x[i-1] + x[i] + x[i+1] + bias 2^-30.
  Attributes a = ints("pads", {0, 1, 0, 1});
  const OneNode n(
      "Conv", f32({1, 1, 1, 3}, {}),
      {{"w", f32({1, 1, 1, 3}, {1, 1, 1})}, {"b", f32({1}, {static_cast<float>(kTiny)})}}, a);
  const std::vector<double> y = n.run64(f32({1, 1, 1, 3}, {1, 2, 4}));
  EXPECT_EQ(y, (std::vector<double>{3 + kTiny, 7 + kTiny, 6 + kTiny}));
}

TEST(ExecutorFloat64, DepthwiseConv) {
  // Two channels, group 2, 2x1 kernels: channel 0 [1, 2^-30], channel 1 [2^-30, 1].
  Attributes a;
  a.set("group", int64_t{2});
  const OneNode n(
      "Conv", f32({1, 2, 2, 1}, {}),
      {{"w", f32({2, 1, 2, 1}, {1, static_cast<float>(kTiny), static_cast<float>(kTiny), 1})}}, a);
  EXPECT_EQ(n.run64(f32({1, 2, 2, 1}, {1, 1, 2, 1})),
            (std::vector<double>{1 + kTiny, 1 + 2 * kTiny}));
}

TEST(ExecutorFloat64, MatMulAndGemm) {
  const OneNode mm("MatMul", f32({1, 2}, {}), {{"w", f32({2, 1}, {1, 1})}});
  EXPECT_EQ(mm.run64(f32({1, 2}, {1, static_cast<float>(kTiny)})),
            (std::vector<double>{1 + kTiny}));
  const OneNode gemm("Gemm", f32({1, 2}, {}),
                     {{"w", f32({2, 1}, {1, 3})}, {"c", f32({1}, {static_cast<float>(kTiny)})}});
  EXPECT_EQ(gemm.run64(f32({1, 2}, {1, 1})), (std::vector<double>{4 + kTiny}));
}

TEST(ExecutorFloat64, AveragePoolAndMeans) {
  Attributes a = ints("kernel_shape", {1, 2});
  a.set("strides", std::vector<int64_t>{1, 2});
  const Tensor x = f32({1, 1, 1, 2}, {1, static_cast<float>(2 * kTiny)});
  EXPECT_EQ(OneNode("AveragePool", x, {}, a).run64(x), (std::vector<double>{0.5 + kTiny}));
  EXPECT_EQ(OneNode("GlobalAveragePool", x, {}).run64(x), (std::vector<double>{0.5 + kTiny}));
  Attributes mp = ints("kernel_shape", {1, 2});
  EXPECT_EQ(OneNode("MaxPool", x, {}, mp).run64(x), (std::vector<double>{1}));
}

TEST(ExecutorFloat64, BatchNormalization) {
  // y = x * scale / sqrt(var + eps) + bias - mean * ...; with var 1, eps 0, mean 0: x + 2^-30.
  Attributes a;
  a.set("epsilon", 0.0f);
  const OneNode n("BatchNormalization", f32({1, 1, 1, 1}, {}),
                  {{"scale", f32({1}, {1})},
                   {"bias", f32({1}, {static_cast<float>(kTiny)})},
                   {"mean", f32({1}, {0})},
                   {"var", f32({1}, {1})}},
                  a);
  EXPECT_EQ(n.run64(f32({1, 1, 1, 1}, {1})), (std::vector<double>{1 + kTiny}));
}

TEST(ExecutorFloat64, LinearResizeMidpoint) {
  // Half-pixel x2 of [1, 1 + 2^-23]: the inner cells are 3/4 and 1/4 blends, 1 + 2^-25 and
  // 1 + 3 * 2^-25, neither representable in float32.
  Attributes a;
  a.set("mode", std::string("linear"));
  const OneNode n("Resize", f32({1, 1, 1, 2}, {}),
                  {{"roi", Tensor()}, {"scales", f32({4}, {1, 1, 1, 2})}}, a);
  const double e = std::ldexp(1.0, -23), q = std::ldexp(1.0, -25);
  EXPECT_EQ(n.run64(f32({1, 1, 1, 2}, {1, static_cast<float>(1 + e)})),
            (std::vector<double>{1, 1 + q, 1 + 3 * q, 1 + e}));
}

TEST(ExecutorFloat64, CastToFloat32KeepsDoublePrecision) {
  // x + 2^-30, then Cast to float32, then + 0: the Cast must not round in the judge's run.
  Graph g;
  Value& v = g.add_value("x");
  v.dtype = DType::Float32;
  v.shape = Shape::from_sizes({1});
  g.inputs.push_back("x");
  g.add_constant("t", f32({1}, {static_cast<float>(kTiny)}));
  g.add_constant("z", f32({1}, {0}));
  Attributes to;
  to.set("to", std::string("float32"));
  g.nodes.push_back(Node{"add", "Add", {"x", "t"}, {"s"}, {}});
  g.nodes.push_back(Node{"cast", "Cast", {"s"}, {"c"}, to});
  g.nodes.push_back(Node{"add0", "Add", {"c", "z"}, {"y"}, {}});
  g.outputs.push_back("y");
  infer_shapes(g);
  RunOptions o;
  o.float64 = true;
  const Tensor y = run_graph(g, {{"x", f32({1}, {1})}}, o).at("y");
  ASSERT_EQ(y.dtype(), DType::Float64);
  EXPECT_EQ(y.values<double>()[0], 1 + kTiny);
}

Metrics m(double snr, double rel) {
  Metrics x;
  x.snr_db = snr;
  x.max_rel = rel;
  return x;
}

TEST(Float64Judge, RuleClauses) {
  // max_rel <= 1e-5 against float64 is the plain verdict: pass whatever the SNRs (a one-value
  // output of 1.6e-7 that is 5e-8 off sits at 10 dB).
  const JudgeVerdict plain = judge_output(m(90, 3e-8), m(10, 5e-8));
  EXPECT_TRUE(plain.pass) << plain.rule;
  EXPECT_NE(plain.rule.find("plain verdict"), std::string::npos) << plain.rule;
  EXPECT_TRUE(judge_output(m(INFINITY, 0), m(200, 1e-5)).pass);
  // Beyond 1e-5: SNR within 3 dB of the source's and max_rel within 2x: pass.
  EXPECT_TRUE(judge_output(m(70, 3e-4), m(67.5, 5e-4)).pass);
  // SNR more than 3 dB below the source's: fail even within 2x.
  EXPECT_FALSE(judge_output(m(70, 3e-4), m(66.9, 2e-5)).pass);
  // max_rel beyond 2x the source's: fail.
  const JudgeVerdict far = judge_output(m(70, 3e-4), m(71, 6.1e-4));
  EXPECT_FALSE(far.pass);
  EXPECT_NE(far.rule.find("2x src"), std::string::npos) << far.rule;
  // The source at 103 dB or more: the target needs 100 dB even within the 3 dB margin.
  EXPECT_TRUE(judge_output(m(103, 2e-5), m(100, 2e-5)).pass);
  EXPECT_FALSE(judge_output(m(103, 2e-5), m(99.9, 2e-5)).pass);
  // An exact source (inf dB, max_rel 0) leaves nothing beyond 1e-5 to allow.
  EXPECT_FALSE(judge_output(m(INFINITY, 0), m(200, 2e-5)).pass);
}

}  // namespace
}  // namespace nnport
