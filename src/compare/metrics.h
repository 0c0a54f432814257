// Output comparison metrics (SEMANTICS.md §6), computed position by position.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/tensor.h"

namespace nnport {

struct Metrics {
  int64_t count = 0;
  double max_abs = 0;    // max |r - o|
  double max_rel = 0;    // max |r - o| / max(1, |r|, |o|)
  double l1_mean = 0;    // sum |r - o| / n
  double l1_sum = 0;     // sum |r - o|
  double snr_db = 0;     // 10 log10(sum r^2 / sum (r - o)^2); +inf when identical
  double psnr_db = 0;    // 10 log10(max r^2 / mean (r - o)^2); +inf when identical
  double cosine = 0;     // sum r*o / (|r| |o|)
};

// Reference first. Shapes must match (model error otherwise); any numeric dtype.
Metrics compute_metrics(const Tensor& reference, const Tensor& output);

struct MetricsRow {
  std::string name;  // output name
  std::string shape;
  Metrics metrics;
};
// The table printed by compare / --validate; infinities print as "inf".
std::string format_metrics_table(const std::vector<MetricsRow>& rows);
std::string format_db(double db);  // "inf" or "123.4"

}  // namespace nnport
