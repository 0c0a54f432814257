// --fold-bn: y = (conv(x) - mean) * scale / sqrt(var + eps) + B folds into the conv:
// W'[o] = W[o] * f[o], b'[o] = (b[o] - mean[o]) * f[o] + B[o] with f = scale / sqrt(var + eps).
// Computed in double and rounded once; the result differs from the unfolded model by float
// rounding only, which is what the user asked for with the flag.
#include <cmath>

#include "formats/caffe/caffe_legalize.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

void fold_batchnorm_into_conv(Graph& graph) {
  const auto uses = graph.use_counts();
  const auto producers = graph.producers();
  std::vector<bool> removed(graph.nodes.size(), false);
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& bn = graph.nodes[i];
    if (bn.op != "BatchNormalization" || bn.outputs.size() != 1) continue;
    auto producer = producers.find(bn.inputs[0]);
    if (producer == producers.end()) continue;
    Node& conv = graph.nodes[producer->second];
    if (conv.op != "Conv" || uses.at(conv.outputs[0]) != 1) continue;
    const Tensor* w = graph.constant(conv.inputs[1]);
    const Tensor* b = conv.has_input(2) ? graph.constant(conv.inputs[2]) : nullptr;
    const Tensor* scale = graph.constant(bn.inputs[1]);
    const Tensor* beta = graph.constant(bn.inputs[2]);
    const Tensor* mean = graph.constant(bn.inputs[3]);
    const Tensor* var = graph.constant(bn.inputs[4]);
    if (!w || (conv.has_input(2) && !b) || !scale || !beta || !mean || !var) continue;
    if (w->dtype() != DType::Float32) continue;
    const int64_t outputs = w->dims()[0];
    const int64_t per_output = w->element_count() / outputs;
    const double eps = AttrReader(bn).f("epsilon");
    const auto s = scale->to_float_vector(), be = beta->to_float_vector(),
               m = mean->to_float_vector(), v = var->to_float_vector();
    Tensor new_w(DType::Float32, w->dims());
    Tensor new_b(DType::Float32, {outputs});
    const float* wv = w->data<float>();
    float* nw = new_w.mutable_data<float>();
    float* nb = new_b.mutable_data<float>();
    for (int64_t o = 0; o < outputs; ++o) {
      const double f = s[o] / std::sqrt(static_cast<double>(v[o]) + eps);
      for (int64_t j = 0; j < per_output; ++j)
        nw[o * per_output + j] = static_cast<float>(wv[o * per_output + j] * f);
      const double bias = b ? b->data<float>()[o] : 0.0;
      nb[o] = static_cast<float>((bias - m[o]) * f + be[o]);
    }
    const std::string w_name = graph.unique_name(conv.name + "/folded_weight");
    const std::string b_name = graph.unique_name(conv.name + "/folded_bias");
    graph.add_constant(w_name, std::move(new_w));
    graph.add_constant(b_name, std::move(new_b));
    conv.inputs.resize(3);
    conv.inputs[1] = w_name;
    conv.inputs[2] = b_name;
    conv.outputs[0] = bn.outputs[0];
    removed[i] = true;
  }
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!removed[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
  graph.remove_dead_nodes();
  infer_shapes(graph);
}

}  // namespace nnport::caffe_export
