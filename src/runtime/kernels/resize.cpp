// Resize: every output cell is a weighted sum over a small set of input cells, separable per
// axis. For each axis and output coordinate we precompute its taps (input index, weight) once;
// nearest has one tap, linear two, cubic four. Coordinates follow the ONNX reference
// implementation (computed in double, the resized length being scale * input length).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "ir/error.h"
#include "ir/ops/resize.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/nn_common.h"

namespace nnport {

namespace {

struct Tap {
  int64_t offset;  // index along the axis times the axis stride
  double weight;
};

// The taps of every output coordinate along one axis.
struct AxisTaps {
  std::vector<size_t> begin;  // taps of coordinate o are [begin[o], begin[o + 1])
  std::vector<Tap> taps;
  std::vector<bool> outside;  // tf_crop_and_resize: mapped outside the input
};

struct AxisParams {
  int64_t in, out;
  double scale, roi_begin, roi_end;
  int64_t stride;
};

double original_coordinate(const std::string& mode, int64_t x_int, const AxisParams& p) {
  const double x = static_cast<double>(x_int);
  const double in = static_cast<double>(p.in);
  const double resized = p.scale * in;  // the reference's (possibly fractional) output length
  if (mode == "half_pixel") return (x + 0.5) / p.scale - 0.5;
  if (mode == "half_pixel_symmetric") {
    const double adjustment = static_cast<double>(p.out) / resized;
    const double offset = in / 2 * (1 - adjustment);
    return offset + (x + 0.5) / p.scale - 0.5;
  }
  if (mode == "pytorch_half_pixel") return resized > 1 ? (x + 0.5) / p.scale - 0.5 : 0.0;
  if (mode == "align_corners") return resized == 1 ? 0.0 : x * (in - 1) / (resized - 1);
  if (mode == "asymmetric") return x / p.scale;
  if (mode == "tf_half_pixel_for_nn") return (x + 0.5) / p.scale;
  // tf_crop_and_resize
  if (resized > 1)
    return p.roi_begin * (in - 1) + x * (p.roi_end - p.roi_begin) * (in - 1) / (resized - 1);
  return 0.5 * (p.roi_begin + p.roi_end) * (in - 1);
}

int64_t nearest_index(double x, const std::string& rounding) {
  const double lower = std::floor(x);
  if (x == lower) return static_cast<int64_t>(x);
  const double fraction = x - lower;
  bool up = false;
  if (rounding == "round_prefer_floor") up = fraction > 0.5;
  if (rounding == "round_prefer_ceil") up = fraction >= 0.5;
  if (rounding == "ceil") up = true;
  return static_cast<int64_t>(lower) + (up ? 1 : 0);
}

std::vector<double> cubic_weights(double r, double a) {
  const double s = 1 - r;
  return {
      ((a * (r + 1) - 5 * a) * (r + 1) + 8 * a) * (r + 1) - 4 * a,
      ((a + 2) * r - (a + 3)) * r * r + 1,
      ((a + 2) * s - (a + 3)) * s * s + 1,
      ((a * (s + 1) - 5 * a) * (s + 1) + 8 * a) * (s + 1) - 4 * a,
  };
}

AxisTaps axis_taps(const AttrReader& attrs, ResizeMode mode, const AxisParams& p) {
  const std::string coordinates = attrs.s("coordinate_transformation_mode");
  const std::string rounding = attrs.s("nearest_mode");
  const bool exclude_outside = attrs.i("exclude_outside") != 0;
  const double cubic_a = attrs.f("cubic_coeff_a");
  const int64_t last = p.in - 1;
  AxisTaps t;
  const auto add = [&](int64_t index, double weight) {
    t.taps.push_back({std::clamp<int64_t>(index, 0, last) * p.stride, weight});
  };
  for (int64_t o = 0; o < p.out; ++o) {
    t.begin.push_back(t.taps.size());
    const double x = original_coordinate(coordinates, o, p);
    const bool outside =
        coordinates == "tf_crop_and_resize" && (x < 0 || x > static_cast<double>(last));
    t.outside.push_back(outside);
    if (outside) continue;
    if (mode == ResizeMode::Nearest) {
      add(nearest_index(x, rounding), 1.0);
    } else if (mode == ResizeMode::Linear) {
      // Clamping the coordinate equals the reference's edge padding, without rounding noise.
      const double xc = std::clamp(x, 0.0, static_cast<double>(last));
      const int64_t x0 = static_cast<int64_t>(std::floor(xc));
      const double fraction = xc - static_cast<double>(x0);
      add(x0, 1.0 - fraction);
      if (fraction > 0) add(x0 + 1, fraction);
    } else {
      const int64_t x0 = static_cast<int64_t>(std::floor(x));
      std::vector<double> w = cubic_weights(x - static_cast<double>(x0), cubic_a);
      if (exclude_outside) {
        double sum = 0;
        for (int i = 0; i < 4; ++i) {
          const int64_t index = x0 - 1 + i;
          if (index < 0 || index > last) w[i] = 0;
          sum += w[i];
        }
        for (double& v : w)
          v /= sum;
      }
      for (int i = 0; i < 4; ++i)
        if (w[i] != 0) add(x0 - 1 + i, w[i]);
    }
  }
  t.begin.push_back(t.taps.size());
  return t;
}

bool given(const KernelContext& ctx, size_t i) {
  return ctx.has_input(i) && ctx.input(i).element_count() > 0;
}

void run_resize(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const ResizeMode mode = read_resize_mode(ctx.attrs());
  const bool is_double = x.dtype() == DType::Float64;
  if (mode != ResizeMode::Nearest && x.dtype() != DType::Float32 && !is_double)
    model_error("input is {}; linear and cubic resize compute float32 (or float64) only",
                dtype_name(x.dtype()));
  if (dtype_size(x.dtype()) == 0) model_error("cannot resize a {} tensor", dtype_name(x.dtype()));
  const std::vector<float> scales =
      given(ctx, 2) ? ctx.input(2).to_float_vector() : std::vector<float>{};
  const std::vector<int64_t> sizes =
      given(ctx, 3) ? ctx.input(3).to_int64_vector() : std::vector<int64_t>{};
  const std::vector<float> roi =
      given(ctx, 1) ? ctx.input(1).to_float_vector() : std::vector<float>{};
  const ResizeGeometry g = resize_geometry(ctx.attrs(), x.dims(), scales, sizes, roi);
  check_resize_antialias(ctx.attrs(), mode, g.scales);

  const size_t rank = x.rank();
  Tensor out(x.dtype(), g.out);
  const int64_t count = out.element_count();
  if (count == 0) return ctx.set_output(0, std::move(out));
  for (size_t a = 0; a < rank; ++a)
    if (x.dims()[a] == 0) model_error("cannot resize an empty axis {}", a);

  std::vector<AxisTaps> axes;
  int64_t stride = 1;
  std::vector<int64_t> strides(rank);
  for (size_t a = rank; a-- > 0;) {
    strides[a] = stride;
    stride *= x.dims()[a];
  }
  for (size_t a = 0; a < rank; ++a)
    axes.push_back(
        axis_taps(ctx.attrs(), mode,
                  {x.dims()[a], g.out[a], g.scales[a], g.roi_begin[a], g.roi_end[a], strides[a]}));

  const size_t element = dtype_size(x.dtype());
  const std::byte* src = x.raw();
  std::byte* dst = out.mutable_raw();
  const float extrapolation = ctx.attrs().f("extrapolation_value");
  std::vector<int64_t> o(rank, 0);
  std::vector<size_t> t(rank);
  for (int64_t index = 0; index < count; ++index) {
    bool outside = false;
    for (size_t a = 0; a < rank; ++a)
      outside = outside || axes[a].outside[o[a]];
    if (outside) {
      if (x.dtype() != DType::Float32 && !is_double)
        model_error("tf_crop_and_resize extrapolation needs a float32 (or float64) input");
      if (is_double)
        reinterpret_cast<double*>(dst)[index] = extrapolation;
      else
        std::memcpy(dst + index * element, &extrapolation, element);
    } else if (mode == ResizeMode::Nearest) {
      int64_t offset = 0;
      for (size_t a = 0; a < rank; ++a)
        offset += axes[a].taps[axes[a].begin[o[a]]].offset;
      std::memcpy(dst + index * element, src + offset * element, element);
    } else {
      const float* xv = reinterpret_cast<const float*>(src);
      const double* xd = reinterpret_cast<const double*>(src);
      double sum = 0;
      for (size_t a = 0; a < rank; ++a)
        t[a] = axes[a].begin[o[a]];
      while (true) {
        int64_t offset = 0;
        double weight = 1;
        for (size_t a = 0; a < rank; ++a) {
          offset += axes[a].taps[t[a]].offset;
          weight *= axes[a].taps[t[a]].weight;
        }
        sum += weight * (is_double ? xd[offset] : static_cast<double>(xv[offset]));
        size_t a = rank;
        while (a-- > 0) {
          if (++t[a] < axes[a].begin[o[a] + 1]) break;
          t[a] = axes[a].begin[o[a]];
        }
        if (a == static_cast<size_t>(-1)) break;
      }
      if (is_double)
        reinterpret_cast<double*>(dst)[index] = sum;
      else
        reinterpret_cast<float*>(dst)[index] = static_cast<float>(sum);
    }
    for (size_t a = rank; a-- > 0;) {
      if (++o[a] < g.out[a]) break;
      o[a] = 0;
    }
  }
  ctx.set_output(0, std::move(out));
}

const std::vector<KernelEntry> kKernels = {{"Resize", run_resize}};

}  // namespace

std::span<const KernelEntry> resize_kernels() {
  return kKernels;
}

}  // namespace nnport
