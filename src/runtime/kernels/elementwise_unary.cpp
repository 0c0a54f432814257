// Unary elementwise kernels, Cast, Identity and inference-mode Dropout.
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ir/error.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/elementwise_kernels.h"

namespace nnport {

namespace {

template <typename Op>
void run_float_unary(KernelContext& ctx) {
  ctx.set_output(0, map_elements<kFloatTypes>(ctx.input(0), Op{}));
}

template <typename Op>
void run_numeric_unary(KernelContext& ctx) {
  ctx.set_output(0, map_elements<kNumericTypes>(ctx.input(0), Op{}));
}

struct ExpOp {
  auto operator()(auto x) const { return std::exp(x); }
};
struct LogOp {
  auto operator()(auto x) const { return std::log(x); }
};
struct SqrtOp {
  auto operator()(auto x) const { return std::sqrt(x); }
};
struct ErfOp {
  auto operator()(auto x) const { return std::erf(x); }
};
struct FloorOp {
  auto operator()(auto x) const { return std::floor(x); }
};
struct CeilOp {
  auto operator()(auto x) const { return std::ceil(x); }
};
// nearbyint in the default rounding mode rounds half to even, as ONNX Round requires.
struct RoundOp {
  auto operator()(auto x) const { return std::nearbyint(x); }
};
struct ReciprocalOp {
  template <typename T>
  T operator()(T x) const {
    return T{1} / x;
  }
};
struct SinOp {
  auto operator()(auto x) const { return std::sin(x); }
};
struct CosOp {
  auto operator()(auto x) const { return std::cos(x); }
};

struct AbsOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_unsigned_v<T>)
      return x;
    else if constexpr (std::is_integral_v<T>)  // |INT_MIN| wraps to INT_MIN
      return x < 0 ? static_cast<T>(0u - static_cast<std::make_unsigned_t<T>>(x)) : x;
    else
      return std::fabs(x);
  }
};
struct NegOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_integral_v<T>)
      return static_cast<T>(0u - static_cast<std::make_unsigned_t<T>>(x));
    else
      return -x;
  }
};
struct SignOp {
  template <typename T>
  T operator()(T x) const {
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(x)) return x;
    return static_cast<T>((T{0} < x) - (x < T{0}));
  }
};

// One element of Cast. Float to integer truncates toward zero and refuses values outside the
// target's range (and NaN): C++ leaves those undefined and runtimes disagree on them.
template <typename To, typename From>
To cast_value(From v) {
  if constexpr (std::is_same_v<To, bool>) {
    return v != From{0};
  } else if constexpr (std::is_floating_point_v<From> && std::is_integral_v<To>) {
    const double t = std::trunc(static_cast<double>(v));
    const double upper = std::ldexp(1.0, std::numeric_limits<To>::digits);
    const double lower = std::is_signed_v<To> ? -upper : 0.0;
    if (!(t >= lower && t < upper))
      model_error("Cast: value {} does not fit in {}", static_cast<double>(v),
                  dtype_name(dtype_of<To>()));
    return static_cast<To>(t);
  } else {
    return static_cast<To>(v);
  }
}

Tensor cast_tensor(const Tensor& input, DType to) {
  const Tensor x = widen_half(input);
  const DType compute_to = is_half_dtype(to) ? DType::Float32 : to;
  if (x.dtype() == compute_to) return narrow_to(x, to);
  Tensor converted = dispatch_dtype<kAllTypes>(x.dtype(), [&](auto from_tag) {
    using From = typename decltype(from_tag)::type;
    return dispatch_dtype<kAllTypes>(compute_to, [&](auto to_tag) {
      using To = typename decltype(to_tag)::type;
      Tensor out(compute_to, x.dims());
      const From* src = x.data<From>();
      To* dst = out.mutable_data<To>();
      for (int64_t i = 0; i < x.element_count(); ++i)
        dst[i] = cast_value<To, From>(src[i]);
      return out;
    });
  });
  return narrow_to(converted, to);
}

void run_cast(KernelContext& ctx) {
  const std::string name = ctx.attrs().s("to");
  const DType to = dtype_from_name(name);
  if (to == DType::Undefined || to == DType::String)
    model_error("Cast to '{}' is not supported", name);
  ctx.set_output(0, cast_tensor(ctx.input(0), to));
}

void run_identity(KernelContext& ctx) {
  ctx.set_output(0, ctx.input(0));
}

void run_dropout(KernelContext& ctx) {
  if (ctx.has_input(2)) {
    const auto training = ctx.input(2).to_int64_vector();
    float ratio = 0.5f;
    if (ctx.has_input(1)) {
      const auto r = ctx.input(1).to_float_vector();
      if (r.size() != 1) model_error("Dropout ratio must be a scalar");
      ratio = r[0];
    }
    if (training.size() == 1 && training[0] != 0 && ratio != 0.0f)
      model_error("Dropout in training mode (ratio {}) is random and cannot be reproduced", ratio);
  }
  const Tensor& x = ctx.input(0);
  ctx.set_output(0, x);
  if (ctx.output_count() > 1) {
    Tensor mask(DType::Bool, x.dims());
    bool* m = mask.mutable_data<bool>();
    for (int64_t i = 0; i < mask.element_count(); ++i)
      m[i] = true;
    ctx.set_output(1, std::move(mask));
  }
}

const std::vector<KernelEntry> kKernels = {
    {"Exp", run_float_unary<ExpOp>},
    {"Log", run_float_unary<LogOp>},
    {"Sqrt", run_float_unary<SqrtOp>},
    {"Erf", run_float_unary<ErfOp>},
    {"Abs", run_numeric_unary<AbsOp>},
    {"Neg", run_numeric_unary<NegOp>},
    {"Floor", run_float_unary<FloorOp>},
    {"Ceil", run_float_unary<CeilOp>},
    {"Round", run_float_unary<RoundOp>},
    {"Sign", run_numeric_unary<SignOp>},
    {"Reciprocal", run_float_unary<ReciprocalOp>},
    {"Sin", run_float_unary<SinOp>},
    {"Cos", run_float_unary<CosOp>},
    {"Cast", run_cast},
    {"Identity", run_identity},
    {"Dropout", run_dropout},
};

}  // namespace

std::span<const KernelEntry> elementwise_unary_kernels() {
  return kKernels;
}

}  // namespace nnport
