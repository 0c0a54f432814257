// Output-size and padding arithmetic shared by the conv/pool schemas, the kernels and every
// reader and writer (SEMANTICS.md §1). One axis at a time.
//
// Notation: in = input size, k = kernel, s = stride, d = dilation, ke = (k-1)*d + 1,
// pb / pe = padding at the begin / end of the axis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nnport {

enum class AutoPad { NotSet, SameUpper, SameLower, Valid };
AutoPad parse_auto_pad(const std::string& text);  // model error on anything else

// How a pooling output size is rounded (attribute "rounding").
enum class Rounding {
  Floor,    // floor((in + pb + pe - ke) / s) + 1
  Ceil,     // ceil(...) + 1, minus one if the last window starts at or after in + pb
            // (PyTorch ceil_mode, Caffe with pad > 0)
  CeilAll,  // ceil(...) + 1 keeping every window (MXNet "full", Caffe with pad == 0)
};
Rounding parse_rounding(const std::string& text);
std::string rounding_name(Rounding r);

// Which cells an average pool divides by (attribute "divisor").
enum class AvgDivisor {
  Valid,   // real input cells in the window (TF, ONNX count_include_pad=0)
  Padded,  // cells of the window inside [-pb, in + pe) (Caffe, PyTorch/ONNX count_include_pad=1)
  Kernel,  // always the full kernel size
};
AvgDivisor parse_avg_divisor(const std::string& text);
std::string avg_divisor_name(AvgDivisor d);

inline int64_t effective_kernel(int64_t k, int64_t d) {
  return (k - 1) * d + 1;
}

// floor((in + pb + pe - ke) / s) + 1; model error when the window does not fit.
int64_t conv_output_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe);
int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe,
                         Rounding rounding);

struct AxisPads {
  int64_t begin = 0;
  int64_t end = 0;
};
// TF SAME / ONNX SAME_UPPER and SAME_LOWER: out = ceil(in / s), total = max((out-1)*s + ke - in, 0)
// with the odd pixel at the end (upper) or the begin (lower).
AxisPads same_pads(int64_t in, int64_t k, int64_t s, int64_t d, AutoPad mode);

// ConvTranspose: out = s*(in-1) + output_padding + ke - pb - pe; model error when not positive.
int64_t conv_transpose_output_size(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb,
                                   int64_t pe, int64_t output_padding);
// Pads that make ConvTranspose produce `out` (an explicit output_shape, or in*s for SAME_*).
// ONNX opset 11+: total = s*(in-1) + output_padding + ke - out; SAME_UPPER puts the odd pixel at
// the end, every other auto_pad (NOTSET included) at the begin. A negative total (out larger
// than the natural size) gives negative pads, split by floor division as the ONNX reference does.
AxisPads conv_transpose_pads(int64_t in, int64_t k, int64_t s, int64_t d, int64_t output_padding,
                             int64_t out, AutoPad mode);

// ONNX-style pads [x1_begin, x2_begin, ..., x1_end, x2_end] for `spatial` axes; empty = zeros.
// Checks the length and that no pad is negative.
std::vector<int64_t> normalize_pads(const std::vector<int64_t>& pads, size_t spatial);

}  // namespace nnport
