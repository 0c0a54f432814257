// Per-op downgrades (downgrade_ops.cpp, downgrade_pool.cpp, downgrade_resize.cpp) and the
// helpers they share. Each rewrites `node` in place into the target opset's form; it may emit
// helper nodes (which run before `node`) through the context.
#pragma once

#include "formats/onnx/downgrade.h"
#include "ir/ops/spatial.h"

namespace nnport::onnx_format {

// Moves constant input `index` to an ints attribute (nothing when the input is absent).
void input_to_ints_attr(Node& node, size_t index, const char* attr, DowngradeContext& ctx);
// Drops input `index` and any now-trailing omitted inputs.
void drop_input(Node& node, size_t index);
// Rank of input `index` when known, else a node-named error giving `why`.
int64_t require_rank(const Node& node, size_t index, DowngradeContext& ctx, const char* why);

void downgrade_window_pads(Node& node, DowngradeContext& ctx);  // Conv, ConvTranspose, pools
void downgrade_pool(Node& node, DowngradeContext& ctx);
// Pool pads >= kernel_shape (ONNX Runtime refuses them): the excess as an explicit Pad.
void legalize_pool_pads(Node& node, DowngradeContext& ctx);
// IR rounding ceil_all whose last window starts in the end padding (ONNX's ceil drops it): the
// end padding explicit, floor rounding, and a divisor map for averages. `in`: spatial sizes.
void pad_end_for_ceil_all(Node& node, const std::vector<int64_t>& in, std::vector<int64_t> strides,
                          std::vector<int64_t> dilations, AvgDivisor divisor,
                          DowngradeContext& ctx);
void downgrade_resize(Node& node, DowngradeContext& ctx);
void downgrade_softmax(Node& node, DowngradeContext& ctx);
void downgrade_split(Node& node, DowngradeContext& ctx);
void downgrade_pad(Node& node, DowngradeContext& ctx);
void downgrade_clip(Node& node, DowngradeContext& ctx);
void downgrade_dropout(Node& node, DowngradeContext& ctx);
void downgrade_reduce(Node& node, DowngradeContext& ctx, int axes_input_since);
void downgrade_gemm(Node& node, DowngradeContext& ctx);
void check_lrn(const Node& node);  // what ONNX Runtime requires of LRN to load it

}  // namespace nnport::onnx_format
