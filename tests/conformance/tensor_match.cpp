#include "tensor_match.h"

#include <cmath>
#include <vector>

#include <fmt/format.h>

#include "ir/shape.h"

namespace nnport::conformance {

namespace {

std::vector<double> as_doubles(const Tensor& tensor) {
  if (tensor.dtype() == DType::Float64) {
    auto values = tensor.values<double>();
    return {values.begin(), values.end()};
  }
  std::vector<float> floats = tensor.to_float_vector();
  return {floats.begin(), floats.end()};
}

MatchResult match_floats(const Tensor& expected, const Tensor& actual, const Tolerance& tol) {
  const std::vector<double> want = as_doubles(expected);
  const std::vector<double> got = as_doubles(actual);
  int64_t bad = 0;
  size_t worst = 0;
  double worst_excess = -1;
  for (size_t i = 0; i < want.size(); ++i) {
    const double w = want[i], g = got[i];
    if (std::isnan(w) && std::isnan(g)) continue;
    if (std::isinf(w) || std::isinf(g)) {
      if (w == g) continue;
    } else if (std::abs(g - w) <= tol.atol + tol.rtol * std::abs(w)) {
      continue;
    }
    ++bad;
    const double excess = std::isnan(w - g) || std::isinf(w - g)
                              ? INFINITY
                              : std::abs(g - w) - tol.rtol * std::abs(w);
    if (excess > worst_excess) {
      worst_excess = excess;
      worst = i;
    }
  }
  if (bad == 0) return {};
  return {false, fmt::format("{} of {} elements outside rtol {:g} atol {:g}; worst at flat index "
                             "{}: expected {:.9g}, got {:.9g}",
                             bad, want.size(), tol.rtol, tol.atol, worst, want[worst], got[worst])};
}

template <typename T>
MatchResult match_exact_as(const Tensor& expected, const Tensor& actual) {
  auto want = expected.values<T>();
  auto got = actual.values<T>();
  int64_t bad = 0;
  size_t first = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    if (want[i] == got[i]) continue;
    if (bad++ == 0) first = i;
  }
  if (bad == 0) return {};
  return {false, fmt::format("{} of {} elements differ; first at flat index {}: expected {}, "
                             "got {}",
                             bad, want.size(), first, want[first], got[first])};
}

}  // namespace

MatchResult match_tensor(const Tensor& expected, const Tensor& actual, const Tolerance& tolerance) {
  if (expected.dtype() != actual.dtype())
    return {false, fmt::format("dtype {} expected, got {}", dtype_name(expected.dtype()),
                               dtype_name(actual.dtype()))};
  if (expected.dims() != actual.dims())
    return {false, fmt::format("shape {} expected, got {}", sizes_to_string(expected.dims()),
                               sizes_to_string(actual.dims()))};
  switch (expected.dtype()) {
    case DType::Float32:
    case DType::Float16:
    case DType::BFloat16:
    case DType::Float64:
      return match_floats(expected, actual, tolerance);
    case DType::Bool:
      return match_exact_as<bool>(expected, actual);
    case DType::UInt64:
      return match_exact_as<uint64_t>(expected, actual);
    case DType::Int8:
    case DType::UInt8:
    case DType::Int16:
    case DType::UInt16:
    case DType::Int32:
    case DType::UInt32:
    case DType::Int64: {
      const std::vector<int64_t> want = expected.to_int64_vector();
      const std::vector<int64_t> got = actual.to_int64_vector();
      for (size_t i = 0; i < want.size(); ++i)
        if (want[i] != got[i])
          return {false, fmt::format("integers differ; first at flat index {}: expected {}, got {}",
                                     i, want[i], got[i])};
      return {};
    }
    default:
      return {false, fmt::format("cannot compare dtype {}", dtype_name(expected.dtype()))};
  }
}

}  // namespace nnport::conformance
