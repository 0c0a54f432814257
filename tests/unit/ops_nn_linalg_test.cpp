// Gemm and MatMul: hand-computed products, transposes, C broadcasting, numpy matmul rules.
#include "ir/error.h"
#include "ops_nn_test_util.h"

namespace nnport {
namespace {

using namespace ops_nn_test;

// A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: A*B = [[4,5],[10,11]].
const Tensor kA = floats({2, 3}, {1, 2, 3, 4, 5, 6});
const Tensor kAT = floats({3, 2}, {1, 4, 2, 5, 3, 6});
const Tensor kB = floats({3, 2}, {1, 0, 0, 1, 1, 1});
const Tensor kBT = floats({2, 3}, {1, 0, 1, 0, 1, 1});

struct GemmCase {
  bool trans_a, trans_b;
  float alpha, beta;
  Tensor c;  // empty: no C
  std::vector<float> want;
  std::string str() const {
    return "transA=" + std::to_string(trans_a) + " transB=" + std::to_string(trans_b) +
           " alpha=" + std::to_string(alpha) + " beta=" + std::to_string(beta) +
           " C=" + (c.empty() ? std::string("none") : join(c.dims()));
  }
};

TEST(OpsNnGemm, TransposesScalesAndBroadcastC) {
  const std::vector<GemmCase> cases = {
      {false, false, 1, 1, Tensor(), {4, 5, 10, 11}},
      {true, false, 1, 1, Tensor(), {4, 5, 10, 11}},
      {false, true, 1, 1, Tensor(), {4, 5, 10, 11}},
      {true, true, 2, 1, Tensor(), {8, 10, 20, 22}},
      {false, false, 2, 0.5f, floats({2}, {1, 2}), {8.5f, 11, 20.5f, 23}},
      {false, false, 1, 2, floats({2, 1}, {1, -1}), {6, 7, 8, 9}},
      {false, false, 1, 1, floats({}, {100}), {104, 105, 110, 111}},
      {false, false, 1, 1, floats({2, 2}, {1, 2, 3, 4}), {5, 7, 13, 15}},
      {false, false, 1, 0, floats({2, 2}, {1, 2, 3, 4}), {4, 5, 10, 11}},
  };
  for (const GemmCase& c : cases) {
    SCOPED_TRACE(c.str());
    Attributes attrs;
    attrs.set("transA", int64_t{c.trans_a});
    attrs.set("transB", int64_t{c.trans_b});
    attrs.set("alpha", c.alpha);
    attrs.set("beta", c.beta);
    NodeInputs in{{c.trans_a ? kAT : kA, c.trans_b ? kBT : kB}};
    if (!c.c.empty()) in.tensors.push_back(c.c);
    expect_close(run_node("Gemm", in, attrs)[0], {2, 2}, c.want);
  }
}

TEST(OpsNnGemm, MismatchedInnerDimIsAModelError) {
  EXPECT_THROW(run_node("Gemm", {{kA, kBT}}, {}), Error);
}

TEST(OpsNnMatMul, VectorOperandsArePromotedAndDropped) {
  const Tensor v3 = floats({3}, {1, 2, 3});
  expect_close(run_node("MatMul", {{v3, floats({3}, {4, 5, 6})}}, {})[0], {}, {32});
  expect_close(run_node("MatMul", {{floats({2}, {1, 2}), kBT}}, {})[0], {3}, {1, 2, 3});
  expect_close(run_node("MatMul", {{kA, v3}}, {})[0], {2}, {14, 32});
  expect_close(run_node("MatMul", {{kA, kB}}, {})[0], {2, 2}, {4, 5, 10, 11});
}

// Random batched cases against a direct triple loop with numpy broadcasting of batch dims.
TEST(OpsNnMatMul, BatchBroadcastMatchesDirectLoops) {
  struct Case {
    std::vector<int64_t> a, b, out;
  };
  const std::vector<Case> cases = {
      {{2, 1, 2, 3}, {3, 3, 2}, {2, 3, 2, 2}},
      {{4, 5, 3}, {3, 6}, {4, 5, 6}},  // shared B: one tall product
      {{3, 4}, {2, 4, 5}, {2, 3, 5}},  // shared A
      {{2, 3, 4}, {2, 4, 1}, {2, 3, 1}},
      {{1, 2, 3}, {4, 1, 3, 2}, {4, 1, 2, 2}},
  };
  std::mt19937 rng(11);
  for (const Case& c : cases) {
    SCOPED_TRACE("A=" + join(c.a) + " B=" + join(c.b));
    const Tensor a = random_tensor(c.a, rng), b = random_tensor(c.b, rng);
    const size_t r = c.out.size();
    const int64_t m = c.out[r - 2], n = c.out[r - 1], k = c.a.back();
    std::vector<float> want;
    const int64_t batches = product_of(c.out) / (m * n);
    // Offset of a batch index (over the output batch dims) in an operand with broadcasting.
    const auto offset = [&](const std::vector<int64_t>& dims, int64_t batch) {
      int64_t off = 0, stride = dims[dims.size() - 2] * dims.back();
      for (size_t i = 0; i + 2 < r; ++i) {
        const size_t axis = r - 3 - i;  // walk output batch axes from the last
        const int64_t index = batch % c.out[axis];
        batch /= c.out[axis];
        const int64_t own = static_cast<int64_t>(dims.size()) - 3 - static_cast<int64_t>(i);
        if (own < 0) continue;
        if (dims[own] != 1) off += index * stride;
        stride *= dims[own];
      }
      return off;
    };
    for (int64_t bi = 0; bi < batches; ++bi)
      for (int64_t i = 0; i < m; ++i)
        for (int64_t j = 0; j < n; ++j) {
          double sum = 0;
          for (int64_t t = 0; t < k; ++t)
            sum += double(a.data<float>()[offset(c.a, bi) + i * k + t]) *
                   b.data<float>()[offset(c.b, bi) + t * n + j];
          want.push_back(static_cast<float>(sum));
        }
    expect_close(run_node("MatMul", {{a, b}}, {})[0], c.out, want, 1e-5f, 1e-5f);
  }
}

TEST(OpsNnMatMul, IncompatibleBatchIsAModelError) {
  std::mt19937 rng(1);
  EXPECT_THROW(
      run_node("MatMul", {{random_tensor({2, 2, 3}, rng), random_tensor({3, 3, 2}, rng)}}, {}),
      Error);
}

}  // namespace
}  // namespace nnport
