#include <vector>

#include "runtime/kernels/families.h"

namespace nnport {

namespace {
const std::vector<KernelEntry> kKernels = {};
}  // namespace

std::span<const KernelEntry> linalg_kernels() { return kKernels; }

}  // namespace nnport
