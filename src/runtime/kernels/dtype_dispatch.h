// Runs a generic lambda with the C++ type of a tensor's dtype, so that a kernel's loop is
// written once for every dtype it supports. float16 and bfloat16 have no arithmetic type here:
// math kernels widen them to float32 (exact) and round the result back once.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ir/error.h"
#include "ir/tensor.h"

namespace nnport {

// Dtype classes a kernel accepts, combined with |.
enum DTypeClass : unsigned {
  kFloatTypes = 1,     // float32, float64
  kSignedTypes = 2,    // int8 .. int64
  kUnsignedTypes = 4,  // uint8 .. uint64
  kBoolType = 8,
  kIntegerTypes = kSignedTypes | kUnsignedTypes,
  kNumericTypes = kFloatTypes | kIntegerTypes,
  kAllTypes = kNumericTypes | kBoolType,
};

template <typename T>
struct TypeTag {
  using type = T;
};

// Calls fn(TypeTag<T>{}) for the dtype if it is in `Allowed`, else a model error.
template <unsigned Allowed, typename Fn>
decltype(auto) dispatch_dtype(DType dtype, Fn&& fn) {
  switch (dtype) {
    case DType::Float32:
      if constexpr ((Allowed & kFloatTypes) != 0) return fn(TypeTag<float>{});
      break;
    case DType::Float64:
      if constexpr ((Allowed & kFloatTypes) != 0) return fn(TypeTag<double>{});
      break;
    case DType::Int8:
      if constexpr ((Allowed & kSignedTypes) != 0) return fn(TypeTag<int8_t>{});
      break;
    case DType::Int16:
      if constexpr ((Allowed & kSignedTypes) != 0) return fn(TypeTag<int16_t>{});
      break;
    case DType::Int32:
      if constexpr ((Allowed & kSignedTypes) != 0) return fn(TypeTag<int32_t>{});
      break;
    case DType::Int64:
      if constexpr ((Allowed & kSignedTypes) != 0) return fn(TypeTag<int64_t>{});
      break;
    case DType::UInt8:
      if constexpr ((Allowed & kUnsignedTypes) != 0) return fn(TypeTag<uint8_t>{});
      break;
    case DType::UInt16:
      if constexpr ((Allowed & kUnsignedTypes) != 0) return fn(TypeTag<uint16_t>{});
      break;
    case DType::UInt32:
      if constexpr ((Allowed & kUnsignedTypes) != 0) return fn(TypeTag<uint32_t>{});
      break;
    case DType::UInt64:
      if constexpr ((Allowed & kUnsignedTypes) != 0) return fn(TypeTag<uint64_t>{});
      break;
    case DType::Bool:
      if constexpr ((Allowed & kBoolType) != 0) return fn(TypeTag<bool>{});
      break;
    default:
      break;
  }
  model_error("{} tensors are not supported by this op", dtype_name(dtype));
}

// Calls fn(TypeTag<U>{}) with an unsigned integer type of the element's width: for kernels that
// only move elements (Transpose, Gather, Concat, ...), whatever the dtype.
template <typename Fn>
decltype(auto) dispatch_element_size(DType dtype, Fn&& fn) {
  switch (dtype_size(dtype)) {
    case 1:
      return fn(TypeTag<uint8_t>{});
    case 2:
      return fn(TypeTag<uint16_t>{});
    case 4:
      return fn(TypeTag<uint32_t>{});
    case 8:
      return fn(TypeTag<uint64_t>{});
    default:
      break;
  }
  model_error("{} tensors are not supported by this op", dtype_name(dtype));
}

bool is_half_dtype(DType dtype);  // float16 or bfloat16
// A float16/bfloat16 tensor as float32 (exact); other tensors are returned unchanged.
Tensor widen_half(const Tensor& t);
// Rounds a float32 tensor to `dtype` when that is float16/bfloat16; otherwise unchanged.
Tensor narrow_to(const Tensor& t, DType dtype);

// Runs `compute` (Tensor -> Tensor) on float16/bfloat16 inputs widened to float32 and rounds
// the result back, so that one float kernel serves the half types.
template <typename Compute>
Tensor with_half_widened(const Tensor& input, Compute&& compute) {
  if (!is_half_dtype(input.dtype())) return compute(input);
  return narrow_to(compute(widen_half(input)), input.dtype());
}

// out[i] = op(x[i]) with x's dtype and shape, for the dtypes in Allowed (half types widened).
template <unsigned Allowed, typename Op>
Tensor map_elements(const Tensor& x, Op&& op) {
  return with_half_widened(x, [&](const Tensor& in) {
    return dispatch_dtype<Allowed>(in.dtype(), [&](auto tag) {
      using T = typename decltype(tag)::type;
      Tensor out(in.dtype(), in.dims());
      const T* src = in.data<T>();
      T* dst = out.mutable_data<T>();
      for (int64_t i = 0; i < in.element_count(); ++i)
        dst[i] = static_cast<T>(op(src[i]));
      return out;
    });
  });
}

}  // namespace nnport
