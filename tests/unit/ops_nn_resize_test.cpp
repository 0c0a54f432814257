// Resize: coordinate transformation modes, nearest rounding modes, linear and cubic weights,
// sizes with aspect-ratio policies, axes, tf_crop_and_resize extrapolation. Expected values are
// worked out by hand from the ONNX formulas (several are the ONNX documentation examples).
#include "ir/error.h"
#include "ops_nn_test_util.h"

namespace nnport {
namespace {

using namespace ops_nn_test;

struct ResizeCase {
  std::string mode, coordinates, nearest = "round_prefer_floor";
  std::vector<float> scales;  // empty: use sizes
  std::vector<int64_t> sizes;
  std::vector<int64_t> axes = {};
  std::string str() const {
    return "mode=" + mode + " coordinates=" + coordinates + " nearest=" + nearest +
           " sizes=" + join(sizes) + " axes=" + join(axes);
  }
};

std::vector<Tensor> resize(const Tensor& x, const ResizeCase& c, Attributes attrs = {},
                           const std::vector<float>& roi = {}) {
  attrs.set("mode", c.mode);
  attrs.set("coordinate_transformation_mode", c.coordinates);
  if (!c.nearest.empty()) attrs.set("nearest_mode", c.nearest);
  if (!c.axes.empty()) attrs.set("axes", c.axes);
  NodeInputs in;
  in.tensors = {x, roi.empty() ? Tensor() : floats({int64_t(roi.size())}, roi),
                c.scales.empty() ? Tensor() : floats({int64_t(c.scales.size())}, c.scales),
                c.sizes.empty() ? Tensor() : int64s({int64_t(c.sizes.size())}, c.sizes)};
  in.constant = {false, true, true, true};
  return run_node("Resize", in, attrs);
}

const Tensor k2x2 = floats({1, 1, 2, 2}, {1, 2, 3, 4});
const Tensor k2x4 = floats({1, 1, 2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});

TEST(OpsNnResize, NearestHalfPixelUpsample) {
  // Rows map to 0,0,1,1 and columns (scale 3) to 0,0,0,1,1,1.
  const auto y = resize(k2x2, {"nearest", "half_pixel", "round_prefer_floor", {1, 1, 2, 3}, {}});
  expect_close(y[0], {1, 1, 4, 6},
               {1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4});
}

TEST(OpsNnResize, NearestRoundingModesOnExactHalves) {
  // asymmetric, scale 2: source coordinates 0, 0.5, 1, 1.5.
  const Tensor x = floats({4}, {10, 20, 30, 40});
  const std::vector<std::pair<std::string, std::vector<float>>> expected = {
      {"round_prefer_floor", {10, 10, 20, 20, 30, 30, 40, 40}},
      {"round_prefer_ceil", {10, 20, 20, 30, 30, 40, 40, 40}},
      {"floor", {10, 10, 20, 20, 30, 30, 40, 40}},
      {"ceil", {10, 20, 20, 30, 30, 40, 40, 40}},
  };
  for (const auto& [rounding, want] : expected) {
    const ResizeCase c{"nearest", "asymmetric", rounding, {2}, {}};
    SCOPED_TRACE(c.str());
    expect_close(resize(x, c)[0], {8}, want);
  }
  // sizes 3 from 4: coordinates 0, 4/3, 8/3.
  const std::vector<std::pair<std::string, std::vector<float>>> thirds = {
      {"round_prefer_floor", {10, 20, 40}}, {"floor", {10, 20, 30}}, {"ceil", {10, 30, 40}}};
  for (const auto& [rounding, want] : thirds) {
    const ResizeCase c{"nearest", "asymmetric", rounding, {}, {3}};
    SCOPED_TRACE(c.str());
    expect_close(resize(x, c)[0], {3}, want);
  }
}

TEST(OpsNnResize, LinearDownsampleModes) {
  // ONNX examples on the 2x4 ramp with scales 0.6 (output 1x2).
  expect_close(resize(k2x4, {"linear", "half_pixel", "", {1, 1, 0.6f, 0.6f}, {}})[0], {1, 1, 1, 2},
               {2.6666665f, 4.3333331f});
  // align_corners divides by the fractional resized length 2.4 - 1, as the ONNX reference does.
  expect_close(resize(k2x4, {"linear", "align_corners", "", {1, 1, 0.6f, 0.6f}, {}})[0],
               {1, 1, 1, 2}, {1, 1 + 3 / 1.4f});
  // half_pixel_symmetric shifts by center * (1 - 2 / 2.4).
  expect_close(resize(floats({1, 1, 1, 4}, {1, 2, 3, 4}),
                      {"linear", "half_pixel_symmetric", "", {1, 1, 1, 0.6f}, {}})[0],
               {1, 1, 1, 2}, {1.6666666f, 3.3333333f});
}

TEST(OpsNnResize, LinearUpsampleClampsAtTheEdges) {
  // half_pixel, scale 2 on [1, 3]: coordinates -0.25, 0.25, 0.75, 1.25 -> clamp to [0, 1].
  expect_close(resize(floats({2}, {1, 3}), {"linear", "half_pixel", "", {2}, {}})[0], {4},
               {1, 1.5f, 2.5f, 3});
  // pytorch_half_pixel gives a length-1 output coordinate 0; half_pixel gives 0.5.
  expect_close(resize(floats({2}, {1, 3}), {"linear", "pytorch_half_pixel", "", {}, {1}})[0], {1},
               {1});
  expect_close(resize(floats({2}, {1, 3}), {"linear", "half_pixel", "", {}, {1}})[0], {1}, {2});
}

TEST(OpsNnResize, CubicWeightsAndExcludeOutside) {
  // [1, 2, 4, 8] to 8, half_pixel, A = -0.75. Output 3 sits at 1.25: weights for r = 0.25 are
  // (-0.10546875, 0.87890625, 0.26171875, -0.03515625) -> 2.41796875. Output 0 sits at -0.25:
  // taps -2..1 clamp to 1, 1, 1, 2 with r = 0.75 -> 0.89453125; excluding the outside taps
  // renormalises (0.87890625, -0.10546875) -> 0.86363636.
  const Tensor x = floats({4}, {1, 2, 4, 8});
  const auto y = resize(x, {"cubic", "half_pixel", "", {}, {8}});
  EXPECT_NEAR(y[0].values<float>()[3], 2.41796875f, 1e-6f);
  EXPECT_NEAR(y[0].values<float>()[0], 0.89453125f, 1e-6f);
  Attributes attrs;
  attrs.set("exclude_outside", int64_t{1});
  const auto z = resize(x, {"cubic", "half_pixel", "", {}, {8}}, attrs);
  EXPECT_NEAR(z[0].values<float>()[0], 0.86363636f, 1e-6f);
  EXPECT_NEAR(z[0].values<float>()[3], 2.41796875f, 1e-6f);
}

TEST(OpsNnResize, TfCropAndResizeExtrapolates) {
  // roi [0.5, 1.5] over 4 cells, 3 outputs: coordinates 1.5, 3, 4.5 (outside -> -7).
  Attributes attrs;
  attrs.set("extrapolation_value", -7.0f);
  const auto y = resize(floats({4}, {1, 2, 3, 4}), {"linear", "tf_crop_and_resize", "", {}, {3}},
                        attrs, {0.5f, 1.5f});
  expect_close(y[0], {3}, {2.5f, 4, -7});
}

TEST(OpsNnResize, SizesWithAspectPoliciesAndAxes) {
  // Asking 4x4 of a 2x4 image: per-axis scales 2 and 1.
  ResizeCase c{"nearest", "asymmetric", "floor", {}, {4, 4}, {2, 3}};
  Attributes attrs;
  attrs.set("keep_aspect_ratio_policy", std::string("not_larger"));
  EXPECT_EQ(resize(k2x4, c, attrs)[0].dims(), (std::vector<int64_t>{1, 1, 2, 4}));
  attrs.set("keep_aspect_ratio_policy", std::string("not_smaller"));
  EXPECT_EQ(resize(k2x4, c, attrs)[0].dims(), (std::vector<int64_t>{1, 1, 4, 8}));
  attrs.set("keep_aspect_ratio_policy", std::string("stretch"));
  expect_close(resize(k2x4, c, attrs)[0], {1, 1, 4, 4},
               {1, 2, 3, 4, 1, 2, 3, 4, 5, 6, 7, 8, 5, 6, 7, 8});
  // Negative axes name the same axes.
  c.axes = {-1};
  c.sizes = {2};
  expect_close(resize(k2x4, c)[0], {1, 1, 2, 2}, {1, 3, 5, 7});
}

TEST(OpsNnResize, NearestCopiesAnyDtype) {
  const Tensor x = Tensor::from_vector<uint8_t>({2}, {7, 200});
  const auto y = resize(x, {"nearest", "asymmetric", "floor", {2}, {}});
  const auto v = y[0].values<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(v.begin(), v.end()), (std::vector<uint8_t>{7, 7, 200, 200}));
}

TEST(OpsNnResize, RefusedCases) {
  Attributes attrs;
  attrs.set("antialias", int64_t{1});
  EXPECT_THROW(resize(k2x4, {"linear", "half_pixel", "", {1, 1, 0.5f, 0.5f}, {}}, attrs), Error);
  // Upscaling is unaffected by antialias, so it runs.
  EXPECT_NO_THROW(resize(k2x4, {"linear", "half_pixel", "", {1, 1, 2, 2}, {}}, attrs));
  EXPECT_THROW(resize(k2x4, {"bilinear", "half_pixel", "", {1, 1, 2, 2}, {}}), Error);
  EXPECT_THROW(resize(k2x4, {"nearest", "half_pixel", "", {1, 2}, {}}), Error);
}

}  // namespace
}  // namespace nnport
