#include "runtime/kernels/dtype_dispatch.h"

namespace nnport {

bool is_half_dtype(DType dtype) {
  return dtype == DType::Float16 || dtype == DType::BFloat16;
}

Tensor widen_half(const Tensor& t) {
  if (!is_half_dtype(t.dtype())) return t;
  return Tensor::from_vector<float>(t.dims(), t.to_float_vector());
}

Tensor narrow_to(const Tensor& t, DType dtype) {
  if (!is_half_dtype(dtype) || t.dtype() == dtype) return t;
  const auto values = t.values<float>();
  Tensor out(dtype, t.dims());
  auto* bits = reinterpret_cast<uint16_t*>(out.mutable_raw());
  const bool half = dtype == DType::Float16;
  for (size_t i = 0; i < values.size(); ++i)
    bits[i] = half ? float_to_half(values[i]) : float_to_bfloat16(values[i]);
  return out;
}

}  // namespace nnport
