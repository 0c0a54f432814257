// QuantizeLinear / DequantizeLinear, per tensor or per axis. The quotient x / scale is formed in
// float32 and rounded half to even (ONNX); TFLite's reference quantizer rounds half away from
// zero, so the two differ by one step only when x / scale lands exactly on a .5.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/families.h"

namespace nnport {

namespace {

// For element i, which scale/zero point applies: i / inner % channels along the axis.
struct Channels {
  int64_t count = 1, inner = 1;
  int64_t of(int64_t i) const { return count == 1 ? 0 : (i / inner) % count; }
};

Channels channels_of(KernelContext& ctx, const Tensor& x, const Tensor& scale) {
  Channels c;
  if (scale.element_count() == 1) return c;
  if (scale.rank() != 1) model_error("node '{}': scale must be a scalar or 1-D", ctx.node().name);
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(x.rank()));
  if (x.dims()[axis] != scale.element_count())
    model_error("node '{}': {} scales for {} entries along axis {}", ctx.node().name,
                scale.element_count(), x.dims()[axis], axis);
  c.count = scale.element_count();
  for (size_t d = axis + 1; d < x.rank(); ++d)
    c.inner *= x.dims()[d];
  return c;
}

std::vector<int64_t> zero_points(KernelContext& ctx, int64_t count) {
  if (!ctx.has_input(2)) return std::vector<int64_t>(count, 0);
  std::vector<int64_t> zp = ctx.input(2).to_int64_vector();
  if (static_cast<int64_t>(zp.size()) != count)
    model_error("node '{}': {} zero points for {} scales", ctx.node().name, zp.size(), count);
  return zp;
}

void run_quantize(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& scale_tensor = ctx.input(1);
  const std::vector<float> xs = x.to_float_vector();
  const std::vector<float> scale = scale_tensor.to_float_vector();
  const Channels channels = channels_of(ctx, x, scale_tensor);
  const std::vector<int64_t> zp = zero_points(ctx, static_cast<int64_t>(scale.size()));
  const DType out_dtype = ctx.has_input(2) ? ctx.input(2).dtype() : DType::UInt8;
  Tensor out = Tensor::uninitialized(out_dtype, x.dims());
  dispatch_dtype<kIntegerTypes>(out_dtype, [&](auto tag) {
    using T = typename decltype(tag)::type;
    T* dst = out.mutable_data<T>();
    const double lo = static_cast<double>(std::numeric_limits<T>::min());
    const double hi = static_cast<double>(std::numeric_limits<T>::max());
    for (int64_t i = 0; i < x.element_count(); ++i) {
      const int64_t c = channels.of(i);
      const float q = std::nearbyint(xs[i] / scale[c]);  // default mode: half to even
      double v = static_cast<double>(q) + static_cast<double>(zp[c]);
      if (std::isnan(q)) v = 0;
      dst[i] = static_cast<T>(std::clamp(v, lo, hi));
    }
    return 0;
  });
  ctx.set_output(0, std::move(out));
}

void run_dequantize(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& scale_tensor = ctx.input(1);
  const std::vector<int64_t> xs = x.to_int64_vector();
  const std::vector<float> scale = scale_tensor.to_float_vector();
  const Channels channels = channels_of(ctx, x, scale_tensor);
  const std::vector<int64_t> zp = zero_points(ctx, static_cast<int64_t>(scale.size()));
  if (scale_tensor.dtype() != DType::Float32)
    model_error("node '{}': only float32 scales are supported", ctx.node().name);
  Tensor out = Tensor::uninitialized(DType::Float32, x.dims());
  float* dst = out.mutable_data<float>();
  for (int64_t i = 0; i < x.element_count(); ++i) {
    const int64_t c = channels.of(i);
    // The difference is exact in int64 and converted to float once, as ONNX and TFLite do.
    dst[i] = static_cast<float>(xs[i] - zp[c]) * scale[c];
  }
  ctx.set_output(0, std::move(out));
}

const std::vector<KernelEntry> kKernels = {
    {"QuantizeLinear", run_quantize},
    {"DequantizeLinear", run_dequantize},
};

}  // namespace

std::span<const KernelEntry> quantize_kernels() {
  return kKernels;
}

}  // namespace nnport
