// Reference kernels for the elementwise family (see ir/ops/elementwise.cpp). Signed integer
// arithmetic wraps like two's-complement hardware (what ONNX Runtime produces) instead of being
// undefined; integer division or modulo by zero is refused.
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "ir/error.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/elementwise_kernels.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/strided_walk.h"

namespace nnport {

namespace {

template <typename T>
T wrapping(T a, T b, char op) {
  using U = std::make_unsigned_t<T>;
  const U ua = static_cast<U>(a), ub = static_cast<U>(b);
  switch (op) {
    case '+':
      return static_cast<T>(static_cast<U>(ua + ub));
    case '-':
      return static_cast<T>(static_cast<U>(ua - ub));
    default:
      return static_cast<T>(static_cast<U>(ua * ub));
  }
}

struct AddOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return wrapping(a, b, '+');
    else
      return a + b;
  }
};
struct SubOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return wrapping(a, b, '-');
    else
      return a - b;
  }
};
struct MulOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>)
      return wrapping(a, b, '*');
    else
      return a * b;
  }
};
struct DivOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_integral_v<T>) {
      if (b == 0) model_error("integer division by zero");
      // INT_MIN / -1 overflows; two's complement wraps it to INT_MIN.
      if constexpr (std::is_signed_v<T>)
        if (b == -1) return wrapping(T{0}, a, '-');
      return static_cast<T>(a / b);
    } else {
      return a / b;
    }
  }
};
// Python-style modulo: the result takes the divisor's sign.
struct IntegerModOp {
  template <typename T>
  T operator()(T a, T b) const {
    if (b == 0) model_error("integer modulo by zero");
    if constexpr (std::is_signed_v<T>) {
      if (b == -1) return 0;
      T r = static_cast<T>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      return r;
    } else {
      return static_cast<T>(a % b);
    }
  }
};
// C fmod: the result takes the dividend's sign.
struct FmodOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>) {
      return std::fmod(a, b);
    } else {
      if (b == 0) model_error("integer modulo by zero");
      if constexpr (std::is_signed_v<T>)
        if (b == -1) return 0;
      return static_cast<T>(a % b);
    }
  }
};
struct MaxOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    return a < b ? b : a;
  }
};
struct MinOp {
  template <typename T>
  T operator()(T a, T b) const {
    if constexpr (std::is_floating_point_v<T>)
      if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<T>::quiet_NaN();
    return b < a ? b : a;
  }
};

template <typename In, typename Out, typename Op>
Tensor broadcast_binary(const Tensor& a, const Tensor& b, DType out_dtype, Op op) {
  const Dims out_dims = broadcast_dims(a.dims(), b.dims());
  Tensor out = Tensor::uninitialized(out_dtype, out_dims);  // the walk writes every element
  const In* pa = a.data<In>();
  const In* pb = b.data<In>();
  Out* po = out.mutable_data<Out>();
  for_each_broadcast<2>(out_dims, {&a.dims(), &b.dims()},
                        [&](int64_t i, const std::array<int64_t, 2>& at) {
                          po[i] = static_cast<Out>(op(pa[at[0]], pb[at[1]]));
                        });
  return out;
}

void check_same_dtype(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype())
    model_error("inputs must share one dtype, got {} and {}", dtype_name(a.dtype()),
                dtype_name(b.dtype()));
}

// T op T -> T for the dtypes in Allowed; float16/bfloat16 computed in float32.
template <unsigned Allowed, typename Op>
Tensor arithmetic(const Tensor& a, const Tensor& b, Op op) {
  check_same_dtype(a, b);
  if constexpr ((Allowed & kFloatTypes) != 0)
    if (is_half_dtype(a.dtype()))
      return narrow_to(arithmetic<kFloatTypes>(widen_half(a), widen_half(b), op), a.dtype());
  return dispatch_dtype<Allowed>(a.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    return broadcast_binary<T, T>(a, b, a.dtype(), op);
  });
}

template <typename Op>
void run_arithmetic(KernelContext& ctx) {
  ctx.set_output(0, arithmetic<kNumericTypes>(ctx.input(0), ctx.input(1), Op{}));
}

template <typename Op>
void run_variadic(KernelContext& ctx) {
  Tensor acc = ctx.input(0);
  for (size_t i = 1; i < ctx.input_count(); ++i)
    acc = arithmetic<kNumericTypes>(acc, ctx.input(i), Op{});
  ctx.set_output(0, acc);
}

void run_mean(KernelContext& ctx) {
  // Half inputs are summed and divided in float32 and rounded once at the end.
  const DType dtype = ctx.input(0).dtype();
  Tensor sum = widen_half(ctx.input(0));
  for (size_t i = 1; i < ctx.input_count(); ++i)
    sum = arithmetic<kFloatTypes>(sum, widen_half(ctx.input(i)), AddOp{});
  const size_t count = ctx.input_count();
  Tensor mean = dispatch_dtype<kFloatTypes>(sum.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    Tensor out = sum.clone();
    for (T& v : out.mutable_values<T>())
      v /= static_cast<T>(count);
    return out;
  });
  ctx.set_output(0, narrow_to(mean, dtype));
}

void run_mod(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  if (ctx.attrs().i("fmod") == 1)
    return ctx.set_output(0, arithmetic<kNumericTypes>(a, ctx.input(1), FmodOp{}));
  if (!dtype_is_integer(a.dtype()))
    model_error("Mod of {} tensors needs fmod=1", dtype_name(a.dtype()));
  ctx.set_output(0, arithmetic<kIntegerTypes>(a, ctx.input(1), IntegerModOp{}));
}

// Integer power by squaring, wrapping on overflow like the other integer ops.
template <typename T>
T integer_power(T base, int64_t exponent) {
  if (exponent < 0) {
    if (base == 0) model_error("0 raised to a negative integer power");
    if (base == 1) return 1;
    if constexpr (std::is_signed_v<T>)
      if (base == -1) return (exponent % 2 == 0) ? T{1} : T{-1};
    return 0;
  }
  T result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = wrapping(result, base, '*');
    base = wrapping(base, base, '*');
    exponent >>= 1;
  }
  return result;
}

template <typename To>
To checked_float_to_integer(double value) {
  const double t = std::trunc(value);
  constexpr int digits = std::numeric_limits<To>::digits;
  const double upper = std::ldexp(1.0, digits);
  const double lower = std::is_signed_v<To> ? -upper : 0.0;
  if (!(t >= lower && t < upper))
    model_error("value {} does not fit in {}", value, dtype_name(dtype_of<To>()));
  return static_cast<To>(t);
}

template <typename Base, typename Exponent>
Base power(Base x, Exponent y) {
  if constexpr (std::is_floating_point_v<Base>) {
    // ONNX Runtime squares by multiplication; pow(x, 2) is not always correctly rounded.
    if (y == Exponent{2}) return x * x;
    return static_cast<Base>(std::pow(static_cast<double>(x), static_cast<double>(y)));
  } else if constexpr (std::is_integral_v<Exponent>) {
    return integer_power<Base>(x, static_cast<int64_t>(y));
  } else {
    return checked_float_to_integer<Base>(std::pow(static_cast<double>(x), static_cast<double>(y)));
  }
}

Tensor pow_tensors(const Tensor& base, const Tensor& exponent) {
  if (is_half_dtype(base.dtype()) || is_half_dtype(exponent.dtype()))
    return narrow_to(pow_tensors(widen_half(base), widen_half(exponent)), base.dtype());
  const Dims out_dims = broadcast_dims(base.dims(), exponent.dims());
  return dispatch_dtype<kNumericTypes>(base.dtype(), [&](auto base_tag) {
    using B = typename decltype(base_tag)::type;
    return dispatch_dtype<kNumericTypes>(exponent.dtype(), [&](auto exp_tag) {
      using E = typename decltype(exp_tag)::type;
      Tensor out(base.dtype(), out_dims);
      const B* pb = base.data<B>();
      const E* pe = exponent.data<E>();
      B* po = out.mutable_data<B>();
      for_each_broadcast<2>(out_dims, {&base.dims(), &exponent.dims()},
                            [&](int64_t i, const std::array<int64_t, 2>& at) {
                              po[i] = power<B, E>(pb[at[0]], pe[at[1]]);
                            });
      return out;
    });
  });
}

void run_pow(KernelContext& ctx) {
  ctx.set_output(0, pow_tensors(ctx.input(0), ctx.input(1)));
}

template <typename Compare>
void run_comparison(KernelContext& ctx) {
  Tensor a = widen_half(ctx.input(0));
  Tensor b = widen_half(ctx.input(1));
  check_same_dtype(a, b);
  ctx.set_output(0, dispatch_dtype<kAllTypes>(a.dtype(), [&](auto tag) {
                   using T = typename decltype(tag)::type;
                   return broadcast_binary<T, bool>(a, b, DType::Bool, Compare{});
                 }));
}

template <typename Logic>
void run_logical(KernelContext& ctx) {
  const Tensor& a = ctx.input(0);
  const Tensor& b = ctx.input(1);
  if (a.dtype() != DType::Bool || b.dtype() != DType::Bool)
    model_error("inputs must be bool, got {} and {}", dtype_name(a.dtype()), dtype_name(b.dtype()));
  ctx.set_output(0, broadcast_binary<bool, bool>(a, b, DType::Bool, Logic{}));
}

void run_not(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  if (x.dtype() != DType::Bool) model_error("input must be bool, got {}", dtype_name(x.dtype()));
  Tensor out(DType::Bool, x.dims());
  const bool* in = x.data<bool>();
  bool* o = out.mutable_data<bool>();
  for (int64_t i = 0; i < x.element_count(); ++i)
    o[i] = !in[i];
  ctx.set_output(0, std::move(out));
}

void run_where(KernelContext& ctx) {
  const Tensor& cond = ctx.input(0);
  const Tensor& x = ctx.input(1);
  const Tensor& y = ctx.input(2);
  if (cond.dtype() != DType::Bool)
    model_error("Where's condition must be bool, got {}", dtype_name(cond.dtype()));
  check_same_dtype(x, y);
  const Dims out_dims = broadcast_dims(cond.dims(), broadcast_dims(x.dims(), y.dims()));
  Tensor out(x.dtype(), out_dims);
  dispatch_element_size(x.dtype(), [&](auto tag) {
    using E = typename decltype(tag)::type;
    const bool* pc = cond.data<bool>();
    const E* px = reinterpret_cast<const E*>(x.raw());
    const E* py = reinterpret_cast<const E*>(y.raw());
    E* po = reinterpret_cast<E*>(out.mutable_raw());
    for_each_broadcast<3>(out_dims, {&cond.dims(), &x.dims(), &y.dims()},
                          [&](int64_t i, const std::array<int64_t, 3>& at) {
                            po[i] = pc[at[0]] ? px[at[1]] : py[at[2]];
                          });
  });
  ctx.set_output(0, std::move(out));
}

const std::vector<KernelEntry> kKernels = {
    {"Add", run_arithmetic<AddOp>},
    {"Sub", run_arithmetic<SubOp>},
    {"Mul", run_arithmetic<MulOp>},
    {"Div", run_arithmetic<DivOp>},
    {"Pow", run_pow},
    {"Mod", run_mod},
    {"Max", run_variadic<MaxOp>},
    {"Min", run_variadic<MinOp>},
    {"Sum", run_variadic<AddOp>},
    {"Mean", run_mean},
    {"Equal", run_comparison<std::equal_to<>>},
    {"Less", run_comparison<std::less<>>},
    {"LessOrEqual", run_comparison<std::less_equal<>>},
    {"Greater", run_comparison<std::greater<>>},
    {"GreaterOrEqual", run_comparison<std::greater_equal<>>},
    {"And", run_logical<std::logical_and<>>},
    {"Or", run_logical<std::logical_or<>>},
    {"Xor", run_logical<std::not_equal_to<>>},
    {"Not", run_not},
    {"Where", run_where},
};

}  // namespace

std::span<const KernelEntry> elementwise_kernels() {
  static const std::vector<KernelEntry> table = [] {
    std::vector<KernelEntry> all = kKernels;
    for (const KernelEntry& k : elementwise_unary_kernels())
      all.push_back(k);
    return all;
  }();
  return table;
}

}  // namespace nnport
