// Softmax family with opset-13 single-axis semantics (older ONNX and Caffe readers that
// flatten from `axis` must emit Flatten/Reshape around these).
#include "ir/error.h"
#include "ir/ops/families.h"
#include "ir/ops/tensor_infer.h"

namespace nnport {

namespace {

void infer_softmax(InferenceContext& ctx) {
  const Shape& x = ctx.input_shape(0);
  if (x.rank_known) normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(x.rank()));
  infer_same_as_input(ctx);
}

OpSchema softmax_like(const char* op, const char* doc) {
  return {op,
          doc,
          1,
          1,
          1,
          1,
          {{"axis", AttrType::Int, int64_t{-1}, "the one axis normalised over"}},
          infer_softmax};
}

const std::vector<OpSchema> kSchemas = {
    softmax_like("Softmax", "exp(x) / sum(exp(x)) along one axis."),
    softmax_like("LogSoftmax", "x - log(sum(exp(x))) along one axis."),
    softmax_like("Hardmax", "1 at the first maximum along one axis, 0 elsewhere."),
};

}  // namespace

std::span<const OpSchema> softmax_schemas() {
  return kSchemas;
}

}  // namespace nnport
