// Reference kernels for activations (see ir/ops/activation.cpp). Float math runs in the
// tensor's own precision (float16/bfloat16 widened to float32), using the numerically stable
// forms ONNX Runtime uses where the textbook formula overflows.
#include <cmath>
#include <numbers>
#include <vector>

#include "ir/error.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/strided_walk.h"

namespace nnport {

namespace {

template <typename T>
T sigmoid(T x) {
  // exp(-x) overflows for very negative x; this branch keeps the result finite and exact.
  if (x >= T{0}) return T{1} / (T{1} + std::exp(-x));
  const T e = std::exp(x);
  return e / (T{1} + e);
}

template <typename T>
T softplus(T x) {
  // log(exp(x) + 1) rewritten so that exp never overflows.
  if (x > T{0}) return x + std::log1p(std::exp(-x));
  return std::log1p(std::exp(x));
}

template <typename Make>
void run_float(KernelContext& ctx, Make make_op) {
  ctx.set_output(0, map_elements<kFloatTypes>(ctx.input(0), make_op(ctx.attrs())));
}

void run_relu(KernelContext& ctx) {
  ctx.set_output(0, map_elements<kFloatTypes | kSignedTypes>(ctx.input(0), [](auto x) {
                   return x > decltype(x){0} ? x : decltype(x){0};
                 }));
}

void run_leaky_relu(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader& a) {
    const float alpha = a.f("alpha");
    return [alpha](auto x) { return x >= 0 ? x : static_cast<decltype(x)>(alpha) * x; };
  });
}

void run_elu(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader& a) {
    const float alpha = a.f("alpha");
    return [alpha](auto x) {
      return x >= 0 ? x : static_cast<decltype(x)>(alpha) * (std::exp(x) - 1);
    };
  });
}

void run_selu(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader& a) {
    const float alpha = a.f("alpha"), gamma = a.f("gamma");
    return [alpha, gamma](auto x) {
      using T = decltype(x);
      const T g = static_cast<T>(gamma), al = static_cast<T>(alpha);
      return x > 0 ? g * x : g * (al * std::exp(x) - al);
    };
  });
}

void run_celu(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader& a) {
    const float alpha = a.f("alpha");
    if (alpha == 0.0f) model_error("Celu alpha must not be 0");
    return [alpha](auto x) {
      using T = decltype(x);
      const T al = static_cast<T>(alpha);
      return std::max(T{0}, x) + std::min(T{0}, al * (std::exp(x / al) - 1));
    };
  });
}

void run_sigmoid(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader&) { return [](auto x) { return sigmoid(x); }; });
}

void run_tanh(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader&) { return [](auto x) { return std::tanh(x); }; });
}

void run_hard_sigmoid(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader& a) {
    const float alpha = a.f("alpha"), beta = a.f("beta");
    return [alpha, beta](auto x) {
      using T = decltype(x);
      return std::max(T{0}, std::min(T{1}, static_cast<T>(alpha) * x + static_cast<T>(beta)));
    };
  });
}

void run_hard_swish(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader&) {
    return [](auto x) {
      using T = decltype(x);
      // ONNX defines HardSwish as x * HardSigmoid(x) with alpha = 1/6, beta = 0.5.
      const T alpha = T{1} / T{6};
      return x * std::max(T{0}, std::min(T{1}, alpha * x + T{0.5}));
    };
  });
}

void run_softplus(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader&) { return [](auto x) { return softplus(x); }; });
}

void run_softsign(KernelContext& ctx) {
  run_float(ctx, [](const AttrReader&) {
    return [](auto x) { return x / (decltype(x){1} + std::fabs(x)); };
  });
}

void run_gelu(KernelContext& ctx) {
  const std::string approximate = ctx.attrs().s("approximate");
  if (approximate == "tanh") {
    run_float(ctx, [](const AttrReader&) {
      return [](auto x) {
        using T = decltype(x);
        const T k = static_cast<T>(std::sqrt(2.0 / std::numbers::pi));
        return T{0.5} * x * (T{1} + std::tanh(k * (x + T{0.044715} * x * x * x)));
      };
    });
  } else if (approximate == "none") {
    run_float(ctx, [](const AttrReader&) {
      return [](auto x) {
        using T = decltype(x);
        return T{0.5} * x * (T{1} + std::erf(x * static_cast<T>(std::numbers::sqrt2 / 2)));
      };
    });
  } else {
    model_error("Gelu approximate must be 'none' or 'tanh', got '{}'", approximate);
  }
}

void run_mish(KernelContext& ctx) {
  run_float(ctx,
            [](const AttrReader&) { return [](auto x) { return x * std::tanh(softplus(x)); }; });
}

void run_prelu(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const Tensor& slope = ctx.input(1);
  if (x.dtype() != slope.dtype())
    model_error("X is {} but slope is {}", dtype_name(x.dtype()), dtype_name(slope.dtype()));
  if (!broadcasts_to(slope.dims(), x.dims()))
    model_error("slope of shape {} does not broadcast to X of shape {}",
                sizes_to_string(slope.dims()), sizes_to_string(x.dims()));
  const Tensor wx = widen_half(x), ws = widen_half(slope);
  Tensor out = dispatch_dtype<kFloatTypes | kSignedTypes>(wx.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor result(wx.dtype(), wx.dims());
    const T* px = wx.data<T>();
    const T* ps = ws.data<T>();
    T* po = result.mutable_data<T>();
    for_each_broadcast<2>(wx.dims(), {&wx.dims(), &ws.dims()},
                          [&](int64_t i, const std::array<int64_t, 2>& at) {
                            const T v = px[at[0]];
                            po[i] = v >= T{0} ? v : static_cast<T>(ps[at[1]] * v);
                          });
    return result;
  });
  ctx.set_output(0, narrow_to(out, x.dtype()));
}

// A Clip bound as a widened single-element tensor of the input's dtype.
Tensor clip_bound(const KernelContext& ctx, size_t i, const char* name) {
  const Tensor& t = ctx.input(i);
  if (t.element_count() != 1)
    model_error("Clip's {} must be a scalar, got shape {}", name, sizes_to_string(t.dims()));
  if (t.dtype() != ctx.input(0).dtype())
    model_error("Clip's {} is {} but the input is {}", name, dtype_name(t.dtype()),
                dtype_name(ctx.input(0).dtype()));
  return widen_half(t);
}

void run_clip(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const bool has_min = ctx.has_input(1), has_max = ctx.has_input(2);
  const Tensor lo = has_min ? clip_bound(ctx, 1, "min") : Tensor();
  const Tensor hi = has_max ? clip_bound(ctx, 2, "max") : Tensor();
  ctx.set_output(0, map_elements<kNumericTypes>(x, [&](auto v) {
                   using T = decltype(v);
                   // ONNX Runtime's order: min(max(x, lo), hi), so lo > hi gives hi.
                   if (has_min && v < lo.data<T>()[0]) v = lo.data<T>()[0];
                   if (has_max && v > hi.data<T>()[0]) v = hi.data<T>()[0];
                   return v;
                 }));
}

const std::vector<KernelEntry> kKernels = {
    {"Relu", run_relu},
    {"LeakyRelu", run_leaky_relu},
    {"PRelu", run_prelu},
    {"Elu", run_elu},
    {"Selu", run_selu},
    {"Celu", run_celu},
    {"Clip", run_clip},
    {"Sigmoid", run_sigmoid},
    {"Tanh", run_tanh},
    {"HardSigmoid", run_hard_sigmoid},
    {"HardSwish", run_hard_swish},
    {"Softplus", run_softplus},
    {"Softsign", run_softsign},
    {"Gelu", run_gelu},
    {"Mish", run_mish},
};

}  // namespace

std::span<const KernelEntry> activation_kernels() {
  return kKernels;
}

}  // namespace nnport
