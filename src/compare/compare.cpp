#include "compare/compare.h"

#include <algorithm>
#include <map>

#include "ir/error.h"

namespace nnport {

namespace {

// SplitMix64 (Steele, Lea, Flood 2014): tiny, and unlike <random>'s distributions its output is
// the same with every standard library, which keeps seeded inputs reproducible everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [-1, 1) on a grid of 2^-23: exact in float32 and float64.
  double uniform_pm1() { return static_cast<double>(next() >> 40) / double(1 << 23) - 1.0; }

 private:
  uint64_t state_;
};

uint64_t name_hash(const std::string& name) {
  uint64_t h = 0xcbf29ce484222325ULL;  // FNV-1a
  for (unsigned char c : name)
    h = (h ^ c) * 0x100000001b3ULL;
  return h;
}

template <typename T>
void fill_integers(Tensor& t, SplitMix64& rng) {
  for (T& v : t.mutable_values<T>())
    v = static_cast<T>(rng.next() % 4);
}

Tensor random_tensor(const Value& value, uint64_t seed) {
  if (!value.shape.fully_known())
    usage_error(
        "input '{}' has shape {}: give its size with --input {}:D1,D2,... or a file with "
        "--input {}=FILE.npy",
        value.name, value.shape.to_string(), value.name, value.name);
  SplitMix64 rng(seed ^ name_hash(value.name));
  Tensor t(value.dtype, value.shape.sizes());
  switch (value.dtype) {
    case DType::Float32:
      for (float& v : t.mutable_values<float>())
        v = static_cast<float>(rng.uniform_pm1());
      break;
    case DType::Float64:
      for (double& v : t.mutable_values<double>())
        v = rng.uniform_pm1();
      break;
    case DType::Float16:
    case DType::BFloat16: {
      auto* bits = reinterpret_cast<uint16_t*>(t.mutable_raw());
      for (int64_t i = 0; i < t.element_count(); ++i) {
        const auto f = static_cast<float>(rng.uniform_pm1());
        bits[i] = value.dtype == DType::Float16 ? float_to_half(f) : float_to_bfloat16(f);
      }
      break;
    }
    case DType::Int8:
      fill_integers<int8_t>(t, rng);
      break;
    case DType::UInt8:
      fill_integers<uint8_t>(t, rng);
      break;
    case DType::Int16:
      fill_integers<int16_t>(t, rng);
      break;
    case DType::UInt16:
      fill_integers<uint16_t>(t, rng);
      break;
    case DType::Int32:
      fill_integers<int32_t>(t, rng);
      break;
    case DType::UInt32:
      fill_integers<uint32_t>(t, rng);
      break;
    case DType::Int64:
      fill_integers<int64_t>(t, rng);
      break;
    case DType::UInt64:
      fill_integers<uint64_t>(t, rng);
      break;
    case DType::Bool:
      for (bool& v : t.mutable_values<bool>())
        v = (rng.next() >> 63) != 0;
      break;
    default:
      usage_error("input '{}' is {}: no random values for it; give --input {}=FILE.npy", value.name,
                  dtype_name(value.dtype), value.name);
  }
  return t;
}

// Index in `names` of `wanted`, else `position` if in range.
std::optional<size_t> match_name(const std::vector<std::string>& names, const std::string& wanted,
                                 size_t position) {
  auto it = std::find(names.begin(), names.end(), wanted);
  if (it != names.end()) return static_cast<size_t>(it - names.begin());
  if (position < names.size()) return position;
  return std::nullopt;
}

}  // namespace

TensorMap make_inputs(const Graph& graph, uint64_t seed, const TensorMap& given) {
  for (const auto& [name, tensor] : given)
    if (std::find(graph.inputs.begin(), graph.inputs.end(), name) == graph.inputs.end())
      usage_error("--input {}: the model has no input named '{}' (its inputs: {})", name, name,
                  fmt::join(graph.inputs, ", "));
  TensorMap feeds;
  for (const auto& name : graph.inputs) {
    auto it = given.find(name);
    feeds[name] = it != given.end() ? it->second : random_tensor(graph.value(name), seed);
  }
  return feeds;
}

TensorMap feeds_for(const Graph& reference, const Graph& candidate, const TensorMap& feeds) {
  if (reference.inputs.size() != candidate.inputs.size())
    model_error("the models have {} and {} inputs", reference.inputs.size(),
                candidate.inputs.size());
  TensorMap out;
  for (size_t i = 0; i < reference.inputs.size(); ++i) {
    const std::string& name = reference.inputs[i];
    const size_t j = *match_name(candidate.inputs, name, i);
    out[candidate.inputs[j]] = feeds.at(name);
  }
  return out;
}

std::vector<MetricsRow> compare_outputs(const Graph& reference, const Graph& candidate,
                                        const TensorMap& feeds, const LayoutOptions& layouts,
                                        std::vector<std::string>* notes) {
  if (reference.outputs.size() != candidate.outputs.size())
    model_error("the models have {} and {} outputs", reference.outputs.size(),
                candidate.outputs.size());
  const TensorMap matched = feeds_for(reference, candidate, feeds);
  LayoutPlan plan = plan_input_layouts(reference, candidate, matched, layouts);
  const TensorMap ref_out = run_graph(reference, feeds);
  const TensorMap cand_out = run_graph(candidate, apply_input_layouts(plan, matched));
  std::vector<MetricsRow> rows;
  for (size_t i = 0; i < reference.outputs.size(); ++i) {
    const std::string& name = reference.outputs[i];
    const std::string& other = candidate.outputs[*match_name(candidate.outputs, name, i)];
    const Tensor& r = ref_out.at(name);
    const Tensor o = align_output(name, r, cand_out.at(other), layouts, plan);
    if (r.dims() != o.dims())
      model_error("output '{}' has shape {} in the reference but {} ('{}') in the other model",
                  name, sizes_to_string(r.dims()), sizes_to_string(o.dims()), other);
    rows.push_back({name, r.shape().to_string(), compute_metrics(r, o)});
  }
  if (notes) *notes = plan.notes;
  return rows;
}

namespace {

struct CandidateIndex {
  std::map<std::string, const Node*> by_node_name;
  std::map<std::string, std::vector<const Node*>> by_op;  // in graph order
};

CandidateIndex index_nodes(const Graph& g) {
  CandidateIndex index;
  for (const Node& n : g.nodes) {
    index.by_node_name[n.name] = &n;
    index.by_op[n.op].push_back(&n);
  }
  return index;
}

// The candidate value standing for output `k` of reference node `node` (the n-th of its op).
std::optional<std::pair<std::string, std::string>> find_counterpart(
    const Node& node, size_t k, size_t op_position, const TensorMap& candidate_values,
    const CandidateIndex& index) {
  const std::string& name = node.outputs[k];
  if (candidate_values.count(name)) return std::pair{name, std::string("name")};
  auto by_name = index.by_node_name.find(node.name);
  if (by_name != index.by_node_name.end() && by_name->second->op == node.op &&
      k < by_name->second->outputs.size() && candidate_values.count(by_name->second->outputs[k]))
    return std::pair{by_name->second->outputs[k], std::string("node name")};
  auto by_op = index.by_op.find(node.op);
  if (by_op != index.by_op.end() && op_position < by_op->second.size()) {
    const Node* other = by_op->second[op_position];
    if (k < other->outputs.size() && candidate_values.count(other->outputs[k]))
      return std::pair{other->outputs[k], std::string("op position")};
  }
  return std::nullopt;
}

}  // namespace

LayerReport compare_layers(const Graph& reference, const Graph& candidate, const TensorMap& feeds,
                           double max_rel, const LayoutOptions& layouts) {
  RunOptions keep_all;
  keep_all.keep_intermediates = true;
  const TensorMap ref_values = run_graph(reference, feeds, keep_all);
  const TensorMap matched = feeds_for(reference, candidate, feeds);
  const LayoutPlan plan = plan_input_layouts(reference, candidate, matched, layouts);
  const TensorMap cand_values = run_graph(candidate, apply_input_layouts(plan, matched), keep_all);
  const CandidateIndex index = index_nodes(candidate);

  LayerReport report;
  std::map<std::string, size_t> op_seen;
  for (const Node& node : reference.nodes) {
    const size_t op_position = op_seen[node.op]++;
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      if (node.outputs[k].empty() || !ref_values.count(node.outputs[k])) continue;
      const auto counterpart = find_counterpart(node, k, op_position, cand_values, index);
      const Tensor& r = ref_values.at(node.outputs[k]);
      if (!counterpart || cand_values.at(counterpart->first).dims() != r.dims()) {
        ++report.unmatched;
        continue;
      }
      ++report.compared;
      LayerDiff diff{node.name,           node.op,
                     node.outputs[k],     counterpart->first,
                     counterpart->second, compute_metrics(r, cand_values.at(counterpart->first))};
      if (!report.worst || diff.metrics.max_rel > report.worst->metrics.max_rel)
        report.worst = diff;
      if (!report.first_divergence && !(diff.metrics.max_rel <= max_rel))
        report.first_divergence = diff;
    }
  }
  return report;
}

std::string format_layer_report(const LayerReport& report, double max_rel) {
  std::string out = fmt::format("layers: {} values compared, {} without a counterpart\n",
                                report.compared, report.unmatched);
  auto describe = [](const LayerDiff& d) {
    const std::string other =
        d.candidate_value == d.reference_value
            ? ""
            : fmt::format(" (other model: '{}', matched by {})", d.candidate_value, d.matched_by);
    return fmt::format("'{}' of node '{}' ({}){}: max_abs {:.3e}, max_rel {:.3e}, snr {} dB",
                       d.reference_value, d.node, d.op, other, d.metrics.max_abs, d.metrics.max_rel,
                       format_db(d.metrics.snr_db));
  };
  if (report.first_divergence)
    out += fmt::format("first divergence (max_rel > {}): {}\n", max_rel,
                       describe(*report.first_divergence));
  else
    out += fmt::format("no layer diverges (max_rel <= {})\n", max_rel);
  if (report.worst) out += fmt::format("largest difference: {}\n", describe(*report.worst));
  return out;
}

}  // namespace nnport
