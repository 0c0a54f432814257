#include "compare/metrics.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/error.h"

namespace nnport {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

template <typename T>
void append_as_double(const Tensor& t, std::vector<double>& out) {
  for (T v : t.values<T>())
    out.push_back(static_cast<double>(v));
}

// Every numeric dtype widened to double (exact for all but int64/uint64 beyond 2^53, which no
// comparison of network outputs meets).
std::vector<double> to_doubles(const Tensor& t) {
  std::vector<double> out;
  out.reserve(static_cast<size_t>(t.element_count()));
  switch (t.dtype()) {
    case DType::Float64:
      append_as_double<double>(t, out);
      break;
    case DType::Int8:
      append_as_double<int8_t>(t, out);
      break;
    case DType::UInt8:
      append_as_double<uint8_t>(t, out);
      break;
    case DType::Int16:
      append_as_double<int16_t>(t, out);
      break;
    case DType::UInt16:
      append_as_double<uint16_t>(t, out);
      break;
    case DType::Int32:
      append_as_double<int32_t>(t, out);
      break;
    case DType::UInt32:
      append_as_double<uint32_t>(t, out);
      break;
    case DType::Int64:
      append_as_double<int64_t>(t, out);
      break;
    case DType::UInt64:
      append_as_double<uint64_t>(t, out);
      break;
    case DType::Bool:
      append_as_double<bool>(t, out);
      break;
    case DType::Float32:
    case DType::Float16:
    case DType::BFloat16:
      for (float v : t.to_float_vector())
        out.push_back(v);
      break;
    default:
      model_error("cannot compare {} tensors", dtype_name(t.dtype()));
  }
  return out;
}

// |r - o| where equal infinities and two NaNs count as agreement and a NaN against a number
// counts as an infinite error (a NaN must never hide inside a max).
double abs_difference(double r, double o) {
  if (r == o) return 0;
  if (std::isnan(r) && std::isnan(o)) return 0;
  const double d = std::fabs(r - o);
  return std::isnan(d) ? kInf : d;
}

// 10 log10(signal / noise) with the limits spelled out: no noise is +inf (identical outputs),
// noise on a zero signal is -inf.
double ratio_db(double signal, double noise) {
  if (noise == 0) return kInf;
  if (signal == 0) return -kInf;
  return 10.0 * std::log10(signal / noise);
}

}  // namespace

Metrics compute_metrics(const Tensor& reference, const Tensor& output) {
  if (reference.dims() != output.dims())
    model_error("cannot compare shapes {} and {}", sizes_to_string(reference.dims()),
                sizes_to_string(output.dims()));
  const std::vector<double> r = to_doubles(reference);
  const std::vector<double> o = to_doubles(output);

  Metrics m;
  m.count = static_cast<int64_t>(r.size());
  double sum_r2 = 0, sum_o2 = 0, sum_ro = 0, sum_d2 = 0, max_r2 = 0;
  for (size_t i = 0; i < r.size(); ++i) {
    const double d = abs_difference(r[i], o[i]);
    m.max_abs = std::max(m.max_abs, d);
    const double scale = std::max({1.0, std::fabs(r[i]), std::fabs(o[i])});
    m.max_rel = std::max(m.max_rel, std::isinf(d) ? kInf : d / scale);
    m.l1_sum += d;
    sum_d2 += d * d;
    sum_r2 += r[i] * r[i];
    sum_o2 += o[i] * o[i];
    sum_ro += r[i] * o[i];
    max_r2 = std::max(max_r2, r[i] * r[i]);
  }
  const double n = std::max<double>(1, static_cast<double>(r.size()));
  m.l1_mean = m.l1_sum / n;
  m.snr_db = ratio_db(sum_r2, sum_d2);
  m.psnr_db = ratio_db(max_r2, sum_d2 / n);
  // Two all-zero (or empty) tensors are identical; one zero vector against a non-zero one has
  // no direction in common.
  if (sum_r2 == 0 && sum_o2 == 0)
    m.cosine = 1;
  else if (sum_r2 == 0 || sum_o2 == 0)
    m.cosine = 0;
  else
    m.cosine = sum_ro / (std::sqrt(sum_r2) * std::sqrt(sum_o2));
  return m;
}

std::string format_db(double db) {
  if (std::isnan(db)) return "nan";
  if (std::isinf(db)) return db > 0 ? "inf" : "-inf";
  return fmt::format("{:.1f}", db);
}

namespace {

std::string format_error(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return "inf";
  if (value == 0) return "0";
  return fmt::format("{:.3e}", value);
}

}  // namespace

std::string format_metrics_table(const std::vector<MetricsRow>& rows) {
  const std::vector<std::string> header = {"output",  "shape",  "max_abs", "max_rel",
                                           "l1_mean", "snr_db", "psnr_db", "cosine"};
  std::vector<std::vector<std::string>> cells = {header};
  for (const MetricsRow& row : rows) {
    const Metrics& m = row.metrics;
    cells.push_back({row.name, row.shape, format_error(m.max_abs), format_error(m.max_rel),
                     format_error(m.l1_mean), format_db(m.snr_db), format_db(m.psnr_db),
                     std::isnan(m.cosine) ? "nan" : fmt::format("{:.9f}", m.cosine)});
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& line : cells)
    for (size_t c = 0; c < line.size(); ++c)
      widths[c] = std::max(widths[c], line[c].size());

  // Names and shapes left-aligned, numbers right-aligned, so columns of digits line up.
  std::string out;
  for (const auto& line : cells) {
    std::string text;
    for (size_t c = 0; c < line.size(); ++c) {
      if (c) text += "  ";
      text += c < 2 ? fmt::format("{:<{}}", line[c], widths[c])
                    : fmt::format("{:>{}}", line[c], widths[c]);
    }
    while (!text.empty() && text.back() == ' ')
      text.pop_back();
    out += text + "\n";
  }
  return out;
}

}  // namespace nnport
