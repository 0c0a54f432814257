// Every kernel the executor has, family by family (the families mirror ir/ops/).
#include <vector>

#include "runtime/kernel.h"
#include "runtime/kernels/families.h"

namespace nnport {

std::span<const KernelEntry> all_kernels() {
  static const std::vector<KernelEntry> table = [] {
    std::vector<KernelEntry> all;
    for (auto family : {conv_kernels, pool_kernels, normalization_kernels, linalg_kernels,
                        elementwise_kernels, activation_kernels, softmax_kernels, tensor_kernels,
                        reduce_kernels, resize_kernels, quantize_kernels})
      for (const KernelEntry& k : family())
        all.push_back(k);
    return all;
  }();
  return table;
}

}  // namespace nnport
