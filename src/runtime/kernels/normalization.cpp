// BatchNormalization (inference), InstanceNormalization and LRN in float32.
#include <cmath>
#include <vector>

#include "ir/error.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/nn_common.h"

namespace nnport {

namespace {

const float* channel_vector(const KernelContext& ctx, size_t i, const char* role,
                            int64_t channels) {
  const Tensor& t = float_input(ctx, i, role);
  if (t.rank() != 1 || t.dims()[0] != channels)
    model_error("{} has shape {}; expected [{}]", role, sizes_to_string(t.dims()), channels);
  return t.data<float>();
}

void run_batch_norm(KernelContext& ctx) {
  if (ctx.attrs().i("training_mode") != 0 || ctx.output_count() > 1)
    model_error("only inference (training_mode=0, one output) is supported");
  const Tensor& x = float_input(ctx, 0, "input");
  if (x.rank() < 2) model_error("input shape {} has no channel axis", sizes_to_string(x.dims()));
  const int64_t channels = x.dims()[1];
  const float* scale = channel_vector(ctx, 1, "scale", channels);
  const float* bias = channel_vector(ctx, 2, "B", channels);
  const float* mean = channel_vector(ctx, 3, "mean", channels);
  const float* var = channel_vector(ctx, 4, "var", channels);
  const float epsilon = ctx.attrs().f("epsilon");
  // Folded per channel into y = x * a + b, the way ONNX Runtime evaluates it.
  std::vector<float> a(channels), b(channels);
  for (int64_t c = 0; c < channels; ++c) {
    a[c] = scale[c] / std::sqrt(var[c] + epsilon);
    b[c] = bias[c] - mean[c] * a[c];
  }
  Tensor out(DType::Float32, x.dims());
  float* y = out.mutable_data<float>();
  const float* xd = x.data<float>();
  const int64_t plane = product(x.dims(), 2);
  for (int64_t p = 0; p < x.dims()[0] * channels; ++p) {
    const int64_t c = p % channels;
    for (int64_t i = 0; i < plane; ++i)
      y[p * plane + i] = xd[p * plane + i] * a[c] + b[c];
  }
  ctx.set_output(0, std::move(out));
}

void run_instance_norm(KernelContext& ctx) {
  const Tensor& x = float_input(ctx, 0, "input");
  if (x.rank() < 3)
    model_error("expected an N x C x spatial input, got {}", sizes_to_string(x.dims()));
  const int64_t channels = x.dims()[1];
  const float* scale = channel_vector(ctx, 1, "scale", channels);
  const float* bias = channel_vector(ctx, 2, "B", channels);
  const float epsilon = ctx.attrs().f("epsilon");
  Tensor out(DType::Float32, x.dims());
  float* y = out.mutable_data<float>();
  const float* xd = x.data<float>();
  const int64_t plane = product(x.dims(), 2);
  if (plane == 0) return ctx.set_output(0, std::move(out));
  for (int64_t p = 0; p < x.dims()[0] * channels; ++p) {
    const int64_t c = p % channels;
    const float* v = xd + p * plane;
    // Two passes in double: the mean first, then the biased variance around it.
    double sum = 0.0;
    for (int64_t i = 0; i < plane; ++i)
      sum += v[i];
    const double mean = sum / static_cast<double>(plane);
    double squares = 0.0;
    for (int64_t i = 0; i < plane; ++i)
      squares += (v[i] - mean) * (v[i] - mean);
    const double var = squares / static_cast<double>(plane);
    const float a = static_cast<float>(scale[c] / std::sqrt(var + epsilon));
    const float b = static_cast<float>(bias[c] - mean * a);
    for (int64_t i = 0; i < plane; ++i)
      y[p * plane + i] = v[i] * a + b;
  }
  ctx.set_output(0, std::move(out));
}

void run_lrn(KernelContext& ctx) {
  const Tensor& x = float_input(ctx, 0, "input");
  if (x.rank() < 3)
    model_error("expected an N x C x spatial input, got {}", sizes_to_string(x.dims()));
  const int64_t size = ctx.attrs().i("size");
  if (size < 1) model_error("size {} must be at least 1", size);
  const float alpha = ctx.attrs().f("alpha"), beta = ctx.attrs().f("beta");
  const float bias = ctx.attrs().f("bias");
  const int64_t channels = x.dims()[1], plane = product(x.dims(), 2);
  // The window covers floor((size-1)/2) channels before c and ceil((size-1)/2) after.
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  Tensor out(DType::Float32, x.dims());
  float* y = out.mutable_data<float>();
  const float* xd = x.data<float>();
  std::vector<float> sums(plane);
  for (int64_t n = 0; n < x.dims()[0]; ++n) {
    const float* xn = xd + n * channels * plane;
    for (int64_t c = 0; c < channels; ++c) {
      std::fill(sums.begin(), sums.end(), 0.0f);
      const int64_t lo = std::max<int64_t>(0, c - before);
      const int64_t hi = std::min(channels - 1, c + after);
      for (int64_t j = lo; j <= hi; ++j)
        for (int64_t i = 0; i < plane; ++i)
          sums[i] += xn[j * plane + i] * xn[j * plane + i];
      float* yc = y + (n * channels + c) * plane;
      for (int64_t i = 0; i < plane; ++i)
        yc[i] = xn[c * plane + i] / std::pow(bias + alpha / size * sums[i], beta);
    }
  }
  ctx.set_output(0, std::move(out));
}

const std::vector<KernelEntry> kKernels = {
    {"BatchNormalization", run_batch_norm},
    {"InstanceNormalization", run_instance_norm},
    {"LRN", run_lrn},
};

}  // namespace

std::span<const KernelEntry> normalization_kernels() {
  return kKernels;
}

}  // namespace nnport
