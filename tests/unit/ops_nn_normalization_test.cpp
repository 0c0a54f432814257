// BatchNormalization, InstanceNormalization and LRN on hand-computed tiny tensors.
#include <cmath>

#include "ir/error.h"
#include "ops_nn_test_util.h"

namespace nnport {
namespace {

using namespace ops_nn_test;

TEST(OpsNnBatchNorm, PerChannelAffine) {
  // Channel 0: (x - 1) / sqrt(4) * 1 + 0; channel 1: (x - 3) / sqrt(0.25) * 2 + 1.
  Attributes attrs;
  attrs.set("epsilon", 0.0f);
  const auto y = run_node("BatchNormalization",
                          {{floats({1, 2, 1, 2}, {1, 2, 3, 4}), floats({2}, {1, 2}),
                            floats({2}, {0, 1}), floats({2}, {1, 3}), floats({2}, {4, 0.25f})}},
                          attrs);
  expect_close(y[0], {1, 2, 1, 2}, {0, 0.5f, 1, 5});
}

TEST(OpsNnBatchNorm, EpsilonIsAddedToTheVariance) {
  Attributes attrs;
  attrs.set("epsilon", 0.5f);
  const auto y = run_node("BatchNormalization",
                          {{floats({2, 1}, {2, -2}), floats({1}, {1}), floats({1}, {0}),
                            floats({1}, {0}), floats({1}, {3.5f})}},
                          attrs);
  expect_close(y[0], {2, 1}, {1, -1});
}

TEST(OpsNnBatchNorm, TrainingModeIsRefused) {
  Attributes attrs;
  attrs.set("training_mode", int64_t{1});
  const Tensor p = floats({1}, {1});
  EXPECT_THROW(run_node("BatchNormalization", {{floats({1, 1, 2}, {1, 2}), p, p, p, p}}, attrs),
               Error);
}

TEST(OpsNnInstanceNorm, NormalisesEachPlane) {
  // Plane [1, 2, 3, 4]: mean 2.5, biased variance 1.25; scale 2, bias 1.
  Attributes attrs;
  attrs.set("epsilon", 0.0f);
  const auto y =
      run_node("InstanceNormalization",
               {{floats({1, 1, 4}, {1, 2, 3, 4}), floats({1}, {2}), floats({1}, {1})}}, attrs);
  const float s = 2.0f / std::sqrt(1.25f);
  expect_close(y[0], {1, 1, 4}, {1 - 1.5f * s, 1 - 0.5f * s, 1 + 0.5f * s, 1 + 1.5f * s});
}

TEST(OpsNnLrn, ChannelWindowIsAsymmetricForEvenSizes) {
  // size 2: channel c sums c and c + 1. Square sums 5, 13, 9; y = x / (1 + 1/2 * sum)^1.
  Attributes attrs;
  attrs.set("size", int64_t{2});
  attrs.set("alpha", 1.0f);
  attrs.set("beta", 1.0f);
  const auto y = run_node("LRN", {{floats({1, 3, 1, 1}, {1, 2, 3})}}, attrs);
  expect_close(y[0], {1, 3, 1, 1}, {1 / 3.5f, 2 / 7.5f, 3 / 5.5f});
}

TEST(OpsNnLrn, OddSizeWithDefaults) {
  // size 3: channel c sums c-1..c+1; defaults alpha 1e-4, beta 0.75, bias 1.
  Attributes attrs;
  attrs.set("size", int64_t{3});
  const auto y = run_node("LRN", {{floats({1, 3, 1, 1}, {1, 2, 3})}}, attrs);
  const auto f = [](float x, float sum) { return x / std::pow(1 + 1e-4f / 3 * sum, 0.75f); };
  expect_close(y[0], {1, 3, 1, 1}, {f(1, 5), f(2, 14), f(3, 13)});
}

}  // namespace
}  // namespace nnport
