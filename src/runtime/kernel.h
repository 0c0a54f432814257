// Reference kernels: one function per op, listed in runtime/kernel_table.cpp. Kernels compute in
// float32 (other dtypes where the op needs them) and must match the op schema's semantics
// exactly: they are what `nnport run`, `compare` and `--validate` trust.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "ir/graph.h"
#include "ir/op_schema.h"

namespace nnport {

class KernelContext {
 public:
  KernelContext(const Node& node, std::vector<const Tensor*> inputs, size_t output_count)
      : node_(node), attrs_(node), inputs_(std::move(inputs)), outputs_(output_count) {}

  const Node& node() const { return node_; }
  const AttrReader& attrs() const { return attrs_; }
  size_t input_count() const { return inputs_.size(); }
  bool has_input(size_t i) const { return i < inputs_.size() && inputs_[i] != nullptr; }
  const Tensor& input(size_t i) const;  // model error when absent
  size_t output_count() const { return outputs_.size(); }
  // Whether the graph consumes output i (optional outputs may be skipped).
  bool wants_output(size_t i) const {
    return i < node_.outputs.size() && !node_.outputs[i].empty();
  }
  void set_output(size_t i, Tensor value) { outputs_.at(i) = std::move(value); }
  std::vector<Tensor>& outputs() { return outputs_; }

 private:
  const Node& node_;
  AttrReader attrs_;
  std::vector<const Tensor*> inputs_;
  std::vector<Tensor> outputs_;
};

using KernelFn = void (*)(KernelContext&);

struct KernelEntry {
  std::string_view op;
  KernelFn run;
};

std::span<const KernelEntry> all_kernels();
KernelFn find_kernel(std::string_view op);

}  // namespace nnport
