// State shared by the MXNet reader's op converters (one file per op family, read_ops_*.cpp):
// the symbol, the stored parameters, and the IR graph being built. A converter reads the
// current MXNet node through this context and emits one or more IR nodes whose last output is
// the MXNet node's output.
#pragma once

#include <map>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "formats/format.h"
#include "formats/mxnet/attr_text.h"
#include "formats/mxnet/symbol.h"
#include "ir/error.h"
#include "ir/graph.h"

namespace nnport::mxnet {

class ReadContext {
 public:
  ReadContext(const Symbol& symbol, std::map<std::string, Tensor> params,
              const ReadOptions& options, std::string file);

  Graph& graph() { return graph_; }
  const std::string& file() const { return file_; }

  // The MXNet node being converted.
  void begin_node(size_t index);
  const SymbolNode& node() const { return symbol_.nodes[current_]; }
  AttrText attrs() const { return AttrText(node().attrs); }
  size_t input_count() const { return node().inputs.size(); }

  // IR value of input i. A variable becomes a constant when the .params file stores it,
  // otherwise a runtime graph input.
  std::string input(size_t i);
  // Input i, which must be a parameter stored in the .params file (a weight, a BatchNorm
  // statistic): a model error naming the node and the role otherwise.
  std::string param_input(size_t i, std::string_view role);
  // The stored tensor behind input i, or nullptr when it is computed or a runtime input.
  const Tensor* input_constant(size_t i);
  // Shape of input i: runs shape inference over what has been built so far, so it is known
  // only when the graph inputs' shapes are (--input NAME:DIMS or a "__shape__" attribute).
  const Shape& input_shape(size_t i);
  // Element type of input i (inferred like input_shape); a model error naming the node when
  // it is unknown.
  DType input_dtype(size_t i);
  // Rank of input i; a model error naming the node (and the missing --input) when unknown.
  size_t input_rank(size_t i, std::string_view why);

  // IR value name for output i of the current node (its name for output 0).
  std::string output(size_t i = 0);
  // A fresh intermediate value name derived from the node name.
  std::string temp(std::string_view suffix);
  std::string add_constant(std::string_view suffix, Tensor tensor);
  std::string add_ints(std::string_view suffix, const std::vector<int64_t>& values);
  std::string add_float_scalar(std::string_view suffix, float value);

  // Appends an IR node. The first node emitted for an MXNet node takes its name; helper nodes
  // get names derived from it.
  Node& emit(std::string op, std::vector<std::string> inputs, std::vector<std::string> outputs,
             Attributes attrs = {});

  template <typename... Args>
  [[noreturn]] void fail(fmt::format_string<Args...> format, Args&&... args) const {
    model_error("{}: node '{}' ({}): {}", file_, node().name, node().op,
                fmt::format(format, std::forward<Args>(args)...));
  }

  // After every node: graph outputs from the symbol's heads.
  void finish();

 private:
  std::string entry_value(const EntryRef& ref);
  std::string variable_value(size_t node_index);

  const Symbol& symbol_;
  std::map<std::string, Tensor> params_;
  const ReadOptions& options_;
  std::string file_;
  Graph graph_;
  size_t current_ = 0;
  bool named_current_ = false;
  std::set<std::string> node_names_;
  std::map<std::pair<int64_t, int64_t>, std::string> entry_values_;
  size_t inferred_nodes_ = 0;  // nodes covered by the last shape inference
};

using ReadFn = void (*)(ReadContext&);
struct OpReader {
  std::string_view op;
  ReadFn read;
};

// One table per op family (read_ops_*.cpp).
std::span<const OpReader> conv_pool_readers();  // Convolution, Deconvolution, Pooling
std::span<const OpReader> nn_readers();         // BatchNorm, activations, FullyConnected, ...
std::span<const OpReader> math_readers();       // elementwise, broadcast and scalar arithmetic
std::span<const OpReader> tensor_readers();     // Reshape, Concat, slice, Pad, reductions, ...
std::span<const OpReader> index_readers();      // take, gather_nd, argmax, where, comparisons

// Applies MXNet's Reshape codes (0, -1, -2, -3, -4) to a known input shape
// (read_ops_tensor.cpp). `where` prefixes errors.
std::vector<int64_t> resolve_reshape_codes(const std::vector<int64_t>& in,
                                           const std::vector<int64_t>& codes,
                                           const std::string& where);

}  // namespace nnport::mxnet
