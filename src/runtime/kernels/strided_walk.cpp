#include "runtime/kernels/strided_walk.h"

#include <algorithm>

#include "ir/error.h"
#include "ir/shape.h"

namespace nnport {

Dims broadcast_dims(const Dims& a, const Dims& b) {
  const size_t rank = std::max(a.size(), b.size());
  Dims out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i + a.size() >= rank ? a[i + a.size() - rank] : 1;
    const int64_t db = i + b.size() >= rank ? b[i + b.size() - rank] : 1;
    if (da != db && da != 1 && db != 1)
      model_error("shapes {} and {} cannot be broadcast", sizes_to_string(a), sizes_to_string(b));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Dims contiguous_strides(const Dims& dims) {
  Dims strides(dims.size());
  int64_t step = 1;
  for (size_t i = dims.size(); i-- > 0;) {
    strides[i] = step;
    step *= dims[i];
  }
  return strides;
}

Dims broadcast_strides(const Dims& dims, const Dims& out_dims) {
  const Dims own = contiguous_strides(dims);
  Dims strides(out_dims.size(), 0);
  const size_t lead = out_dims.size() - dims.size();
  for (size_t i = 0; i < dims.size(); ++i)
    strides[lead + i] = dims[i] == 1 ? 0 : own[i];
  return strides;
}

bool broadcasts_to(const Dims& dims, const Dims& out_dims) {
  if (dims.size() > out_dims.size()) return false;
  const size_t lead = out_dims.size() - dims.size();
  for (size_t i = 0; i < dims.size(); ++i)
    if (dims[i] != 1 && dims[i] != out_dims[lead + i]) return false;
  return true;
}

}  // namespace nnport
