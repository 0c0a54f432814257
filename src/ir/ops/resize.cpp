// Resize with the ONNX opset-19..21 signature: X, roi, scales, sizes; modes nearest, linear and
// cubic; every coordinate_transformation_mode (plus tf_half_pixel_for_nn from opset 11-18, which
// readers of older files need). Output sizes follow the ONNX reference implementation:
// floor(in * scale) for scales; with sizes and a keep_aspect_ratio_policy other than stretch,
// one common scale and round-half-up sizes.
#include "ir/ops/resize.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "ir/error.h"
#include "ir/ops/families.h"

namespace nnport {

namespace {

const std::set<std::string> kCoordinateModes = {
    "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",  "align_corners",
    "asymmetric", "tf_crop_and_resize",   "tf_half_pixel_for_nn"};
const std::set<std::string> kNearestModes = {"round_prefer_floor", "round_prefer_ceil", "floor",
                                             "ceil"};

// The `axes` attribute normalised to [0, rank), or every axis when absent.
std::vector<int64_t> resize_axes(const AttrReader& attrs, size_t rank) {
  std::vector<int64_t> axes = attrs.ints("axes");
  if (axes.empty()) {
    for (size_t i = 0; i < rank; ++i)
      axes.push_back(static_cast<int64_t>(i));
    return axes;
  }
  std::set<int64_t> seen;
  for (int64_t& a : axes) {
    if (a < -static_cast<int64_t>(rank) || a >= static_cast<int64_t>(rank))
      model_error("axis {} is out of range for rank {}", a, rank);
    if (a < 0) a += static_cast<int64_t>(rank);
    if (!seen.insert(a).second) model_error("axis {} is listed twice in axes", a);
  }
  return axes;
}

std::vector<float> constant_floats(const InferenceContext& ctx, size_t i) {
  const Tensor* t = ctx.input_constant(i);
  return t ? t->to_float_vector() : std::vector<float>{};
}

void infer_resize(InferenceContext& ctx) {
  read_resize_mode(ctx.attrs());
  const Shape& x = ctx.input_shape(0);
  const DType dtype = ctx.input_dtype(0);
  if (!x.rank_known) return ctx.set_output(0, dtype, Shape::unknown());
  const std::vector<int64_t> axes = resize_axes(ctx.attrs(), x.rank());
  // An empty scales or sizes tensor counts as absent (exporters write one as a placeholder).
  const auto given = [&](size_t i) {
    if (!ctx.has_input(i)) return false;
    const Shape& s = ctx.input_shape(i);
    return !(s.fully_known() && element_count(s.sizes()) == 0);
  };
  const bool use_scales = given(2), use_sizes = given(3);
  const Tensor* scales = use_scales ? ctx.input_constant(2) : nullptr;
  const Tensor* sizes = use_sizes ? ctx.input_constant(3) : nullptr;
  std::vector<Dim> dims = x.dims;
  for (int64_t a : axes)
    dims[a] = Dim();
  if (x.fully_known() && (scales || sizes) && !(use_scales && use_sizes)) {
    const ResizeGeometry g = resize_geometry(
        ctx.attrs(), x.sizes(), scales ? scales->to_float_vector() : std::vector<float>{},
        sizes ? sizes->to_int64_vector() : std::vector<int64_t>{}, constant_floats(ctx, 1));
    check_resize_antialias(ctx.attrs(), read_resize_mode(ctx.attrs()), g.scales);
    return ctx.set_output(0, dtype, Shape::from_sizes(g.out));
  }
  // Whether antialias changes anything depends on the scales; with scales unknown until run
  // time we cannot promise an exact kernel, so refuse at conversion time.
  if (ctx.attrs().i("antialias") != 0 && read_resize_mode(ctx.attrs()) != ResizeMode::Nearest)
    model_error("antialias=1 needs scales or sizes known at conversion time");
  if (sizes && !use_scales && ctx.attrs().s("keep_aspect_ratio_policy") == "stretch") {
    const std::vector<int64_t> values = sizes->to_int64_vector();
    if (values.size() != axes.size())
      model_error("sizes has {} values for {} axes", values.size(), axes.size());
    for (size_t i = 0; i < axes.size(); ++i)
      dims[axes[i]] = Dim(values[i]);
  }
  ctx.set_output(0, dtype, Shape(dims));
}

std::vector<AttrSpec> resize_attrs() {
  return {
      {"antialias", AttrType::Int, int64_t{0},
       "1: antialiasing filter when downscaling (linear/cubic); refused where it matters"},
      {"axes", AttrType::Ints, std::vector<int64_t>{}, "axes scales/sizes/roi refer to"},
      {"coordinate_transformation_mode", AttrType::String, std::string("half_pixel"),
       "half_pixel | half_pixel_symmetric | pytorch_half_pixel | align_corners | asymmetric | "
       "tf_crop_and_resize | tf_half_pixel_for_nn"},
      {"cubic_coeff_a", AttrType::Float, -0.75f, "cubic kernel parameter"},
      {"exclude_outside", AttrType::Int, int64_t{0},
       "1: taps outside the input get weight 0 and the rest are renormalised"},
      {"extrapolation_value", AttrType::Float, 0.0f,
       "tf_crop_and_resize: value of output cells mapped outside the input"},
      {"keep_aspect_ratio_policy", AttrType::String, std::string("stretch"),
       "with sizes: stretch | not_larger | not_smaller"},
      {"mode", AttrType::String, std::string("nearest"), "nearest | linear | cubic"},
      {"nearest_mode", AttrType::String, std::string("round_prefer_floor"),
       "round_prefer_floor | round_prefer_ceil | floor | ceil"},
  };
}

const std::vector<OpSchema> kSchemas = {
    {"Resize",
     "Resamples X to sizes (or X's size times scales) over `axes` by nearest, N-linear or "
     "N-cubic interpolation.",
     1, 4, 1, 1, resize_attrs(), infer_resize},
};

}  // namespace

ResizeMode read_resize_mode(const AttrReader& attrs) {
  const std::string coordinates = attrs.s("coordinate_transformation_mode");
  if (!kCoordinateModes.count(coordinates))
    model_error("unknown coordinate_transformation_mode '{}'", coordinates);
  const std::string nearest = attrs.s("nearest_mode");
  if (!kNearestModes.count(nearest)) model_error("unknown nearest_mode '{}'", nearest);
  const std::string policy = attrs.s("keep_aspect_ratio_policy");
  if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
    model_error("unknown keep_aspect_ratio_policy '{}'", policy);
  const std::string mode = attrs.s("mode");
  if (mode == "nearest") return ResizeMode::Nearest;
  if (mode == "linear") return ResizeMode::Linear;
  if (mode == "cubic") return ResizeMode::Cubic;
  model_error("unknown mode '{}' (nearest, linear or cubic)", mode);
}

void check_resize_antialias(const AttrReader& attrs, ResizeMode mode,
                            const std::vector<double>& scales) {
  if (attrs.i("antialias") == 0 || mode == ResizeMode::Nearest) return;
  for (double s : scales)
    if (s < 1.0) model_error("antialias=1 with downscaling (scale {}) is not supported", s);
}

ResizeGeometry resize_geometry(const AttrReader& attrs, const std::vector<int64_t>& in,
                               const std::vector<float>& scales, const std::vector<int64_t>& sizes,
                               const std::vector<float>& roi) {
  const size_t rank = in.size();
  const std::vector<int64_t> axes = resize_axes(attrs, rank);
  if (scales.empty() == sizes.empty())
    model_error("exactly one of scales and sizes must be given ({} scales, {} sizes)",
                scales.size(), sizes.size());
  ResizeGeometry g;
  g.out = in;
  g.scales.assign(rank, 1.0);
  g.roi_begin.assign(rank, 0.0);
  g.roi_end.assign(rank, 1.0);
  if (!scales.empty()) {
    if (scales.size() != axes.size())
      model_error("scales has {} values for {} axes", scales.size(), axes.size());
    for (size_t i = 0; i < axes.size(); ++i) {
      const double s = scales[i];
      if (!(s > 0.0) || !std::isfinite(s)) model_error("scale {} must be positive", s);
      const double size = std::floor(static_cast<double>(in[axes[i]]) * s);
      if (size > 1e15) model_error("scale {} gives an absurd output size", s);
      g.scales[axes[i]] = s;
      g.out[axes[i]] = static_cast<int64_t>(size);
    }
  } else {
    if (sizes.size() != axes.size())
      model_error("sizes has {} values for {} axes", sizes.size(), axes.size());
    for (size_t i = 0; i < axes.size(); ++i) {
      if (sizes[i] < 0) model_error("size {} is negative", sizes[i]);
      if (in[axes[i]] == 0) model_error("cannot resize an empty axis {} to {}", axes[i], sizes[i]);
      g.out[axes[i]] = sizes[i];
      g.scales[axes[i]] = static_cast<double>(sizes[i]) / static_cast<double>(in[axes[i]]);
    }
    const std::string policy = attrs.s("keep_aspect_ratio_policy");
    if (policy != "stretch") {
      double common = g.scales[axes[0]];
      for (int64_t a : axes)
        common =
            policy == "not_larger" ? std::min(common, g.scales[a]) : std::max(common, g.scales[a]);
      for (int64_t a : axes) {
        g.scales[a] = common;
        g.out[a] = static_cast<int64_t>(common * static_cast<double>(in[a]) + 0.5);
      }
    }
  }
  if (!roi.empty()) {
    // roi lists begins then ends, for the axes (or for every axis).
    if (roi.size() != 2 * axes.size())
      model_error("roi has {} values; expected {} (begin and end per axis)", roi.size(),
                  2 * axes.size());
    for (size_t i = 0; i < axes.size(); ++i) {
      g.roi_begin[axes[i]] = roi[i];
      g.roi_end[axes[i]] = roi[axes.size() + i];
    }
  }
  return g;
}

std::span<const OpSchema> resize_schemas() {
  return kSchemas;
}

}  // namespace nnport
