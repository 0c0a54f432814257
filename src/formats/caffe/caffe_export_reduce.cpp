// Reductions and the unary ops around them (an L2 norm is Mul, ReduceSum, Sqrt, Reciprocal).
//
// ReduceSum / ReduceMean / ReduceSumSquare / ReduceL1 are written as a sum by fixed weights:
// InnerProduct with one output and weights 1 (1/n for a mean over 2^k elements) over the trailing
// axes from `axis`, or a 1x1 Convolution with weights 1 for the channel axis of a 4-D blob. Caffe's
// own Reduction layer computes the same over trailing axes, but OpenCV 4.6 cannot load it, and
// InnerProduct runs in every Caffe and in OpenCV. Squares go through Power (power 2), absolute
// values through AbsVal first. Other axis sets are moved last by a Permute (caffe-ssd) or
// refused naming the node.
#include <algorithm>
#include <set>

#include "formats/caffe/caffe_export.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace pb = nnport::caffe;

namespace {

std::vector<int64_t> reduced_axes(NodeExport& ctx, size_t rank) {
  std::vector<int64_t> axes;
  if (ctx.node().has_input(1)) axes = ctx.require_constant_input(1, "axes").to_int64_vector();
  std::set<int64_t> set;
  for (int64_t a : axes) {
    const auto r = static_cast<int64_t>(rank);
    if (a < -r || a >= r) ctx.refuse("axis {} out of range", a);
    set.insert(a < 0 ? a + r : a);
  }
  if (axes.empty())
    for (size_t i = 0; i < rank; ++i)
      set.insert(static_cast<int64_t>(i));
  return {set.begin(), set.end()};
}

Tensor filled(std::vector<int64_t> dims, float value) {
  Tensor t(DType::Float32, std::move(dims));
  for (float& v : t.mutable_values<float>())
    v = value;
  return t;
}

}  // namespace

void emit_weighted_reduce(NodeExport& ctx) {
  const Node& node = ctx.node();
  const std::vector<int64_t> in = ctx.sizes(node.inputs[0]);
  const std::vector<int64_t> out = ctx.sizes(node.outputs[0]);
  if (ctx.graph().value(node.inputs[0]).dtype != DType::Float32) ctx.refuse("a non-float input");
  const AttrReader attrs(node);
  const bool no_axes =
      !node.has_input(1) || ctx.require_constant_input(1, "axes").element_count() == 0;
  if (no_axes && attrs.i("noop_with_empty_axes") != 0)
    return ctx.net().bind(node.outputs[0], ctx.input_blob(0));
  const size_t rank = in.size();
  const std::vector<int64_t> axes = reduced_axes(ctx, rank);
  int64_t count = 1;
  for (int64_t a : axes)
    count *= in[a];
  if (count == 0) ctx.refuse("an empty reduction");
  // Weights 1/n make each term x * (1/n): the same as sum / n only when 1/n is exact.
  if (node.op == "ReduceMean" && (count & (count - 1)) != 0)
    ctx.refuse(
        "a mean over {} elements: 1/{} is not exact in float32, so the weighted sum is "
        "not the sum divided by {}",
        count, count, count);

  std::string x = ctx.input_blob(0);
  if (node.op == "ReduceSumSquare") {
    const std::string squared = ctx.temp_blob("squared");
    ctx.layer("Power", {x}, {squared})->mutable_power_param()->set_power(2);
    x = squared;
  } else if (node.op == "ReduceL1") {
    const std::string magnitude = ctx.temp_blob("abs");
    ctx.layer("AbsVal", {x}, {magnitude});
    x = magnitude;
  }
  const float weight = node.op == "ReduceMean" ? 1.0f / static_cast<float>(count) : 1.0f;

  std::vector<int64_t> kept;
  for (size_t i = 0; i < rank; ++i)
    if (!std::binary_search(axes.begin(), axes.end(), static_cast<int64_t>(i)))
      kept.push_back(static_cast<int64_t>(i));
  const bool trailing = kept.empty() || axes.front() > kept.back();
  // The shape the summing layer produces; a Reshape makes it the IR's output shape.
  std::vector<int64_t> produced;
  const std::string summed = ctx.temp_blob("sum");
  if (rank == 4 && axes == std::vector<int64_t>{1}) {
    pb::LayerParameter* l = ctx.layer("Convolution", {x}, {summed});
    auto* p = l->mutable_convolution_param();
    p->set_num_output(1);
    p->set_bias_term(false);
    p->add_kernel_size(1);
    ctx.net().add_blob(l, filled({1, in[1], 1, 1}, weight), {1, in[1], 1, 1});
    produced = {in[0], 1, in[2], in[3]};
  } else {
    if (!trailing) {
      // Kept axes first, reduced ones last (both in order): then the sum is over trailing axes.
      std::vector<int64_t> order = kept;
      order.insert(order.end(), axes.begin(), axes.end());
      const std::string moved = ctx.temp_blob("moved");
      permute_layer(ctx, x, order, moved);
      x = moved;
    }
    pb::LayerParameter* l = ctx.layer("InnerProduct", {x}, {summed});
    auto* p = l->mutable_inner_product_param();
    p->set_num_output(1);
    p->set_bias_term(false);
    const auto axis = static_cast<int64_t>(kept.size());
    if (axis != 1) p->set_axis(static_cast<int32_t>(axis));
    ctx.net().add_blob(l, filled({1, count}, weight), {1, count});
    for (int64_t a : kept)
      produced.push_back(in[a]);
    produced.push_back(1);
  }
  if (produced == out) return ctx.net().bind(node.outputs[0], summed);
  reshape_layer(ctx, summed, out, ctx.output_blob());
}

namespace {

void emit_sqrt(NodeExport& ctx) {
  ctx.layer("Power", {ctx.input_blob(0)}, {ctx.output_blob()})
      ->mutable_power_param()
      ->set_power(0.5f);
}

void emit_reciprocal(NodeExport& ctx) {
  ctx.layer("Power", {ctx.input_blob(0)}, {ctx.output_blob()})
      ->mutable_power_param()
      ->set_power(-1);
}

// Caffe blobs are float32: a cast from float32 to float32 moves nothing.
void emit_cast(NodeExport& ctx) {
  const DType from = ctx.graph().value(ctx.node().inputs[0]).dtype;
  const DType to = ctx.graph().value(ctx.node().outputs[0]).dtype;
  if (from != DType::Float32 || to != DType::Float32)
    ctx.refuse("a cast from {} to {} (Caffe blobs are float32)", dtype_name(from), dtype_name(to));
  ctx.net().bind(ctx.node().outputs[0], ctx.input_blob(0));
}

}  // namespace

NodeEmitter find_reduce_emitter(const std::string& op) {
  if (op == "ReduceSum" || op == "ReduceMean" || op == "ReduceSumSquare" || op == "ReduceL1")
    return emit_weighted_reduce;
  if (op == "Sqrt") return emit_sqrt;
  if (op == "Reciprocal") return emit_reciprocal;
  if (op == "Cast") return emit_cast;
  return nullptr;
}

}  // namespace nnport::caffe_export
