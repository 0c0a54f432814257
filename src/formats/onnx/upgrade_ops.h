// Upgrades of the ops whose meaning (not only their attribute placement) changed across ONNX
// opsets, and helpers shared by all upgrades (upgrade.cpp).
#pragma once

#include "formats/onnx/upgrade.h"

namespace nnport::onnx_format {

void set_input(Node& node, size_t index, std::string name);
// Moves an ints attribute to a 1-D int64 constant input at `index` (nothing when absent).
void move_ints_to_input(Node& node, const std::string& attr, size_t index, UpgradeContext& ctx);
// A scalar of a float dtype (Undefined counts as float32), for attributes that became inputs.
Tensor float_scalar(const Node& node, DType dtype, float value);

// ceil_mode -> rounding, count_include_pad -> divisor.
void upgrade_pool(Node& node);
// Opset < 13 Softmax/LogSoftmax/Hardmax work on the input flattened to 2-D at `axis`.
void upgrade_flattening_softmax(Node node, UpgradeContext& ctx);
// spatial / is_test / legacy training outputs.
void upgrade_batch_normalization(Node& node, UpgradeContext& ctx);
// Upsample (7-9) and Resize 10-12 to Resize-21.
void upgrade_resize(Node& node, UpgradeContext& ctx);

}  // namespace nnport::onnx_format
