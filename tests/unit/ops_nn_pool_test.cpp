// Pooling: rounding modes and the ceil tail rule, average divisors, dilation, Indices output.
#include "ir/error.h"
#include "ops_nn_test_util.h"

namespace nnport {
namespace {

using namespace ops_nn_test;

struct PoolCase {
  std::string op;
  std::vector<int64_t> kernel, strides, pads;
  std::string rounding = "floor";
  std::string divisor = "valid";  // AveragePool only
  std::vector<int64_t> dilations = {};

  std::string str() const {
    return op + " kernel=" + join(kernel) + " strides=" + join(strides) + " pads=" + join(pads) +
           " rounding=" + rounding + (op == "AveragePool" ? " divisor=" + divisor : "") +
           " dilations=" + join(dilations);
  }
  Attributes attrs() const {
    Attributes a;
    a.set("kernel_shape", kernel);
    a.set("strides", strides);
    a.set("pads", pads);
    a.set("rounding", rounding);
    if (!dilations.empty()) a.set("dilations", dilations);
    if (op == "AveragePool") a.set("divisor", divisor);
    return a;
  }
};

const Tensor kRamp6 = floats({1, 1, 6}, {1, 2, 3, 4, 5, 6});

TEST(OpsNnPool, RoundingKeepsAPartialTailWindow) {
  // in 6, k 3, s 2: floor gives windows at 0, 2; ceil and ceil_all add one at 4 covering 4..6,
  // of which only 4 and 5 are real.
  for (const char* rounding : {"floor", "ceil", "ceil_all"}) {
    const PoolCase c{"MaxPool", {3}, {2}, {0, 0}, rounding};
    SCOPED_TRACE(c.str());
    const auto y = run_node("MaxPool", {{kRamp6}}, c.attrs());
    if (c.rounding == "floor")
      expect_close(y[0], {1, 1, 2}, {3, 5});
    else
      expect_close(y[0], {1, 1, 3}, {3, 5, 6});
  }
}

TEST(OpsNnPool, CeilDropsAWindowStartingInTheEndPadding) {
  // in 5, k 2, s 2, pads 1/1: ceil would add a window starting at cell 5 (all padding); "ceil"
  // drops it, "ceil_all" keeps it, which the kernel refuses since it has no real cell.
  const Tensor x = floats({1, 1, 5}, {1, 2, 3, 4, 5});
  PoolCase c{"MaxPool", {2}, {2}, {1, 1}, "ceil"};
  expect_close(run_node("MaxPool", {{x}}, c.attrs())[0], {1, 1, 3}, {1, 3, 5});
  c.rounding = "ceil_all";
  EXPECT_THROW(run_node("MaxPool", {{x}}, c.attrs()), Error) << c.str();
}

TEST(OpsNnPool, AverageDivisorsWithPaddingAndCeilTail) {
  // in 6, k 3, s 2, pads 1/1, ceil: windows start at -1, 1, 3, 5. The first covers one padded
  // cell; the last covers cell 5, the end pad (cell 6) and the ceil tail (cell 7).
  const std::vector<std::pair<std::string, std::vector<float>>> expected = {
      {"valid", {3.0f / 2, 3, 5, 6}},   // real cells: 2, 3, 3, 1
      {"padded", {3.0f / 3, 3, 5, 3}},  // cells in [-1, 7): 3, 3, 3, 2
      {"kernel", {3.0f / 3, 3, 5, 2}},  // always 3
  };
  for (const auto& [divisor, want] : expected) {
    const PoolCase c{"AveragePool", {3}, {2}, {1, 1}, "ceil", divisor};
    SCOPED_TRACE(c.str());
    expect_close(run_node("AveragePool", {{kRamp6}}, c.attrs())[0], {1, 1, 4}, want);
  }
}

TEST(OpsNnPool, AsymmetricPadsAndDilation) {
  // 2-D 4x4 ramp, k 2x2 dilated 2, pads (top 1, left 0, bottom 0, right 1), stride 1.
  // Output 3x3; the window at (i, j) reads rows i-1, i+1 and columns j, j+2 (clipped).
  std::vector<float> ramp(16);
  for (int i = 0; i < 16; ++i)
    ramp[i] = float(i);
  const Tensor x = floats({1, 1, 4, 4}, ramp);
  PoolCase c{"MaxPool", {2, 2}, {1, 1}, {1, 0, 0, 1}, "floor", "valid", {2, 2}};
  SCOPED_TRACE(c.str());
  expect_close(run_node("MaxPool", {{x}}, c.attrs())[0], {1, 1, 3, 3},
               {6, 7, 6, 10, 11, 10, 14, 15, 14});
  c.op = "AveragePool";
  // Row 0 reads only row 1: (0,0) cols 0,2 -> (4+6)/2 = 5; (0,2) col 2 only -> 6.
  expect_close(run_node("AveragePool", {{x}}, c.attrs())[0], {1, 1, 3, 3},
               {5, 6, 6, 5, 6, 6, 9, 10, 10});
}

TEST(OpsNnPool, MaxPoolIndicesRowAndColumnMajor) {
  const Tensor x = floats({1, 1, 3, 3}, {1, 5, 2, 7, 3, 9, 4, 8, 6});
  Attributes attrs;
  attrs.set("kernel_shape", std::vector<int64_t>{2, 2});
  auto y = run_node("MaxPool", {{x}}, attrs, 2);
  expect_close(y[0], {1, 1, 2, 2}, {7, 9, 8, 9});
  EXPECT_EQ(std::vector<int64_t>(y[1].values<int64_t>().begin(), y[1].values<int64_t>().end()),
            (std::vector<int64_t>{3, 5, 7, 5}));
  attrs.set("storage_order", int64_t{1});
  y = run_node("MaxPool", {{x}}, attrs, 2);
  EXPECT_EQ(std::vector<int64_t>(y[1].values<int64_t>().begin(), y[1].values<int64_t>().end()),
            (std::vector<int64_t>{1, 7, 5, 7}));
}

TEST(OpsNnPool, SameUpperAutoPadInKernel) {
  // in 5, k 2, s 2, SAME_UPPER: out 3, total pad 1 at the end; divisor valid excludes it.
  Attributes attrs;
  attrs.set("kernel_shape", std::vector<int64_t>{2});
  attrs.set("strides", std::vector<int64_t>{2});
  attrs.set("auto_pad", std::string("SAME_UPPER"));
  const Tensor x = floats({1, 1, 5}, {1, 2, 3, 4, 5});
  expect_close(run_node("AveragePool", {{x}}, attrs)[0], {1, 1, 3}, {1.5f, 3.5f, 5});
}

TEST(OpsNnPool, GlobalPools) {
  const Tensor x = floats({1, 2, 2, 2}, {1, 2, 3, 6, -1, -2, -3, -4});
  expect_close(run_node("GlobalAveragePool", {{x}}, {})[0], {1, 2, 1, 1}, {3, -2.5f});
  expect_close(run_node("GlobalMaxPool", {{x}}, {})[0], {1, 2, 1, 1}, {6, -1});
}

TEST(OpsNnPool, BadAttributesAreModelErrors) {
  Attributes attrs;
  attrs.set("kernel_shape", std::vector<int64_t>{2});
  attrs.set("divisor", std::string("sometimes"));
  EXPECT_THROW(run_node("AveragePool", {{kRamp6}}, attrs), Error);
  attrs.erase("divisor");
  attrs.set("rounding", std::string("round"));
  EXPECT_THROW(run_node("AveragePool", {{kRamp6}}, attrs), Error);
}

// Random 2-D cases against a direct loop over each clipped window.
TEST(OpsNnPool, RandomCasesMatchDirectLoops) {
  std::vector<PoolCase> cases;
  for (const char* op : {"MaxPool", "AveragePool"})
    for (const char* rounding : {"floor", "ceil"})
      for (const char* divisor : {"valid", "padded", "kernel"}) {
        cases.push_back({op, {3, 2}, {2, 3}, {1, 0, 2, 1}, rounding, divisor, {1, 2}});
        cases.push_back({op, {3, 3}, {2, 2}, {1, 1, 1, 1}, rounding, divisor, {}});
      }
  std::mt19937 rng(3);
  const Tensor x = random_tensor({2, 3, 9, 10}, rng);
  for (const PoolCase& c : cases) {
    SCOPED_TRACE(c.str());
    const std::vector<int64_t> d = c.dilations.empty() ? std::vector<int64_t>{1, 1} : c.dilations;
    int64_t out[2];
    for (int a = 0; a < 2; ++a) {
      const int64_t in = x.dims()[2 + a], ke = (c.kernel[a] - 1) * d[a] + 1;
      const int64_t span = in + c.pads[a] + c.pads[a + 2] - ke;
      out[a] = c.rounding == "floor" ? span / c.strides[a] + 1
                                     : (span + c.strides[a] - 1) / c.strides[a] + 1;
      if (c.rounding == "ceil" && (out[a] - 1) * c.strides[a] >= in + c.pads[a]) --out[a];
    }
    std::vector<float> want;
    for (int64_t p = 0; p < 6; ++p)
      for (int64_t oy = 0; oy < out[0]; ++oy)
        for (int64_t ox = 0; ox < out[1]; ++ox) {
          float best = -INFINITY, sum = 0;
          int64_t real = 0, padded = 0;
          for (int64_t ky = 0; ky < c.kernel[0]; ++ky)
            for (int64_t kx = 0; kx < c.kernel[1]; ++kx) {
              const int64_t iy = oy * c.strides[0] + ky * d[0] - c.pads[0];
              const int64_t ix = ox * c.strides[1] + kx * d[1] - c.pads[1];
              if (iy >= -c.pads[0] && iy < 9 + c.pads[2] && ix >= -c.pads[1] && ix < 10 + c.pads[3])
                ++padded;
              if (iy < 0 || iy >= 9 || ix < 0 || ix >= 10) continue;
              const float v = x.data<float>()[(p * 9 + iy) * 10 + ix];
              best = std::max(best, v);
              sum += v;
              ++real;
            }
          if (c.op == "MaxPool") {
            want.push_back(best);
          } else {
            const int64_t count = c.divisor == "valid"    ? real
                                  : c.divisor == "padded" ? padded
                                                          : c.kernel[0] * c.kernel[1];
            want.push_back(sum / float(count));
          }
        }
    expect_close(run_node(c.op, {{x}}, c.attrs())[0], {2, 3, out[0], out[1]}, want);
  }
}

}  // namespace
}  // namespace nnport
