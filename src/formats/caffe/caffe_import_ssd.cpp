// Layers outside BVLC 1.0 that converted models use: Reduction (BVLC, over trailing axes) and the
// SSD fork's Permute and Normalize. PriorBox and DetectionOutput have no IR op; the reader lists
// them with the other unsupported layers.
#include "formats/caffe/caffe_import.h"

namespace nnport::caffe_import {

namespace pb = nnport::caffe;

namespace {

// Axes not listed in `order` follow in their own order (the SSD fork's rule).
void convert_permute(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const int64_t rank = ctx.bottom_rank(0);
  std::vector<int64_t> perm;
  std::vector<bool> used(static_cast<size_t>(rank), false);
  for (uint32_t axis : ctx.layer().permute_param().order()) {
    if (axis >= rank || used[axis])
      ctx.fail("order lists axis {} twice or beyond rank {}", axis, rank);
    used[axis] = true;
    perm.push_back(axis);
  }
  for (int64_t a = 0; a < rank; ++a)
    if (!used[a]) perm.push_back(a);
  Attributes attrs;
  attrs.set("perm", perm);
  ctx.add_node("Transpose", {ctx.bottom(0)}, {ctx.top(0)}, attrs);
}

// Reduces axes [axis, rank) away (the top keeps the axes before `axis`), then scales by coeff.
void convert_reduction(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().reduction_param();
  const int64_t rank = ctx.bottom_rank(0);
  const int64_t axis = ctx.canonical_axis(p.axis(), rank, "axis");
  std::vector<int64_t> axes;
  for (int64_t a = axis; a < rank; ++a)
    axes.push_back(a);
  const char* op = "ReduceSum";
  switch (p.operation()) {
    case pb::ReductionParameter::SUM:
      op = "ReduceSum";
      break;
    case pb::ReductionParameter::ASUM:
      op = "ReduceL1";
      break;
    case pb::ReductionParameter::SUMSQ:
      op = "ReduceSumSquare";
      break;
    case pb::ReductionParameter::MEAN:
      op = "ReduceMean";
      break;
  }
  Attributes attrs;
  attrs.set("keepdims", int64_t{0});
  const bool scaled = p.coeff() != 1.0f;
  const std::string reduced = scaled ? ctx.temp("reduced") : ctx.top(0);
  if (axes.empty()) ctx.fail("axis {} leaves nothing to reduce", p.axis());
  ctx.add_node(op, {ctx.bottom(0), ctx.int64s("axes", axes)}, {reduced}, attrs);
  if (scaled)
    ctx.add_node("Mul", {reduced, ctx.scalar("coeff", p.coeff())}, {ctx.top(0)}, {}, "coeff");
}

// x / sqrt(sum(x^2) + eps) over the channels at each position (across_spatial false) or over
// C x H x W, times one scale or one per channel (blob 0).
void convert_normalize(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().norm_param();
  const std::vector<int64_t> in = ctx.bottom_sizes(0);
  if (in.size() < 2) ctx.fail("input of rank {}", in.size());
  std::vector<int64_t> axes = {1};
  if (p.across_spatial())
    for (size_t a = 2; a < in.size(); ++a)
      axes.push_back(static_cast<int64_t>(a));
  const std::string sum = ctx.temp("sum_of_squares"), shifted = ctx.temp("plus_eps"),
                    norm = ctx.temp("norm"), unit = ctx.temp("normalized");
  ctx.add_node("ReduceSumSquare", {ctx.bottom(0), ctx.int64s("axes", axes)}, {sum}, {},
               "sum_of_squares");
  ctx.add_node("Add", {sum, ctx.scalar("eps", p.eps())}, {shifted}, {}, "eps");
  ctx.add_node("Sqrt", {shifted}, {norm}, {}, "norm");
  ctx.add_node("Div", {ctx.bottom(0), norm}, {unit}, {}, "divide");
  std::vector<int64_t> scale_dims = {1};
  if (!p.channel_shared()) {
    scale_dims = {in[1]};
    for (size_t a = 2; a < in.size(); ++a)
      scale_dims.push_back(1);
  }
  int64_t count = 1;
  for (int64_t d : scale_dims)
    count *= d;
  Tensor scale = ctx.blob(0, {count}, SeedKind::One);
  ctx.add_node("Mul", {unit, ctx.constant("scale", scale.reshaped(scale_dims))}, {ctx.top(0)});
}

}  // namespace

LayerConverter find_ssd_converter(const std::string& type) {
  if (type == "Permute") return convert_permute;
  if (type == "Reduction") return convert_reduction;
  if (type == "Normalize") return convert_normalize;
  return nullptr;
}

}  // namespace nnport::caffe_import
