#include "runtime/kernel.h"

#include <unordered_map>

#include "ir/error.h"

namespace nnport {

const Tensor& KernelContext::input(size_t i) const {
  if (!has_input(i))
    model_error("node '{}' ({}): input {} is required", node_.name, node_.op, i);
  return *inputs_[i];
}

KernelFn find_kernel(std::string_view op) {
  static const auto index = [] {
    std::unordered_map<std::string_view, KernelFn> m;
    for (const KernelEntry& k : all_kernels()) m.emplace(k.op, k.run);
    return m;
  }();
  auto it = index.find(op);
  return it == index.end() ? nullptr : it->second;
}

}  // namespace nnport
