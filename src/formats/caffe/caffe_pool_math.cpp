#include "formats/caffe/caffe_pool_math.h"

#include <algorithm>

namespace nnport::caffe_export {

int64_t caffe_pool_output(int64_t in, int64_t k, int64_t s, int64_t p, bool any_pad) {
  int64_t out = (in + 2 * p - k + s - 1) / s + 1;
  if (any_pad && (out - 1) * s >= in + p) --out;
  return out;
}

std::vector<int64_t> divisor_counts(int64_t in, int64_t k, int64_t s, int64_t pb, int64_t pe,
                                    int64_t out, AvgDivisor mode) {
  std::vector<int64_t> counts(out);
  for (int64_t i = 0; i < out; ++i) {
    const int64_t start = i * s - pb;
    const int64_t end = start + k;
    switch (mode) {
      case AvgDivisor::Kernel:
        counts[i] = k;
        break;
      case AvgDivisor::Padded:
        counts[i] = std::min(end, in + pe) - std::max(start, -pb);
        break;
      case AvgDivisor::Valid:
        counts[i] = std::max<int64_t>(std::min(end, in) - std::max<int64_t>(start, 0), 0);
        break;
    }
  }
  return counts;
}

}  // namespace nnport::caffe_export
