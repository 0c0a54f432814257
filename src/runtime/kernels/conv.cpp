// Conv and ConvTranspose in float32. Conv lowers each group to one GEMM (a 1x1, stride-1,
// unpadded conv reads the input directly; others go through im2col); 2-D depthwise convs use a
// direct loop. ConvTranspose is the adjoint: one GEMM per group, then col2im.
#include <algorithm>
#include <memory>
#include <vector>

#include "ir/error.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/gemm.h"
#include "runtime/kernels/im2col.h"
#include "runtime/kernels/nn_common.h"

namespace nnport {

namespace {

std::vector<int64_t> spatial_dims(const Tensor& t) {
  return {t.dims().begin() + 2, t.dims().end()};
}

// Scratch memory without the zero-fill of a Tensor: every cell is written before it is read.
std::unique_ptr<float[]> scratch(int64_t count) {
  return std::unique_ptr<float[]>(new float[static_cast<size_t>(count)]);
}

const float* optional_bias(const KernelContext& ctx, int64_t out_channels) {
  if (!ctx.has_input(2)) return nullptr;
  const Tensor& b = float_input(ctx, 2, "bias");
  if (b.rank() != 1 || b.dims()[0] != out_channels)
    model_error("bias shape {} must be [{}]", sizes_to_string(b.dims()), out_channels);
  return b.data<float>();
}

void add_bias(const float* bias, int64_t channels, int64_t plane, float* y) {
  if (!bias) return;
  for (int64_t c = 0; c < channels; ++c) {
    float* row = y + c * plane;
    const float b = bias[c];
    for (int64_t i = 0; i < plane; ++i)
      row[i] += b;
  }
}

// Starts each output channel at its bias so the GEMM accumulates onto it (beta = 1), which saves
// a separate pass adding the bias afterwards.
void fill_with_bias(const float* bias, int64_t channels, int64_t plane, float* y) {
  for (int64_t c = 0; c < channels; ++c)
    std::fill(y + c * plane, y + (c + 1) * plane, bias[c]);
}

bool is_pointwise(const WindowGeometry& g) {
  for (size_t a = 0; a < g.spatial(); ++a)
    if (g.kernel[a] != 1 || g.strides[a] != 1 || g.pads_begin[a] != 0 || g.pads_end[a] != 0)
      return false;
  return true;
}

// Depthwise 2-D: output channel m reads input channel m / multiplier. Accumulates one kernel tap
// at a time over a whole output row, so the inner loop is a strided multiply-add.
void depthwise_2d(const WindowGeometry& g, int64_t channels, int64_t multiplier, const float* x,
                  const float* w, float* y) {
  const int64_t ih = g.in[0], iw = g.in[1], oh = g.out[0], ow = g.out[1];
  const int64_t kh = g.kernel[0], kw = g.kernel[1];
  const int64_t sh = g.strides[0], sw = g.strides[1], dh = g.dilations[0], dw = g.dilations[1];
  const int64_t ph = g.pads_begin[0], pw = g.pads_begin[1];
  for (int64_t m = 0; m < channels * multiplier; ++m) {
    const float* plane = x + (m / multiplier) * ih * iw;
    const float* taps = w + m * kh * kw;
    float* out = y + m * oh * ow;
    std::fill(out, out + oh * ow, 0.0f);
    for (int64_t oy = 0; oy < oh; ++oy) {
      float* out_row = out + oy * ow;
      for (int64_t ky = 0; ky < kh; ++ky) {
        const int64_t iy = oy * sh + ky * dh - ph;
        if (iy < 0 || iy >= ih) continue;
        const float* in_row = plane + iy * iw;
        for (int64_t kx = 0; kx < kw; ++kx) {
          const float tap = taps[ky * kw + kx];
          const int64_t shift = kx * dw - pw;
          const int64_t lo = shift >= 0 ? 0 : std::min(ow, (-shift + sw - 1) / sw);
          const int64_t hi = iw - shift <= 0 ? 0 : std::clamp((iw - shift + sw - 1) / sw, lo, ow);
          if (lo >= hi) continue;
          const float* src = in_row + lo * sw + shift;
          float* dst = out_row + lo;
          if (sw == 1) {
            for (int64_t i = 0; i < hi - lo; ++i)
              dst[i] += tap * src[i];
          } else {
            for (int64_t i = 0; i < hi - lo; ++i)
              dst[i] += tap * src[i * sw];
          }
        }
      }
    }
  }
}

void run_conv(KernelContext& ctx) {
  const Tensor& x = float_input(ctx, 0, "input");
  const Tensor& w = float_input(ctx, 1, "weight");
  if (x.rank() < 3 || w.rank() != x.rank())
    model_error("input shape {} and weight shape {} must both be N x C x spatial",
                sizes_to_string(x.dims()), sizes_to_string(w.dims()));
  const int64_t group = ctx.attrs().i("group");
  const int64_t batch = x.dims()[0], in_channels = x.dims()[1], out_channels = w.dims()[0];
  if (group < 1 || in_channels % group != 0 || out_channels % group != 0 ||
      w.dims()[1] * group != in_channels)
    model_error("input shape {}, weight shape {} and group {} do not fit together",
                sizes_to_string(x.dims()), sizes_to_string(w.dims()), group);
  const WindowGeometry g = window_geometry(ctx, x.dims(), spatial_dims(w));
  if (g.kernel != spatial_dims(w))
    model_error("kernel_shape {} does not match the weight shape {}", sizes_to_string(g.kernel),
                sizes_to_string(w.dims()));
  const float* bias = optional_bias(ctx, out_channels);

  std::vector<int64_t> out_dims = {batch, out_channels};
  out_dims.insert(out_dims.end(), g.out.begin(), g.out.end());
  // Every cell is written: by the bias fill, the GEMM (beta = 0 without a bias) or the
  // depthwise loop, which starts each channel at zero.
  Tensor out = Tensor::uninitialized(DType::Float32, out_dims);
  float* y = out.mutable_data<float>();
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();

  const int64_t in_plane = g.in_count(), out_plane = g.out_count();
  const int64_t cg = in_channels / group, mg = out_channels / group;
  const int64_t k = cg * g.kernel_count();
  const bool depthwise = cg == 1 && group > 1 && g.spatial() == 2;
  const bool pointwise = is_pointwise(g);
  std::unique_ptr<float[]> col;
  if (!pointwise && !depthwise) col = scratch(checked_mul(k, out_plane));

  for (int64_t n = 0; n < batch; ++n) {
    const float* xn = xd + n * in_channels * in_plane;
    float* yn = y + n * out_channels * out_plane;
    if (depthwise) {
      depthwise_2d(g, in_channels, mg, xn, wd, yn);
      add_bias(bias, out_channels, out_plane, yn);
    } else {
      if (bias) fill_with_bias(bias, out_channels, out_plane, yn);
      for (int64_t gi = 0; gi < group; ++gi) {
        const float* xg = xn + gi * cg * in_plane;
        const float* cols = xg;
        if (!pointwise) {
          im2col(g, cg, xg, col.get());
          cols = col.get();
        }
        gemm({wd + gi * mg * k, mg, k, k}, {cols, k, out_plane, out_plane},
             yn + gi * mg * out_plane, out_plane, 1.0f, bias ? 1.0f : 0.0f);
      }
    }
  }
  ctx.set_output(0, std::move(out));
}

void run_conv_transpose(KernelContext& ctx) {
  const Tensor& x = float_input(ctx, 0, "input");
  const Tensor& w = float_input(ctx, 1, "weight");
  if (x.rank() < 3 || w.rank() != x.rank())
    model_error("input shape {} and weight shape {} must both be N x C x spatial",
                sizes_to_string(x.dims()), sizes_to_string(w.dims()));
  const int64_t group = ctx.attrs().i("group");
  const int64_t batch = x.dims()[0], in_channels = x.dims()[1];
  if (group < 1 || in_channels % group != 0 || w.dims()[0] != in_channels)
    model_error("input shape {}, weight shape {} and group {} do not fit together",
                sizes_to_string(x.dims()), sizes_to_string(w.dims()), group);
  const int64_t out_channels = checked_mul(w.dims()[1], group);
  const size_t spatial = x.rank() - 2;
  const ConvTransposeParams params =
      read_conv_transpose_params(ctx.attrs(), spatial, spatial_dims(w));
  if (params.window.kernel != spatial_dims(w))
    model_error("kernel_shape {} does not match the weight shape {}",
                sizes_to_string(params.window.kernel), sizes_to_string(w.dims()));
  const ConvTransposeGeometry geometry = resolve_conv_transpose(params, spatial_dims(x));
  const float* bias = optional_bias(ctx, out_channels);

  // In convolution terms the transposed conv's output is the image and its input the window
  // grid: output cell i * s + k * d - pb receives input cell i times tap k.
  WindowGeometry g;
  g.in = geometry.out_sizes;
  g.out = spatial_dims(x);
  g.kernel = params.window.kernel;
  g.strides = params.window.strides;
  g.dilations = params.window.dilations;
  g.pads_begin.assign(geometry.pads.begin(), geometry.pads.begin() + spatial);
  g.pads_end.assign(geometry.pads.begin() + spatial, geometry.pads.end());

  std::vector<int64_t> out_dims = {batch, out_channels};
  out_dims.insert(out_dims.end(), g.in.begin(), g.in.end());
  Tensor out(DType::Float32, out_dims);  // zeroed: col2im accumulates into it
  float* y = out.mutable_data<float>();
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();

  const int64_t in_plane = g.out_count(), out_plane = g.in_count();
  const int64_t cg = in_channels / group, mg = out_channels / group;
  const int64_t rows = mg * g.kernel_count();
  auto col = scratch(checked_mul(rows, in_plane));
  for (int64_t n = 0; n < batch; ++n) {
    float* yn = y + n * out_channels * out_plane;
    for (int64_t gi = 0; gi < group; ++gi) {
      const float* xg = xd + (n * in_channels + gi * cg) * in_plane;
      // W for this group is cg x (mg * kernel); its transpose maps input channels to taps.
      MatrixView wt{wd + gi * cg * rows, cg, rows, rows, /*transposed=*/true};
      gemm(wt, {xg, cg, in_plane, in_plane}, col.get(), in_plane);
      col2im_add(g, mg, col.get(), yn + gi * mg * out_plane);
    }
    add_bias(bias, out_channels, out_plane, yn);
  }
  ctx.set_output(0, std::move(out));
}

const std::vector<KernelEntry> kKernels = {
    {"Conv", run_conv},
    {"ConvTranspose", run_conv_transpose},
};

}  // namespace

std::span<const KernelEntry> conv_kernels() {
  return kKernels;
}

}  // namespace nnport
