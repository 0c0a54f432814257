// Axis permutations. BVLC Caffe has no layer that permutes axes; the SSD fork's Permute does
// (dialect caffe-ssd, run by OpenCV too). DepthToSpace and SpaceToDepth have no Caffe layer in
// any dialect: they are the same element moves written as Reshape + Permute + Reshape.
#include "formats/caffe/caffe_export.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

void permute_layer(NodeExport& ctx, const std::string& input, const std::vector<int64_t>& order,
                   const std::string& output) {
  if (ctx.net().dialect() != Dialect::CaffeSsd)
    ctx.refuse("Caffe 1.0 has no layer that permutes axes (--caffe-dialect caffe-ssd has Permute)");
  auto* p = ctx.layer("Permute", {input}, {output})->mutable_permute_param();
  for (int64_t axis : order)
    p->add_order(static_cast<uint32_t>(axis));
}

namespace {

// NCHW DepthToSpace with block b: DCR splits C as (b, b, C'), CRD as (C', b, b); the block axes
// then interleave with H and W.
void emit_depth_to_space(NodeExport& ctx) {
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  const std::vector<int64_t> out = ctx.sizes(ctx.node().outputs[0]);
  if (in.size() != 4) ctx.refuse("input of rank {} (NCHW expected)", in.size());
  const AttrReader attrs(ctx.node());
  const int64_t b = attrs.i("blocksize");
  const bool dcr = attrs.s("mode") == "DCR";
  const int64_t c = out[1];
  const std::vector<int64_t> split = dcr ? std::vector<int64_t>{in[0], b, b, c, in[2], in[3]}
                                         : std::vector<int64_t>{in[0], c, b, b, in[2], in[3]};
  const std::vector<int64_t> order =
      dcr ? std::vector<int64_t>{0, 3, 4, 1, 5, 2} : std::vector<int64_t>{0, 1, 4, 2, 5, 3};
  const std::string blocks = ctx.temp_blob("blocks"), moved = ctx.temp_blob("moved");
  reshape_layer(ctx, ctx.input_blob(0), split, blocks);
  permute_layer(ctx, blocks, order, moved);
  reshape_layer(ctx, moved, out, ctx.output_blob());
}

// NCHW SpaceToDepth (the inverse of DepthToSpace DCR): output channel (i * b + j) * C + c.
void emit_space_to_depth(NodeExport& ctx) {
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  const std::vector<int64_t> out = ctx.sizes(ctx.node().outputs[0]);
  if (in.size() != 4) ctx.refuse("input of rank {} (NCHW expected)", in.size());
  const int64_t b = AttrReader(ctx.node()).i("blocksize");
  const std::string tiles = ctx.temp_blob("tiles"), moved = ctx.temp_blob("moved");
  reshape_layer(ctx, ctx.input_blob(0), {in[0], in[1], out[2], b, out[3], b}, tiles);
  permute_layer(ctx, tiles, {0, 3, 5, 1, 2, 4}, moved);
  reshape_layer(ctx, moved, out, ctx.output_blob());
}

}  // namespace

NodeEmitter find_permute_emitter(const std::string& op) {
  if (op == "DepthToSpace") return emit_depth_to_space;
  if (op == "SpaceToDepth") return emit_space_to_depth;
  return nullptr;
}

}  // namespace nnport::caffe_export
