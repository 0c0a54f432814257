#include "ir/ops/spatial.h"

#include <algorithm>
#include <cstdlib>

#include "ir/error.h"

namespace nnport {

AutoPad parse_auto_pad(const std::string& text) {
  if (text == "NOTSET" || text.empty()) return AutoPad::NotSet;
  if (text == "SAME_UPPER") return AutoPad::SameUpper;
  if (text == "SAME_LOWER") return AutoPad::SameLower;
  if (text == "VALID") return AutoPad::Valid;
  model_error("auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID", text);
}

Rounding parse_rounding(const std::string& text) {
  if (text == "floor") return Rounding::Floor;
  if (text == "ceil") return Rounding::Ceil;
  if (text == "ceil_all") return Rounding::CeilAll;
  model_error("rounding '{}' is not one of floor, ceil, ceil_all", text);
}

std::string rounding_name(Rounding r) {
  switch (r) {
    case Rounding::Floor:
      return "floor";
    case Rounding::Ceil:
      return "ceil";
    case Rounding::CeilAll:
      return "ceil_all";
  }
  return "?";
}

AvgDivisor parse_avg_divisor(const std::string& text) {
  if (text == "valid") return AvgDivisor::Valid;
  if (text == "padded") return AvgDivisor::Padded;
  if (text == "kernel") return AvgDivisor::Kernel;
  model_error("divisor '{}' is not one of valid, padded, kernel", text);
}

std::string avg_divisor_name(AvgDivisor d) {
  switch (d) {
    case AvgDivisor::Valid:
      return "valid";
    case AvgDivisor::Padded:
      return "padded";
    case AvgDivisor::Kernel:
      return "kernel";
  }
  return "?";
}

namespace {
void check_axis(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  if (in < 0) model_error("negative input size {}", in);
  if (k < 1) model_error("kernel size {} must be at least 1", k);
  if (s < 1) model_error("stride {} must be at least 1", s);
  if (d < 1) model_error("dilation {} must be at least 1", d);
  if (pb < 0 || pe < 0) model_error("negative padding ({}, {})", pb, pe);
  constexpr int64_t kLimit = int64_t{1} << 40;  // absurd sizes are rejected before arithmetic
  if (in > kLimit || k > kLimit || s > kLimit || d > kLimit || pb > kLimit || pe > kLimit)
    model_error("absurd spatial parameters (in {}, kernel {}, stride {}, dilation {}, pads {},{})",
                in, k, s, d, pb, pe);
}
}  // namespace

int64_t conv_output_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe) {
  return pool_output_size(in, k, s, d, pb, pe, Rounding::Floor);
}

int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe,
                         Rounding rounding) {
  check_axis(in, k, s, d, pb, pe);
  const int64_t ke = effective_kernel(k, d);
  const int64_t span = in + pb + pe - ke;
  if (span < 0)
    model_error("window of {} (kernel {}, dilation {}) does not fit input {} with pads {},{}", ke,
                k, d, in, pb, pe);
  if (rounding == Rounding::Floor) return span / s + 1;
  int64_t out = (span + s - 1) / s + 1;
  if (rounding == Rounding::Ceil && (out - 1) * s >= in + pb) --out;
  return out;
}

AxisPads same_pads(int64_t in, int64_t k, int64_t s, int64_t d, AutoPad mode) {
  check_axis(in, k, s, d, 0, 0);
  if (mode == AutoPad::Valid || mode == AutoPad::NotSet) return {};
  const int64_t out = (in + s - 1) / s;
  const int64_t ke = effective_kernel(k, d);
  const int64_t total = std::max<int64_t>((out - 1) * s + ke - in, 0);
  const int64_t small = total / 2;
  if (mode == AutoPad::SameUpper) return {small, total - small};
  return {total - small, small};
}

int64_t conv_transpose_output_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb,
                                   int64_t pe, int64_t output_padding) {
  // Pads may be negative here: an output_shape larger than the natural size extends the output.
  check_axis(in, k, s, d, std::abs(pb), std::abs(pe));
  if (output_padding < 0 || output_padding >= std::max(s, d))
    model_error("output_padding {} must be in [0, max(stride {}, dilation {}))", output_padding, s,
                d);
  const int64_t out = s * (in - 1) + output_padding + effective_kernel(k, d) - pb - pe;
  if (out < 1)
    model_error(
        "transposed convolution output size {} is not positive (input {}, kernel {}, "
        "stride {}, dilation {}, pads {},{})",
        out, in, k, s, d, pb, pe);
  return out;
}

AxisPads conv_transpose_pads(int64_t in, int64_t k, int64_t s, int64_t d, int64_t output_padding,
                             int64_t out, AutoPad mode) {
  check_axis(in, k, s, d, 0, 0);
  if (out < 1 || out > (int64_t{1} << 40)) model_error("absurd output size {}", out);
  const int64_t total = s * (in - 1) + output_padding + effective_kernel(k, d) - out;
  // Floor division, as the ONNX reference computes it: a negative total (an output larger than
  // the natural size) becomes a negative end pad, i.e. extra cells holding only the bias.
  const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
  if (mode == AutoPad::SameUpper) return {half, total - half};
  return {total - half, half};
}

std::vector<int64_t> normalize_pads(const std::vector<int64_t>& pads, size_t spatial) {
  if (pads.empty()) return std::vector<int64_t>(2 * spatial, 0);
  if (pads.size() != 2 * spatial)
    model_error("pads has {} values, expected {} (begin and end for {} spatial axes)", pads.size(),
                2 * spatial, spatial);
  for (int64_t p : pads)
    if (p < 0) model_error("negative pad {} (crop with Slice instead)", p);
  return pads;
}

}  // namespace nnport
