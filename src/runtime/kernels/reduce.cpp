// Reductions, ArgMax/ArgMin and TopK. Float sums accumulate in double and round once; integer sums
// and products wrap like two's-complement hardware. Empty reductions give the identity of the
// operation (0 for sums, 1 for Prod, -inf/+inf for Max/Min, NaN for Mean).
#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <type_traits>
#include <vector>

#include "ir/error.h"
#include "ir/ops/tensor_infer.h"
#include "runtime/kernels/dtype_dispatch.h"
#include "runtime/kernels/families.h"
#include "runtime/kernels/strided_walk.h"

namespace nnport {

namespace {

enum class ReduceKind { Mean, Max, Min, Sum, Prod, L1, L2, SumSquare, LogSumExp };

// The accumulator: double for floats, the 64-bit integer of the same signedness otherwise.
template <typename T>
using Accumulator = std::conditional_t<std::is_floating_point_v<T>, double,
                                       std::conditional_t<std::is_signed_v<T>, int64_t, uint64_t>>;

template <typename A>
A wrap_add(A a, A b) {
  if constexpr (std::is_integral_v<A>)
    return static_cast<A>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else
    return a + b;
}

template <typename A>
A wrap_mul(A a, A b) {
  if constexpr (std::is_integral_v<A>)
    return static_cast<A>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else
    return a * b;
}

template <typename T>
Accumulator<T> initial_value(ReduceKind kind) {
  using A = Accumulator<T>;
  switch (kind) {
    case ReduceKind::Prod:
      return A{1};
    case ReduceKind::Max:
      if constexpr (std::is_floating_point_v<T>)
        return -std::numeric_limits<A>::infinity();
      else
        return static_cast<A>(std::numeric_limits<T>::lowest());
    case ReduceKind::Min:
      if constexpr (std::is_floating_point_v<T>)
        return std::numeric_limits<A>::infinity();
      else
        return static_cast<A>(std::numeric_limits<T>::max());
    default:
      return A{0};
  }
}

template <typename T>
Accumulator<T> combine(ReduceKind kind, Accumulator<T> acc, T value) {
  using A = Accumulator<T>;
  const A v = static_cast<A>(value);
  switch (kind) {
    case ReduceKind::Max:
      if constexpr (std::is_floating_point_v<T>)
        if (std::isnan(v)) return v;
      return v > acc ? v : acc;
    case ReduceKind::Min:
      if constexpr (std::is_floating_point_v<T>)
        if (std::isnan(v)) return v;
      return v < acc ? v : acc;
    case ReduceKind::Prod:
      return wrap_mul(acc, v);
    case ReduceKind::L1:
      if constexpr (std::is_unsigned_v<T>)
        return wrap_add(acc, v);
      else
        return wrap_add(acc, v < 0 ? wrap_mul(v, A{-1}) : v);
    case ReduceKind::L2:
    case ReduceKind::SumSquare:
      return wrap_add(acc, wrap_mul(v, v));
    default:
      return wrap_add(acc, v);
  }
}

struct ReducePlan {
  std::vector<int64_t> kept_dims;  // input dims with reduced axes set to 1
  std::vector<int64_t> out_dims;   // kept_dims, or without the reduced axes when !keepdims
  int64_t reduced_count = 1;       // input elements per output element
};

ReducePlan plan_reduction(const std::vector<int64_t>& dims, const std::vector<int64_t>& axes,
                          bool keepdims) {
  const int64_t rank = static_cast<int64_t>(dims.size());
  std::set<int64_t> reduced;
  if (axes.empty()) {
    for (int64_t i = 0; i < rank; ++i)
      reduced.insert(i);
  } else {
    for (int64_t a : normalize_axes(axes, rank))
      reduced.insert(a);
  }
  ReducePlan plan;
  for (int64_t i = 0; i < rank; ++i) {
    const bool r = reduced.count(i) != 0;
    plan.kept_dims.push_back(r ? 1 : dims[i]);
    if (r) plan.reduced_count *= dims[i];
    if (!r || keepdims) plan.out_dims.push_back(r ? 1 : dims[i]);
  }
  return plan;
}

template <typename T>
Tensor reduce_typed(const Tensor& x, const ReducePlan& plan, ReduceKind kind) {
  using A = Accumulator<T>;
  const int64_t out_count = element_count(plan.kept_dims);
  std::vector<A> acc(static_cast<size_t>(out_count), initial_value<T>(kind));
  const T* src = x.data<T>();
  if (kind == ReduceKind::LogSumExp) {
    if constexpr (std::is_floating_point_v<T>) {
      // log(sum(exp(x))) = max + log(sum(exp(x - max))), which cannot overflow.
      std::vector<A> max(acc.size(), -std::numeric_limits<A>::infinity());
      for_each_broadcast<1>(x.dims(), {&plan.kept_dims},
                            [&](int64_t i, const std::array<int64_t, 1>& at) {
                              max[at[0]] = std::max(max[at[0]], static_cast<A>(src[i]));
                            });
      for_each_broadcast<1>(x.dims(), {&plan.kept_dims},
                            [&](int64_t i, const std::array<int64_t, 1>& at) {
                              acc[at[0]] += std::exp(static_cast<A>(src[i]) - max[at[0]]);
                            });
      for (size_t o = 0; o < acc.size(); ++o)
        acc[o] = std::isfinite(max[o]) ? max[o] + std::log(acc[o]) : max[o];
    }
  } else {
    for_each_broadcast<1>(x.dims(), {&plan.kept_dims},
                          [&](int64_t i, const std::array<int64_t, 1>& at) {
                            acc[at[0]] = combine<T>(kind, acc[at[0]], src[i]);
                          });
  }
  Tensor out(x.dtype(), plan.out_dims);
  T* dst = out.mutable_data<T>();
  for (size_t o = 0; o < acc.size(); ++o) {
    A v = acc[o];
    if (kind == ReduceKind::Mean) {
      if constexpr (std::is_floating_point_v<T>) v = v / static_cast<A>(plan.reduced_count);
    }
    if (kind == ReduceKind::L2) {
      if constexpr (std::is_floating_point_v<T>) v = std::sqrt(v);
    }
    dst[o] = static_cast<T>(v);
  }
  return out;
}

template <ReduceKind Kind>
void run_reduce(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  std::vector<int64_t> axes;
  if (ctx.has_input(1)) axes = ctx.input(1).to_int64_vector();
  if (axes.empty() && ctx.attrs().i("noop_with_empty_axes") != 0) return ctx.set_output(0, x);
  const ReducePlan plan = plan_reduction(x.dims(), axes, ctx.attrs().i("keepdims") != 0);
  constexpr bool float_only =
      Kind == ReduceKind::Mean || Kind == ReduceKind::L2 || Kind == ReduceKind::LogSumExp;
  // Max and Min are defined on bool too (any / all).
  constexpr bool bool_ok = Kind == ReduceKind::Max || Kind == ReduceKind::Min;
  constexpr unsigned allowed = float_only ? kFloatTypes : (bool_ok ? kAllTypes : kNumericTypes);
  ctx.set_output(0, with_half_widened(x, [&](const Tensor& in) {
                   return dispatch_dtype<allowed>(in.dtype(), [&](auto tag) {
                     return reduce_typed<typename decltype(tag)::type>(in, plan, Kind);
                   });
                 }));
}

template <bool IsMax>
void run_arg_reduce(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  const bool keepdims = ctx.attrs().i("keepdims") != 0;
  const bool last = ctx.attrs().i("select_last_index") != 0;
  const auto& dims = x.dims();
  if (dims[axis] == 0) model_error("cannot take the arg of an empty axis {}", axis);
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= dims[i];
  for (int64_t i = axis + 1; i < rank; ++i)
    inner *= dims[i];
  std::vector<int64_t> out_dims;
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis || keepdims) out_dims.push_back(i == axis ? 1 : dims[i]);
  Tensor out(DType::Int64, out_dims);
  int64_t* dst = out.mutable_data<int64_t>();
  const Tensor in = widen_half(x);
  dispatch_dtype<kNumericTypes>(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = in.data<T>();
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* lane = src + o * dims[axis] * inner + i;
        int64_t best = 0;
        for (int64_t j = 1; j < dims[axis]; ++j) {
          const T v = lane[j * inner], b = lane[best * inner];
          const bool better = IsMax ? (v > b || (last && v == b)) : (v < b || (last && v == b));
          if (better) best = j;
        }
        dst[o * inner + i] = best;
      }
  });
  ctx.set_output(0, std::move(out));
}

// Orders lane positions by value (descending when largest), equal values by index; NaN counts
// as larger than any number so the order stays a strict weak ordering.
template <typename T>
bool top_k_before(T a, int64_t ia, T b, int64_t ib, bool largest) {
  if constexpr (std::is_floating_point_v<T>) {
    const bool nan_a = std::isnan(a), nan_b = std::isnan(b);
    if (nan_a || nan_b) {
      if (nan_a && nan_b) return ia < ib;
      return largest ? nan_a : nan_b;
    }
  }
  if (a != b) return largest ? a > b : a < b;
  return ia < ib;
}

void run_top_k(KernelContext& ctx) {
  const Tensor& x = ctx.input(0);
  const int64_t rank = static_cast<int64_t>(x.rank());
  const int64_t axis = normalize_axis(ctx.attrs().i("axis"), rank);
  const std::vector<int64_t> k_values = ctx.input(1).to_int64_vector();
  if (k_values.size() != 1) model_error("TopK: K must hold one value, got {}", k_values.size());
  const int64_t k = k_values[0];
  const auto& dims = x.dims();
  if (k < 0 || k > dims[axis])
    model_error("TopK: K = {} is outside [0, {}] (the axis size)", k, dims[axis]);
  const bool largest = ctx.attrs().i("largest") != 0;
  int64_t outer = 1, inner = 1;
  for (int64_t i = 0; i < axis; ++i)
    outer *= dims[i];
  for (int64_t i = axis + 1; i < rank; ++i)
    inner *= dims[i];
  std::vector<int64_t> out_dims = dims;
  out_dims[axis] = k;
  const Tensor in = widen_half(x);
  Tensor values(in.dtype(), out_dims);
  Tensor indices(DType::Int64, out_dims);
  int64_t* index_out = indices.mutable_data<int64_t>();
  dispatch_dtype<kNumericTypes>(in.dtype(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* src = in.data<T>();
    T* value_out = values.mutable_data<T>();
    std::vector<int64_t> order(static_cast<size_t>(dims[axis]));
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t i = 0; i < inner; ++i) {
        const T* lane = src + o * dims[axis] * inner + i;
        for (size_t j = 0; j < order.size(); ++j)
          order[j] = static_cast<int64_t>(j);
        std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int64_t a, int64_t b) {
          return top_k_before(lane[a * inner], a, lane[b * inner], b, largest);
        });
        for (int64_t j = 0; j < k; ++j) {
          const int64_t at = (o * k + j) * inner + i;
          value_out[at] = lane[order[j] * inner];
          index_out[at] = order[j];
        }
      }
  });
  ctx.set_output(0, narrow_to(values, x.dtype()));
  if (ctx.output_count() > 1) ctx.set_output(1, std::move(indices));
}

const std::vector<KernelEntry> kKernels = {
    {"ReduceMean", run_reduce<ReduceKind::Mean>},
    {"ReduceMax", run_reduce<ReduceKind::Max>},
    {"ReduceMin", run_reduce<ReduceKind::Min>},
    {"ReduceSum", run_reduce<ReduceKind::Sum>},
    {"ReduceProd", run_reduce<ReduceKind::Prod>},
    {"ReduceL1", run_reduce<ReduceKind::L1>},
    {"ReduceL2", run_reduce<ReduceKind::L2>},
    {"ReduceSumSquare", run_reduce<ReduceKind::SumSquare>},
    {"ReduceLogSumExp", run_reduce<ReduceKind::LogSumExp>},
    {"ArgMax", run_arg_reduce<true>},
    {"ArgMin", run_arg_reduce<false>},
    {"TopK", run_top_k},
};

}  // namespace

std::span<const KernelEntry> reduce_kernels() {
  return kKernels;
}

}  // namespace nnport
