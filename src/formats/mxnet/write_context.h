// State shared by the MXNet writer's op emitters (one file per op family, write_ops_*.cpp).
// The writer walks the legalized IR graph node by node; each emitter turns one IR node into
// MXNet nodes, reading constant inputs either as attributes (shapes, axes, pads) or as stored
// parameters (weights: "arg:NAME", BatchNorm statistics: "aux:NAME").
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "formats/mxnet/attr_text.h"
#include "formats/mxnet/ndarray_list.h"
#include "formats/mxnet/symbol.h"
#include "ir/error.h"
#include "ir/graph.h"
#include "ir/op_schema.h"

namespace nnport::mxnet {

class WriteContext {
 public:
  WriteContext(const Graph& graph, std::string file);

  const Graph& graph() const { return graph_; }
  Symbol& symbol() { return symbol_; }
  std::vector<NamedArray>& params() { return params_; }

  void begin_node(const Node& node);
  const Node& node() const { return *node_; }
  AttrReader attrs() const { return AttrReader(*node_); }

  // The MXNet entry holding IR value `name` (a graph input, a computed value, or a constant
  // stored as "arg:NAME").
  EntryRef value_entry(const std::string& name);
  EntryRef input(size_t i) { return value_entry(node_->inputs.at(i)); }
  // A constant input, or nullptr.
  const Tensor* constant(size_t i) const;
  // Constant input i read as integers / floats (shape, axes, pads, bounds); a model error
  // naming the node when it is computed at run time.
  std::vector<int64_t> constant_ints(size_t i, std::string_view role) const;
  std::vector<float> constant_floats(size_t i, std::string_view role) const;
  const Shape& input_shape(size_t i) const { return graph_.value(node_->inputs.at(i)).shape; }
  const Shape& output_shape(size_t i = 0) const { return graph_.value(node_->outputs.at(i)).shape; }
  // A new parameter variable holding `tensor` (a transformed weight, BatchNorm's statistics).
  EntryRef add_param(std::string_view suffix, const Tensor& tensor, bool auxiliary = false);

  // Appends the MXNet node named after the IR node and returns its first output. `outputs`
  // binds IR output values to this node's outputs 0..n-1.
  EntryRef emit(std::string op, std::vector<EntryRef> inputs, AttrMap attrs,
                const std::vector<std::string>& outputs = {});
  // Appends a helper node named NODE_SUFFIX (a reshape or crop around the main node).
  EntryRef emit_helper(std::string_view suffix, std::string op, std::vector<EntryRef> inputs,
                       AttrMap attrs);
  // A graph input variable, with its shape recorded as "__shape__" (0 = free) when known.
  void declare_input(const Value& value);
  void bind(const std::string& value, EntryRef entry) { values_[value] = entry; }

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    model_error("{}: node '{}' ({}): {}", file_, node_->name, node_->op,
                fmt::format(format, std::forward<Args>(args)...));
  }

  std::string unique(const std::string& base);

 private:
  EntryRef add_variable(const std::string& name, AttrMap attrs);

  const Graph& graph_;
  std::string file_;
  Symbol symbol_;
  std::vector<NamedArray> params_;
  const Node* node_ = nullptr;
  std::map<std::string, EntryRef> values_;
  std::set<std::string> used_names_;
};

using EmitFn = void (*)(WriteContext&);
struct OpEmitter {
  std::string_view op;
  EmitFn emit;
};

std::span<const OpEmitter> conv_pool_emitters();  // Conv, ConvTranspose, pools
std::span<const OpEmitter> nn_emitters();         // BatchNorm, activations, Gemm, softmax, ...
std::span<const OpEmitter> math_emitters();       // broadcasting binary ops, unary math
std::span<const OpEmitter> tensor_emitters();     // Reshape, Transpose, Slice, Pad, reduce, ...
std::span<const OpEmitter> index_emitters();      // Gather, GatherND, ArgMax, Where

// The writer's legalization (legalize.cpp): rewrites what MXNet cannot express directly into
// IR that maps 1:1 -- asymmetric pads become an explicit Pad, pool rounding becomes floor or
// ceil_all plus a crop. Exact, or a model error naming the node.
Graph legalize_for_mxnet(const Graph& graph, const std::string& file);

}  // namespace nnport::mxnet
