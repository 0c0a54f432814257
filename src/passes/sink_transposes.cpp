// Moves Transposes down the graph and cancels them in pairs.
//
// Readers of channels-last frameworks (TensorFlow, TFLite, Keras) wrap each NCHW-only op in a
// Transpose pair; between two such ops the pairs meet and cancel. A Transpose is pushed through
// a consumer when the consumer can take the untransposed value instead: elementwise ops (a
// constant operand is rearranged once), Concat/Softmax/Split/ArgMax (axis remapped),
// reductions and Squeeze (axes remapped), Pad (pads remapped) and Slice (axes remapped). Two
// more rewrites finish the common tails: a Transpose that only moves unit dimensions in front of
// a Reshape becomes a Reshape, and Transpose -> Reshape to 2-D -> MatMul with a constant weight
// (a dense layer after flattening a channels-last map) becomes Reshape -> MatMul with the weight
// rows permuted, so the flattened element order of the source framework is kept.
// Every rewrite is exact: values are only moved, never recomputed.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>
#include <unordered_map>

#include "ir/error.h"
#include "ir/op_schema.h"
#include "passes/pass.h"

namespace nnport {

namespace {

using Perm = std::vector<int64_t>;

bool is_identity(const Perm& p) {
  for (size_t i = 0; i < p.size(); ++i)
    if (p[i] != static_cast<int64_t>(i)) return false;
  return true;
}

Perm inverse(const Perm& p) {
  Perm inv(p.size());
  for (size_t i = 0; i < p.size(); ++i)
    inv[p[i]] = static_cast<int64_t>(i);
  return inv;
}

bool valid_perm(const Perm& p) {
  std::vector<bool> seen(p.size(), false);
  for (int64_t v : p) {
    if (v < 0 || v >= static_cast<int64_t>(p.size()) || seen[v]) return false;
    seen[v] = true;
  }
  return true;
}

// out.dims[i] = in.dims[perm[i]], element by element, any fixed-width dtype.
Tensor transpose_constant(const Tensor& in, const Perm& perm) {
  const auto& dims = in.dims();
  const size_t rank = dims.size();
  std::vector<int64_t> out_dims(rank), strides(rank, 1);
  for (size_t i = rank; i-- > 1;)
    strides[i - 1] = strides[i] * dims[i];
  for (size_t i = 0; i < rank; ++i)
    out_dims[i] = dims[perm[i]];
  Tensor out(in.dtype(), out_dims);
  const size_t width = dtype_size(in.dtype());
  std::vector<int64_t> index(rank, 0);
  for (int64_t n = 0; n < out.element_count(); ++n) {
    int64_t offset = 0;
    for (size_t i = 0; i < rank; ++i)
      offset += index[i] * strides[perm[i]];
    std::memcpy(out.mutable_raw() + n * width, in.raw() + offset * width, width);
    for (size_t i = rank; i-- > 0;) {
      if (++index[i] < out_dims[i]) break;
      index[i] = 0;
    }
  }
  return out;
}

Shape permute_shape(const Shape& s, const Perm& p) {
  if (!s.rank_known || s.rank() != p.size()) return Shape::unknown();
  std::vector<Dim> dims;
  for (int64_t i : p)
    dims.push_back(s.dims[i]);
  return Shape(dims);
}

const std::set<std::string>& unary_ops() {
  static const std::set<std::string> kOps = {
      "Relu", "Sigmoid", "Tanh", "Elu", "Selu", "LeakyRelu", "Clip", "Abs", "Neg", "Exp", "Log",
      "Sqrt", "Reciprocal", "Floor", "Ceil", "Cast", "Erf", "Softplus", "Softsign", "HardSigmoid",
      "HardSwish", "Round", "Sign", "Not", "Sin", "Cos", "Tan", "Identity", "IsNaN", "Mish", "Gelu",
      "Celu",
      // Per-tensor (scalar scale and zero point) only: operand_ok refuses a per-axis vector.
      "QuantizeLinear", "DequantizeLinear"};
  return kOps;
}

const std::set<std::string>& broadcast_ops() {
  static const std::set<std::string> kOps = {
      "Add",   "Sub",  "Mul",         "Div",     "Pow",
      "Max",   "Min",  "Sum",         "Mean",    "PRelu",
      "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual",
      "And",   "Or",   "Xor",         "Where",   "Mod"};
  return kOps;
}

const std::set<std::string>& reduce_ops() {
  static const std::set<std::string> kOps = {"ReduceMean", "ReduceSum",       "ReduceMax",
                                             "ReduceMin",  "ReduceProd",      "ReduceL1",
                                             "ReduceL2",   "ReduceLogSumExp", "ReduceSumSquare"};
  return kOps;
}

int64_t normalize_axis(int64_t axis, size_t rank) {
  return axis < 0 ? axis + static_cast<int64_t>(rank) : axis;
}

// The permutation left after removing `removed` axes (in the transposed value's numbering)
// from y = transpose(x, p): out_y = transpose(out_x, q).
Perm perm_after_removal(const Perm& p, const std::set<int64_t>& removed) {
  std::set<int64_t> removed_x;
  for (int64_t a : removed)
    removed_x.insert(p[a]);
  std::vector<int64_t> remaining_x;
  for (int64_t j = 0; j < static_cast<int64_t>(p.size()); ++j)
    if (!removed_x.count(j)) remaining_x.push_back(j);
  Perm q;
  for (int64_t i = 0; i < static_cast<int64_t>(p.size()); ++i) {
    if (removed.count(i)) continue;
    q.push_back(std::find(remaining_x.begin(), remaining_x.end(), p[i]) - remaining_x.begin());
  }
  return q;
}

// Whether a Reshape's target shape reads no dimension from its input (no 0 with allowzero 0), so
// it gives the same result for any input of the same element order.
bool reshape_shape_is_literal(const Graph& g, const Node& reshape) {
  const Tensor* shape = reshape.has_input(1) ? g.constant(reshape.inputs[1]) : nullptr;
  if (!shape) return false;
  if (AttrReader(reshape).i("allowzero") != 0) return true;
  for (int64_t v : shape->to_int64_vector())
    if (v == 0) return false;
  return true;
}

class Sinker {
 public:
  explicit Sinker(Graph& graph) : g_(graph) {}

  void run() {
    // Each successful rewrite moves a Transpose strictly down or removes one, so this ends;
    // the bound only guards against a bug turning into a hang.
    const size_t limit = 20 * g_.nodes.size() + 100;
    for (size_t round = 0; round < limit; ++round)
      if (!sweep()) return;
    model_error("sink_transposes: no fixed point after {} rounds", limit);
  }

 private:
  Graph& g_;
  std::unordered_map<std::string, size_t> producer_;
  std::unordered_map<std::string, std::vector<size_t>> consumers_;
  std::set<std::string> outputs_;

  void index() {
    producer_.clear();
    consumers_.clear();
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      for (const auto& o : g_.nodes[i].outputs)
        if (!o.empty()) producer_[o] = i;
      for (const auto& in : g_.nodes[i].inputs)
        if (!in.empty()) {
          auto& list = consumers_[in];
          if (list.empty() || list.back() != i) list.push_back(i);
        }
    }
    outputs_ = std::set<std::string>(g_.outputs.begin(), g_.outputs.end());
  }

  const Node* transpose_producing(const std::string& value) const {
    auto it = producer_.find(value);
    if (it == producer_.end()) return nullptr;
    const Node& n = g_.nodes[it->second];
    return n.op == "Transpose" ? &n : nullptr;
  }

  Perm perm_of(const Node& t) const { return t.attrs.get_ints("perm"); }

  bool sweep() {
    index();
    for (size_t i = 0; i < g_.nodes.size(); ++i) {
      Node& t = g_.nodes[i];
      if (t.op != "Transpose" || t.inputs.empty()) continue;
      const Perm p = perm_of(t);
      if (p.empty() || !valid_perm(p)) continue;
      const std::string y = t.outputs[0];
      if (consumers_[y].empty() && !outputs_.count(y)) {
        g_.nodes.erase(g_.nodes.begin() + i);
        return true;
      }
      if (merge_with_producer(i, p)) return true;
      if (is_identity(p) && bypass(i)) return true;
      if (outputs_.count(y)) continue;
      if (sink(i, p)) return true;
      if (flatten_dense(i, p)) return true;
      if (unit_move_to_reshape(i, p)) return true;
    }
    return false;
  }

  bool merge_with_producer(size_t i, const Perm& p) {
    const Node* inner = transpose_producing(g_.nodes[i].inputs[0]);
    if (!inner) return false;
    const Perm q = perm_of(*inner);
    if (q.size() != p.size()) return false;
    Perm r(p.size());
    for (size_t k = 0; k < p.size(); ++k)
      r[k] = q[p[k]];
    Node& t = g_.nodes[i];
    t.inputs[0] = inner->inputs[0];
    t.attrs.set("perm", r);
    return true;
  }

  // An identity Transpose: readers of its output read its input instead.
  bool bypass(size_t i) {
    const std::string x = g_.nodes[i].inputs[0], y = g_.nodes[i].outputs[0];
    if (outputs_.count(y)) {
      if (g_.nodes[i].op == "Identity") return false;
      g_.nodes[i].op = "Identity";
      g_.nodes[i].attrs = {};
      return true;
    }
    for (size_t c : consumers_[y])
      for (auto& in : g_.nodes[c].inputs)
        if (in == y) in = x;
    g_.nodes.erase(g_.nodes.begin() + i);
    return true;
  }

  // Whether input `value` of a consumer can take the untransposed value: the transposed value
  // itself, another Transpose with the same perm, or a constant (rearranged).
  bool operand_ok(const std::string& value, const Perm& p, bool constants_any_rank) const {
    if (value.empty()) return true;
    if (const Node* t = transpose_producing(value)) return perm_of(*t) == p;
    if (const Tensor* c = g_.constant(value))
      return constants_any_rank ? c->rank() <= p.size() : c->rank() == 0;
    const Value* v = g_.find_value(value);
    return v && v->shape.rank_known && v->shape.rank() == 0;
  }

  const Tensor* const_input(const Node& n, size_t i) const {
    return n.has_input(i) ? g_.constant(n.inputs[i]) : nullptr;
  }

  bool sinkable(const Node& c, const std::string& y, const Perm& p) const {
    const size_t r = p.size();
    if (unary_ops().count(c.op)) {
      if (c.inputs.empty() || c.inputs[0] != y) return false;
      for (size_t k = 1; k < c.inputs.size(); ++k)
        if (!operand_ok(c.inputs[k], p, false) || c.inputs[k] == y) return false;
      return true;
    }
    if (broadcast_ops().count(c.op) || c.op == "Concat") {
      for (const auto& in : c.inputs)
        if (!operand_ok(in, p, true)) return false;
      if (c.op == "Concat")
        for (const auto& in : c.inputs)
          if (const Tensor* k = g_.constant(in); k && k->rank() != r) return false;
      return true;
    }
    if (c.inputs.empty() || c.inputs[0] != y) return false;
    for (size_t k = 1; k < c.inputs.size(); ++k)
      if (c.inputs[k] == y) return false;
    if (c.op == "Transpose") return true;  // the two permutations compose
    if (c.op == "Softmax" || c.op == "LogSoftmax" || c.op == "ArgMax" || c.op == "ArgMin" ||
        c.op == "Split")
      return c.op != "Split" || !c.has_input(1) || const_input(c, 1);
    if (reduce_ops().count(c.op)) {
      const Tensor* axes = const_input(c, 1);
      return axes && axes->element_count() > 0;
    }
    if (c.op == "Squeeze") return const_input(c, 1) != nullptr;
    if (c.op == "Pad")
      return const_input(c, 1) && !c.has_input(3) && (!c.has_input(2) || const_input(c, 2));
    if (c.op == "Slice") {
      for (size_t k = 1; k < c.inputs.size(); ++k)
        if (c.has_input(k) && !const_input(c, k)) return false;
      return true;
    }
    return false;
  }

  bool sink(size_t i, const Perm& p) {
    const std::string y = g_.nodes[i].outputs[0];
    const std::vector<size_t> users = consumers_[y];
    for (size_t c : users)
      if (!sinkable(g_.nodes[c], y, p)) return false;
    // Rewrite from the last consumer so earlier indices stay valid while inserting.
    std::vector<size_t> order = users;
    std::sort(order.rbegin(), order.rend());
    for (size_t c : order)
      rewrite(c, p);
    return true;
  }

  std::string add_constant(const std::string& base, Tensor t) {
    const std::string name = g_.unique_name(base);
    g_.add_constant(name, std::move(t));
    return name;
  }

  // Replaces transposed operands by their sources and constants by rearranged copies.
  void untranspose_operands(Node& c, const Perm& p, bool broadcast) {
    const Perm ip = inverse(p);
    for (auto& in : c.inputs) {
      if (in.empty()) continue;
      if (const Node* t = transpose_producing(in)) {
        in = t->inputs[0];
        continue;
      }
      if (!broadcast) continue;
      const Tensor* k = g_.constant(in);
      if (!k || k->rank() == 0) continue;
      std::vector<int64_t> dims = k->dims();
      while (dims.size() < p.size())
        dims.insert(dims.begin(), 1);
      in = add_constant(in + "_transposed", transpose_constant(k->reshaped(dims), ip));
    }
  }

  void set_ints_input(Node& c, size_t k, const std::vector<int64_t>& values) {
    if (c.inputs.size() <= k) c.inputs.resize(k + 1);
    c.inputs[k] =
        add_constant(c.name + "_axes",
                     Tensor::from_vector<int64_t>({static_cast<int64_t>(values.size())}, values));
  }

  void rewrite(size_t index, const Perm& p) {
    Node& c = g_.nodes[index];
    const size_t r = p.size();
    if (c.op == "Transpose") {
      const Perm s = perm_of(c);
      Perm composed(s.size());
      for (size_t k = 0; k < s.size(); ++k)
        composed[k] = p[s[k]];
      c.inputs[0] = transpose_producing(c.inputs[0])->inputs[0];
      c.attrs.set("perm", composed);
      return;
    }
    std::vector<Perm> out_perms(c.outputs.size(), p);
    const bool broadcast = broadcast_ops().count(c.op) || c.op == "Concat";
    untranspose_operands(c, p, broadcast);
    auto map_axis = [&](int64_t a) { return p[normalize_axis(a, r)]; };
    if (c.op == "Concat" || c.op == "Softmax" || c.op == "LogSoftmax" || c.op == "Split") {
      const AttrReader attrs(c);
      c.attrs.set("axis", map_axis(attrs.i("axis")));
    } else if (c.op == "ArgMax" || c.op == "ArgMin") {
      const AttrReader attrs(c);
      const int64_t a = normalize_axis(attrs.i("axis"), r);
      c.attrs.set("axis", p[a]);
      if (attrs.i("keepdims") == 0) out_perms[0] = perm_after_removal(p, {a});
    } else if (reduce_ops().count(c.op) || c.op == "Squeeze") {
      std::set<int64_t> removed;
      std::vector<int64_t> mapped;
      for (int64_t a : g_.constant(c.inputs[1])->to_int64_vector()) {
        removed.insert(normalize_axis(a, r));
        mapped.push_back(map_axis(a));
      }
      std::sort(mapped.begin(), mapped.end());
      set_ints_input(c, 1, mapped);
      const bool keep = c.op != "Squeeze" && AttrReader(c).i("keepdims") != 0;
      if (!keep) out_perms[0] = perm_after_removal(p, removed);
    } else if (c.op == "Pad") {
      const std::vector<int64_t> pads = g_.constant(c.inputs[1])->to_int64_vector();
      std::vector<int64_t> mapped(pads.size());
      const Perm ip = inverse(p);
      for (size_t j = 0; j < r; ++j) {
        mapped[j] = pads[ip[j]];
        mapped[j + r] = pads[ip[j] + r];
      }
      c.inputs[1] = add_constant(
          c.name + "_pads", Tensor::from_vector<int64_t>({static_cast<int64_t>(2 * r)}, mapped));
    } else if (c.op == "Slice") {
      std::vector<int64_t> axes;
      if (c.has_input(3)) {
        axes = g_.constant(c.inputs[3])->to_int64_vector();
      } else {
        axes.resize(g_.constant(c.inputs[1])->element_count());
        std::iota(axes.begin(), axes.end(), 0);
      }
      for (auto& a : axes)
        a = map_axis(a);
      set_ints_input(c, 3, axes);
    }
    // Each output o becomes o' (the untransposed result) and a Transpose restores o.
    std::vector<Node> added;
    for (size_t k = 0; k < c.outputs.size(); ++k) {
      const std::string o = c.outputs[k];
      if (o.empty() || is_identity(out_perms[k])) continue;
      const Perm& q = out_perms[k];
      const std::string inner = g_.unique_name(o + "_untransposed");
      Value& v = g_.add_value(inner);
      const Value& outer = g_.value(o);
      v.dtype = outer.dtype;
      v.shape = permute_shape(outer.shape, inverse(q));
      c.outputs[k] = inner;
      Node t{g_.unique_name(c.name + "_transpose"), "Transpose", {inner}, {o}, {}};
      t.attrs.set("perm", q);
      added.push_back(std::move(t));
    }
    g_.nodes.insert(g_.nodes.begin() + index + 1, added.begin(), added.end());
  }

  // Transpose -> Reshape to [N, K] -> MatMul(., constant [K, M]): reshape the untransposed
  // value and permute the weight rows into its element order instead.
  bool flatten_dense(size_t i, const Perm& p) {
    const Node& t = g_.nodes[i];
    const std::string y = t.outputs[0];
    const Value* x = g_.find_value(t.inputs[0]);
    if (!x || p.empty() || p[0] != 0 || !x->shape.rank_known || x->shape.rank() != p.size())
      return false;
    for (size_t d = 1; d < x->shape.rank(); ++d)
      if (!x->shape.dims[d].known()) return false;
    const auto& users = consumers_[y];
    if (users.size() != 1 || g_.nodes[users[0]].op != "Reshape") return false;
    const Node& reshape = g_.nodes[users[0]];
    if (reshape.inputs[0] != y || !reshape_shape_is_literal(g_, reshape)) return false;
    const Value* flat = g_.find_value(reshape.outputs[0]);
    if (!flat || !flat->shape.rank_known || flat->shape.rank() != 2 || outputs_.count(flat->name))
      return false;
    int64_t k = 1;
    for (size_t d = 1; d < x->shape.rank(); ++d)
      k *= x->shape.dims[d].size;
    if (!flat->shape.dims[1].known() || flat->shape.dims[1].size != k) return false;
    const auto& dense = consumers_[reshape.outputs[0]];
    if (dense.empty()) return false;
    for (size_t c : dense) {
      const Node& n = g_.nodes[c];
      const Tensor* w = n.op == "MatMul" ? const_input(n, 1) : nullptr;
      if (!w || n.inputs[0] != reshape.outputs[0] || n.inputs[1] == reshape.outputs[0] ||
          w->rank() != 2 || w->dims()[0] != k)
        return false;
    }
    // Row ry of the old weight is element ry of the flattened transposed value; its source
    // element in x (flattened without the batch axis) is rx.
    std::vector<int64_t> xd(x->shape.rank() - 1), yd;
    for (size_t d = 1; d < x->shape.rank(); ++d)
      xd[d - 1] = x->shape.dims[d].size;
    for (size_t d = 1; d < p.size(); ++d)
      yd.push_back(xd[p[d] - 1]);
    std::vector<int64_t> x_strides(xd.size(), 1);
    for (size_t d = xd.size(); d-- > 1;)
      x_strides[d - 1] = x_strides[d] * xd[d];
    std::vector<int64_t> row_source(k);  // new row rx takes old row ry
    std::vector<int64_t> idx(yd.size(), 0);
    for (int64_t ry = 0; ry < k; ++ry) {
      int64_t rx = 0;
      for (size_t d = 0; d < yd.size(); ++d)
        rx += idx[d] * x_strides[p[d + 1] - 1];
      row_source[rx] = ry;
      for (size_t d = yd.size(); d-- > 0;) {
        if (++idx[d] < yd[d]) break;
        idx[d] = 0;
      }
    }
    for (size_t c : dense) {
      Node& n = g_.nodes[c];
      const Tensor& w = *g_.constant(n.inputs[1]);
      const size_t row_bytes = static_cast<size_t>(w.dims()[1]) * dtype_size(w.dtype());
      Tensor permuted(w.dtype(), w.dims());
      for (int64_t rx = 0; rx < k; ++rx)
        std::memcpy(permuted.mutable_raw() + rx * row_bytes, w.raw() + row_source[rx] * row_bytes,
                    row_bytes);
      n.inputs[1] = add_constant(n.inputs[1] + "_rows_permuted", std::move(permuted));
    }
    g_.nodes[users[0]].inputs[0] = t.inputs[0];
    g_.nodes.erase(g_.nodes.begin() + i);
    return true;
  }

  // A Transpose that keeps the order of all non-unit axes is a Reshape; before a Reshape that
  // lets the two merge into one.
  bool unit_move_to_reshape(size_t i, const Perm& p) {
    const Node& t = g_.nodes[i];
    const std::string y = t.outputs[0];
    for (size_t c : consumers_[y])
      if (g_.nodes[c].op != "Reshape" || g_.nodes[c].inputs[0] != y ||
          !reshape_shape_is_literal(g_, g_.nodes[c]))
        return false;
    const Value* x = g_.find_value(t.inputs[0]);
    if (!x || !x->shape.rank_known || x->shape.rank() != p.size()) return false;
    int64_t last = -1;
    for (int64_t a : p) {
      const Dim& d = x->shape.dims[a];
      if (d.known() && d.size == 1) continue;
      if (a < last) return false;
      last = a;
    }
    for (size_t c : consumers_[y])
      g_.nodes[c].inputs[0] = t.inputs[0];
    g_.nodes.erase(g_.nodes.begin() + i);
    return true;
  }
};

}  // namespace

void sink_transposes(Graph& graph, const PassOptions&) {
  Sinker(graph).run();
}

}  // namespace nnport
