// Shape inference shared by windowed ops (Conv, pools): resolves auto_pad when the input size
// is known and computes each spatial output size with the node's rounding.
#pragma once

#include <vector>

#include "ir/op_schema.h"
#include "ir/ops/spatial.h"

namespace nnport {

struct WindowParams {
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: begins then ends
  AutoPad auto_pad = AutoPad::NotSet;
  Rounding rounding = Rounding::Floor;
};

// Reads and checks kernel_shape/strides/dilations/pads/auto_pad/rounding for `spatial` axes.
// `kernel_override` is used when the op has no kernel_shape attribute (Conv: from the weight).
WindowParams read_window_params(const AttrReader& attrs, size_t spatial,
                                const std::vector<int64_t>& kernel_override = {});

// Explicit per-side pads for known input sizes (resolves auto_pad).
std::vector<int64_t> resolve_pads(const WindowParams& p, const std::vector<int64_t>& in_sizes);

// ConvTranspose geometry: the window attributes plus output_padding and output_shape (spatial
// sizes only; a leading N, C given by some exporters is dropped).
struct ConvTransposeParams {
  WindowParams window;
  std::vector<int64_t> output_padding;  // one per spatial axis, zeros when absent
  std::vector<int64_t> output_shape;    // empty when absent
};
ConvTransposeParams read_conv_transpose_params(const AttrReader& attrs, size_t spatial,
                                               const std::vector<int64_t>& kernel_override);

// Explicit per-side pads and output sizes for known input sizes. An output_shape (or SAME_*,
// which asks for in * stride) overrides the pads attribute, as in ONNX; pads derived from an
// output_shape larger than the natural size are negative.
struct ConvTransposeGeometry {
  std::vector<int64_t> pads;  // begins then ends
  std::vector<int64_t> out_sizes;
};
ConvTransposeGeometry resolve_conv_transpose(const ConvTransposeParams& p,
                                             const std::vector<int64_t>& in_sizes);

// Output shape N x C x out... ; channels_out < 0 keeps the input's channel dim.
Shape infer_window_output(const InferenceContext& ctx, const Shape& x, int64_t channels_out,
                          const std::vector<int64_t>& kernel_override = {});

}  // namespace nnport
