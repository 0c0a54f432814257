#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "compare/metrics.h"
#include "ir/error.h"

namespace nnport {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

Tensor floats(const std::vector<float>& v) {
  return Tensor::from_vector<float>({static_cast<int64_t>(v.size())}, v);
}

TEST(Metrics, HandComputedSmallCase) {
  // r = [1 2 3 4], o = [1 2 3 5]: one error of 1 at the largest value.
  const Metrics m = compute_metrics(floats({1, 2, 3, 4}), floats({1, 2, 3, 5}));
  EXPECT_EQ(m.count, 4);
  EXPECT_DOUBLE_EQ(m.max_abs, 1.0);
  EXPECT_DOUBLE_EQ(m.max_rel, 0.2);  // 1 / max(1, 4, 5)
  EXPECT_DOUBLE_EQ(m.l1_sum, 1.0);
  EXPECT_DOUBLE_EQ(m.l1_mean, 0.25);
  EXPECT_NEAR(m.snr_db, 14.7712125, 1e-6);   // 10 log10(30 / 1)
  EXPECT_NEAR(m.psnr_db, 18.0617997, 1e-6);  // 10 log10(16 / 0.25)
  EXPECT_NEAR(m.cosine, 34.0 / std::sqrt(30.0 * 39.0), 1e-12);
}

TEST(Metrics, ComparesPositionByPositionNotSortedValues) {
  // Same multiset of values, different order: a sorted comparison would call this identical.
  const Metrics m = compute_metrics(floats({1, 2}), floats({2, 1}));
  EXPECT_DOUBLE_EQ(m.max_abs, 1.0);
  EXPECT_NEAR(m.snr_db, 10 * std::log10(5.0 / 2.0), 1e-9);
}

TEST(Metrics, IdenticalOutputsAreInfinite) {
  const Metrics m = compute_metrics(floats({0.5f, -3}), floats({0.5f, -3}));
  EXPECT_EQ(m.max_abs, 0);
  EXPECT_EQ(m.snr_db, kInf);
  EXPECT_EQ(m.psnr_db, kInf);
  EXPECT_DOUBLE_EQ(m.cosine, 1.0);
  EXPECT_EQ(format_db(m.snr_db), "inf");
}

TEST(Metrics, ZeroReferenceGivesMinusInfinityNotADivisionByZero) {
  const Metrics m = compute_metrics(floats({0, 0}), floats({0, 0.5f}));
  EXPECT_DOUBLE_EQ(m.max_abs, 0.5);
  EXPECT_DOUBLE_EQ(m.max_rel, 0.5);  // relative to max(1, ...), so small values stay absolute
  EXPECT_EQ(m.snr_db, -kInf);
  EXPECT_EQ(m.psnr_db, -kInf);
  EXPECT_EQ(m.cosine, 0);
  EXPECT_EQ(format_db(m.snr_db), "-inf");
}

TEST(Metrics, AllZeroAndEmptyTensorsAreIdentical) {
  const Metrics zeros = compute_metrics(floats({0, 0}), floats({0, 0}));
  EXPECT_EQ(zeros.snr_db, kInf);
  EXPECT_EQ(zeros.cosine, 1);
  const Metrics empty = compute_metrics(floats({}), floats({}));
  EXPECT_EQ(empty.count, 0);
  EXPECT_EQ(empty.snr_db, kInf);
  EXPECT_EQ(empty.l1_mean, 0);
}

TEST(Metrics, NaNAgainstANumberIsAnInfiniteError) {
  const Metrics m = compute_metrics(floats({1, 2}), floats({1, static_cast<float>(kNaN)}));
  EXPECT_EQ(m.max_abs, kInf);
  EXPECT_EQ(m.max_rel, kInf);
  const Metrics both =
      compute_metrics(floats({static_cast<float>(kNaN), static_cast<float>(kInf)}),
                      floats({static_cast<float>(kNaN), static_cast<float>(kInf)}));
  EXPECT_EQ(both.max_abs, 0);
}

TEST(Metrics, MixedDtypesCompareByValue) {
  const Tensor ints = Tensor::from_vector<int64_t>({2}, {3, -1});
  const Tensor doubles = Tensor::from_vector<double>({2}, {3.0, -1.5});
  const Metrics m = compute_metrics(ints, doubles);
  EXPECT_DOUBLE_EQ(m.max_abs, 0.5);
  EXPECT_DOUBLE_EQ(m.max_rel, 0.5 / 1.5);
}

TEST(Metrics, ShapeMismatchIsAModelError) {
  const Tensor a = Tensor::from_vector<float>({2, 1}, {1, 2});
  const Tensor b = Tensor::from_vector<float>({1, 2}, {1, 2});
  EXPECT_THROW(compute_metrics(a, b), Error);
}

TEST(Metrics, FormatsDecibels) {
  EXPECT_EQ(format_db(123.456), "123.5");
  EXPECT_EQ(format_db(kInf), "inf");
  EXPECT_EQ(format_db(kNaN), "nan");
}

TEST(Metrics, TableAlignsColumnsAndPrintsInf) {
  std::vector<MetricsRow> rows;
  rows.push_back({"prob", "1x10", compute_metrics(floats({1, 2}), floats({1, 2}))});
  rows.push_back(
      {"logits_long_name", "1x2", compute_metrics(floats({1, 2, 3, 4}), floats({1, 2, 3, 5}))});
  const std::string table = format_metrics_table(rows);
  const std::string expected =
      "output            shape    max_abs    max_rel    l1_mean  snr_db  psnr_db       cosine\n"
      "prob              1x10           0          0          0     inf      inf  1.000000000\n"
      "logits_long_name  1x2    1.000e+00  2.000e-01  2.500e-01    14.8     18.1  0.993999089\n";
  EXPECT_EQ(table, expected) << table;
}

}  // namespace
}  // namespace nnport
