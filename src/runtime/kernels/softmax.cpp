// Softmax, LogSoftmax and Hardmax along one axis. The maximum is subtracted before exp (the
// result is mathematically unchanged and cannot overflow); sums accumulate in double.
#include <cmath>
#include <vector>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/families.h"

namespace nnport {

namespace {

enum class SoftmaxKind { Softmax, LogSoftmax, Hardmax };

// The tensor viewed as [outer, length, inner]: each lane along the axis starts at
// o * length * inner + i and steps by inner.
struct AxisLanes {
  int64_t outer = 1, length = 1, inner = 1;
};

AxisLanes lanes_along(const std::vector<int64_t>& dims, int64_t axis) {
  AxisLanes lanes;
  for (int64_t i = 0; i < axis; ++i)
    lanes.outer *= dims[i];
  lanes.length = dims[axis];
  for (size_t i = axis + 1; i < dims.size(); ++i)
    lanes.inner *= dims[i];
  return lanes;
}

template <typename T>
void normalize_lane(const T* in, T* out, int64_t stride, int64_t length, SoftmaxKind kind) {
  int64_t argmax = 0;
  T max_value = in[0];
  for (int64_t j = 1; j < length; ++j)
    if (in[j * stride] > max_value) {
      max_value = in[j * stride];
      argmax = j;
    }
  if (kind == SoftmaxKind::Hardmax) {
    for (int64_t j = 0; j < length; ++j)
      out[j * stride] = j == argmax ? T{1} : T{0};
    return;
  }
  double sum = 0.0;
  for (int64_t j = 0; j < length; ++j)
    sum += std::exp(static_cast<double>(in[j * stride] - max_value));
  if (kind == SoftmaxKind::LogSoftmax) {
    const T log_sum = static_cast<T>(std::log(sum));
    for (int64_t j = 0; j < length; ++j)
      out[j * stride] = in[j * stride] - max_value - log_sum;
    return;
  }
  for (int64_t j = 0; j < length; ++j)
    out[j * stride] =
        static_cast<T>(std::exp(static_cast<double>(in[j * stride] - max_value)) / sum);
}

template <SoftmaxKind Kind>
void run_softmax(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), static_cast<int64_t>(x.rank()));
  ctx.set_output(0, with_half_widened(x, [&](const Tensor& in) {
                   return dispatch_dtype<kFloatTypes>(in.dtype(), [&](auto tag) {
                     using T = typename decltype(tag)::type;
                     Tensor out(in.dtype(), in.dims());
                     const AxisLanes lanes = lanes_along(in.dims(), axis);
                     if (lanes.length == 0) return out;
                     const T* src = in.data<T>();
                     T* dst = out.mutable_data<T>();
                     for (int64_t o = 0; o < lanes.outer; ++o)
                       for (int64_t i = 0; i < lanes.inner; ++i) {
                         const int64_t start = o * lanes.length * lanes.inner + i;
                         normalize_lane(src + start, dst + start, lanes.inner, lanes.length, Kind);
                       }
                     return out;
                   });
                 }));
}

const std::vector<KernelEntry> kKernels = {
    {"Softmax", run_softmax<SoftmaxKind::Softmax>},
    {"LogSoftmax", run_softmax<SoftmaxKind::LogSoftmax>},
    {"Hardmax", run_softmax<SoftmaxKind::Hardmax>},
};

}  // namespace

std::span<const KernelEntry> softmax_kernels() {
  return kKernels;
}

}  // namespace nnport
