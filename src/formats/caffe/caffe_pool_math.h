// Caffe's pooling arithmetic (SEMANTICS.md §1-2), shared by the writer's legalization (which
// chooses pads and crops) and its emitter (which checks the result really is Caffe's).
#pragma once

#include <cstdint>
#include <vector>

#include "ir/ops/spatial.h"

namespace nnport::caffe_export {

// Caffe 1.0 pooling output size along one axis: ceil((in + 2p - k) / s) + 1, then one less when
// `any_pad` (a pad on any axis) and the last window starts at or after in + p.
int64_t caffe_pool_output(int64_t in, int64_t k, int64_t s, int64_t p, bool any_pad);

// The IR rounding that reproduces Caffe's rule for these pads.
inline Rounding caffe_rounding(bool any_pad) {
  return any_pad ? Rounding::Ceil : Rounding::CeilAll;
}

// Per output position along one axis, how many cells an average pool divides by. The divisor of
// a 2-D window is the product of the two axes' counts for every IR divisor mode.
std::vector<int64_t> divisor_counts(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe,
                                    int64_t out, AvgDivisor mode);

}  // namespace nnport::caffe_export
