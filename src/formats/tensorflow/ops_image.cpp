// Image ops: ResizeBilinear / ResizeNearestNeighbor, DepthToSpace, SpaceToDepth.
//
// Resize coordinate rules (SEMANTICS.md §5; tfjs's kernels compute the same):
//   bilinear: align_corners -> align_corners, half_pixel_centers -> half_pixel (TF clamps the
//             negative source coordinate to 0 like ONNX Runtime), neither -> asymmetric;
//   nearest:  align_corners -> align_corners + round_prefer_ceil (TF rounds half away from 0),
//             half_pixel_centers -> tf_half_pixel_for_nn + floor, neither -> asymmetric + floor.
#include "formats/tensorflow/tf_common.h"
#include "formats/tensorflow/tf_tensor.h"

namespace nnport::tf {

namespace {

void resize(NodeConverter& c) {
  const bool bilinear = c.op() == "ResizeBilinear";
  const bool align = c.attr_bool("align_corners", false);
  const bool half = c.attr_bool("half_pixel_centers", false);
  if (align && half) c.fail("align_corners and half_pixel_centers are both set");
  std::string transform = "asymmetric", nearest_mode = "floor";
  if (align) {
    transform = "align_corners";
    nearest_mode = "round_prefer_ceil";
  } else if (half) {
    transform = bilinear ? "half_pixel" : "tf_half_pixel_for_nn";
  }
  Attributes attrs = attrs_of({{"mode", std::string(bilinear ? "linear" : "nearest")},
                               {"coordinate_transformation_mode", transform}});
  if (!bilinear) attrs.set("nearest_mode", nearest_mode);
  std::string sizes;
  if (const Tensor* t = c.constant(1)) {
    sizes = c.add_constant(cast_tensor(*t, DType::Int64), "sizes");
  } else {
    sizes = c.emit_temp("Cast", {c.input(1)}, attrs_of({{"to", std::string("int64")}}), "sizes");
  }
  const std::string x = to_channels_first(c, c.input(0));
  // Full N,C,H,W sizes rather than the `axes` attribute, which ONNX only has from opset 18;
  // with known input shapes the passes fold this to a constant.
  const std::string shape = c.emit_temp("Shape", {x}, {}, "shape");
  const std::string batch_channels =
      c.emit_temp("Slice",
                  {shape, c.add_constant(Tensor::from_vector<int64_t>({1}, {0}), "zero"),
                   c.add_constant(Tensor::from_vector<int64_t>({1}, {2}), "two")},
                  {}, "batch_channels");
  const std::string full_sizes = c.emit_temp("Concat", {batch_channels, sizes},
                                             attrs_of({{"axis", int64_t{0}}}), "full_sizes");
  const std::string y = c.temp_name("resized");
  c.emit("Resize", {x, "", "", full_sizes}, {y}, attrs);
  to_channels_last(c, y, c.output(0));
}

// TF's NHWC depth_to_space reads channel (i * block + j) * C_out + c: ONNX's DCR order.
void depth_space(NodeConverter& c) {
  const bool nhwc = c.channels_last();
  const int64_t block = c.attr_int("block_size");
  Attributes attrs = attrs_of({{"blocksize", block}});
  if (c.op() == "DepthToSpace") attrs.set("mode", std::string("DCR"));
  const std::string x = nhwc ? to_channels_first(c, c.input(0)) : c.input(0);
  const std::string y = nhwc ? c.temp_name("rearranged") : c.output(0);
  c.emit(c.op(), {x}, {y}, attrs);
  if (nhwc) to_channels_last(c, y, c.output(0));
}

const std::vector<OpConverter> kConverters = {
    {"ResizeBilinear", resize},
    {"ResizeNearestNeighbor", resize},
    {"DepthToSpace", depth_space},
    {"SpaceToDepth", depth_space},
};

}  // namespace

std::span<const OpConverter> image_converters() {
  return kConverters;
}

}  // namespace nnport::tf
