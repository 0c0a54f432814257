// Writes windowed and weighted IR ops: Conv, ConvTranspose, MaxPool, AveragePool, global pools,
// Gemm, MatMul, BatchNormalization, LRN. By the time a node gets here the legalization passes
// have made its pads symmetric and its rounding and divisor Caffe's; these emitters check that
// and refuse otherwise.
#include <algorithm>

#include "formats/caffe/caffe_export.h"
#include "formats/caffe/caffe_pool_math.h"
#include "ir/op_schema.h"

namespace nnport::caffe_export {

namespace pb = nnport::caffe;

namespace {

// Pads as one value per spatial axis; refuses asymmetric pads and unresolved auto_pad.
std::vector<int64_t> symmetric_pads(NodeExport& ctx, size_t spatial) {
  const AttrReader attrs(ctx.node());
  if (parse_auto_pad(attrs.s("auto_pad")) != AutoPad::NotSet)
    ctx.refuse("auto_pad is unresolved (the input size is unknown)");
  const std::vector<int64_t> pads = normalize_pads(attrs.ints("pads"), spatial);
  std::vector<int64_t> per_axis(pads.begin(), pads.begin() + spatial);
  for (size_t a = 0; a < spatial; ++a)
    if (pads[a] != pads[a + spatial]) ctx.refuse("asymmetric pads were not legalized");
  return per_axis;
}

std::vector<int64_t> or_ones(std::vector<int64_t> values, size_t spatial) {
  if (values.empty()) values.assign(spatial, 1);
  return values;
}

bool all_equal(const std::vector<int64_t>& v) {
  return std::all_of(v.begin(), v.end(), [&](int64_t x) { return x == v[0]; });
}

void set_conv_geometry(pb::ConvolutionParameter* p, const std::vector<int64_t>& kernel,
                       const std::vector<int64_t>& stride, const std::vector<int64_t>& pad,
                       const std::vector<int64_t>& dilation) {
  // Square 2-D windows use the scalar fields every Caffe reader knows; others _h/_w or lists.
  const bool two_d = kernel.size() == 2;
  if (all_equal(kernel)) {
    p->add_kernel_size(kernel[0]);
  } else if (two_d) {
    p->set_kernel_h(kernel[0]);
    p->set_kernel_w(kernel[1]);
  } else {
    for (int64_t k : kernel)
      p->add_kernel_size(k);
  }
  if (!all_equal(stride) && two_d) {
    p->set_stride_h(stride[0]);
    p->set_stride_w(stride[1]);
  } else if (stride[0] != 1 || !all_equal(stride)) {
    if (all_equal(stride))
      p->add_stride(stride[0]);
    else
      for (int64_t s : stride)
        p->add_stride(s);
  }
  if (!all_equal(pad) && two_d) {
    p->set_pad_h(pad[0]);
    p->set_pad_w(pad[1]);
  } else if (pad[0] != 0 || !all_equal(pad)) {
    if (all_equal(pad))
      p->add_pad(pad[0]);
    else
      for (int64_t v : pad)
        p->add_pad(v);
  }
  if (dilation[0] != 1 || !all_equal(dilation)) {
    if (all_equal(dilation))
      p->add_dilation(dilation[0]);
    else
      for (int64_t d : dilation)
        p->add_dilation(d);
  }
}

void emit_conv(NodeExport& ctx) {
  const bool transposed = ctx.node().op == "ConvTranspose";
  const AttrReader attrs(ctx.node());
  const Tensor& weight = ctx.require_constant_input(1, "the weight");
  if (weight.rank() < 3) ctx.refuse("weight of rank {}", weight.rank());
  const size_t spatial = weight.rank() - 2;
  const std::vector<int64_t> kernel(weight.dims().begin() + 2, weight.dims().end());
  const std::vector<int64_t> pad = symmetric_pads(ctx, spatial);
  const int64_t group = attrs.i("group");
  if (transposed) {
    for (int64_t op : attrs.ints("output_padding"))
      if (op != 0) ctx.refuse("output_padding was not legalized");
    if (!attrs.ints("output_shape").empty()) ctx.refuse("output_shape is not supported");
  }
  const int64_t outputs = transposed ? weight.dims()[1] * group : weight.dims()[0];
  pb::LayerParameter* layer = ctx.layer(transposed ? "Deconvolution" : "Convolution",
                                        {ctx.input_blob(0)}, {ctx.output_blob()});
  auto* p = layer->mutable_convolution_param();
  p->set_num_output(static_cast<uint32_t>(outputs));
  set_conv_geometry(p, kernel, or_ones(attrs.ints("strides"), spatial), pad,
                    or_ones(attrs.ints("dilations"), spatial));
  if (group != 1) p->set_group(static_cast<uint32_t>(group));
  ctx.net().add_blob(layer, weight, weight.dims());
  if (const Tensor* bias = ctx.constant_input(2)) {
    if (bias->element_count() != outputs) ctx.refuse("bias has {} values", bias->element_count());
    ctx.net().add_blob(layer, *bias, {outputs});
  } else if (ctx.node().has_input(2)) {
    ctx.refuse("the bias must be a constant");
  } else {
    p->set_bias_term(false);
  }
}

void emit_pool(NodeExport& ctx) {
  const bool average = ctx.node().op == "AveragePool";
  const AttrReader attrs(ctx.node());
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  if (in.size() != 4) ctx.refuse("Caffe pools N x C x H x W inputs only");
  const std::vector<int64_t> kernel = attrs.ints("kernel_shape");
  const std::vector<int64_t> stride = or_ones(attrs.ints("strides"), 2);
  for (int64_t d : or_ones(attrs.ints("dilations"), 2))
    if (d != 1) ctx.refuse("dilated pooling");
  if (ctx.node().outputs.size() > 1 && !ctx.node().outputs[1].empty())
    ctx.refuse("the Indices output");
  const std::vector<int64_t> pad = symmetric_pads(ctx, 2);
  const bool any_pad = pad[0] > 0 || pad[1] > 0;
  const std::vector<int64_t> out = ctx.sizes(ctx.node().outputs[0]);
  for (int a = 0; a < 2; ++a) {
    if (pad[a] >= kernel[a]) ctx.refuse("pad {} is not smaller than kernel {}", pad[a], kernel[a]);
    if (caffe_pool_output(in[2 + a], kernel[a], stride[a], pad[a], any_pad) != out[2 + a])
      ctx.refuse("rounding '{}' was not legalized", attrs.s("rounding"));
    if (average) {
      const AvgDivisor mode = parse_avg_divisor(attrs.s("divisor"));
      if (divisor_counts(in[2 + a], kernel[a], stride[a], pad[a], pad[a], out[2 + a], mode) !=
          divisor_counts(in[2 + a], kernel[a], stride[a], pad[a], pad[a], out[2 + a],
                         AvgDivisor::Padded))
        ctx.refuse("divisor '{}' was not legalized", attrs.s("divisor"));
    }
  }
  pb::LayerParameter* layer = ctx.layer("Pooling", {ctx.input_blob(0)}, {ctx.output_blob()});
  auto* p = layer->mutable_pooling_param();
  p->set_pool(average ? pb::PoolingParameter::AVE : pb::PoolingParameter::MAX);
  if (kernel[0] == kernel[1]) {
    p->set_kernel_size(kernel[0]);
  } else {
    p->set_kernel_h(kernel[0]);
    p->set_kernel_w(kernel[1]);
  }
  if (stride[0] == stride[1]) {
    p->set_stride(stride[0]);
  } else {
    p->set_stride_h(stride[0]);
    p->set_stride_w(stride[1]);
  }
  if (pad[0] == pad[1]) {
    if (pad[0] != 0) p->set_pad(pad[0]);
  } else {
    p->set_pad_h(pad[0]);
    p->set_pad_w(pad[1]);
  }
}

void emit_global_pool(NodeExport& ctx) {
  pb::LayerParameter* layer = ctx.layer("Pooling", {ctx.input_blob(0)}, {ctx.output_blob()});
  auto* p = layer->mutable_pooling_param();
  p->set_pool(ctx.node().op == "GlobalAveragePool" ? pb::PoolingParameter::AVE
                                                   : pb::PoolingParameter::MAX);
  p->set_global_pooling(true);
}

// Mean / max over H and W of an NCHW blob (Keras' global pooling layers, TF's Mean/Max) is a
// global Pooling; without keepdims a Reshape drops the two unit axes.
void emit_spatial_reduce(NodeExport& ctx) {
  const std::vector<int64_t> in = ctx.sizes(ctx.node().inputs[0]);
  std::vector<int64_t> axes = ctx.require_constant_input(1, "axes").to_int64_vector();
  for (int64_t& a : axes)
    if (a < 0) a += static_cast<int64_t>(in.size());
  std::sort(axes.begin(), axes.end());
  if ((in.size() != 4 || axes != std::vector<int64_t>{2, 3}) && ctx.node().op == "ReduceMean")
    return emit_weighted_reduce(ctx);
  if (in.size() != 4 || axes != std::vector<int64_t>{2, 3})
    ctx.refuse("only a reduction over axes 2 and 3 of a 4-D blob is a Caffe Pooling");
  const bool keepdims = AttrReader(ctx.node()).i("keepdims") != 0;
  const std::string pooled = keepdims ? ctx.output_blob() : ctx.temp_blob("pooled");
  pb::LayerParameter* layer = ctx.layer("Pooling", {ctx.input_blob(0)}, {pooled});
  auto* p = layer->mutable_pooling_param();
  p->set_pool(ctx.node().op == "ReduceMean" ? pb::PoolingParameter::AVE
                                            : pb::PoolingParameter::MAX);
  p->set_global_pooling(true);
  if (keepdims) return;
  auto* reshape = ctx.layer("Reshape", {pooled}, {ctx.output_blob()})->mutable_reshape_param();
  reshape->mutable_shape()->add_dim(in[0]);
  reshape->mutable_shape()->add_dim(in[1]);
}

// A K x N weight as N x K (one row per output).
Tensor output_major(NodeExport& ctx, const Tensor& weight) {
  if (weight.dtype() != DType::Float32)
    ctx.refuse("weights of dtype {} (Caffe stores float32 only)", dtype_name(weight.dtype()));
  const int64_t k = weight.dims()[0], n = weight.dims()[1];
  Tensor out(DType::Float32, {n, k});
  const auto from = weight.values<float>();
  auto to = out.mutable_values<float>();
  for (int64_t row = 0; row < k; ++row)
    for (int64_t col = 0; col < n; ++col)
      to[col * k + row] = from[row * n + col];
  return out;
}

void add_inner_product(NodeExport& ctx, const Tensor& weight, bool transposed, int64_t axis,
                       const Tensor* bias) {
  const int64_t n = weight.dims()[transposed ? 1 : 0];
  const int64_t k = weight.dims()[transposed ? 0 : 1];
  pb::LayerParameter* layer = ctx.layer("InnerProduct", {ctx.input_blob(0)}, {ctx.output_blob()});
  auto* p = layer->mutable_inner_product_param();
  p->set_num_output(static_cast<uint32_t>(n));
  if (axis != 1) p->set_axis(static_cast<int32_t>(axis));
  // A K x N weight is stored N x K rather than with `transpose: true`: OpenCV's Caffe importer
  // ignores that field and would read the blob as N x K, silently computing something else.
  ctx.net().add_blob(layer, transposed ? output_major(ctx, weight) : weight,
                     std::vector<int64_t>{n, k});
  if (bias) {
    if (bias->element_count() != n)
      ctx.refuse("bias of {} values for {} outputs", bias->element_count(), n);
    ctx.net().add_blob(layer, *bias, {n});
  } else {
    p->set_bias_term(false);
  }
}

void emit_gemm(NodeExport& ctx) {
  const AttrReader attrs(ctx.node());
  if (attrs.f("alpha") != 1.0f || (ctx.node().has_input(2) && attrs.f("beta") != 1.0f))
    ctx.refuse("alpha/beta other than 1");
  if (attrs.i("transA") != 0) ctx.refuse("transA");
  if (ctx.shape(ctx.node().inputs[0]).rank() != 2) ctx.refuse("input A must be 2-D");
  const Tensor& weight = ctx.require_constant_input(1, "B");
  if (weight.rank() != 2) ctx.refuse("B must be 2-D");
  const Tensor* bias = ctx.constant_input(2);
  if (ctx.node().has_input(2) && !bias) ctx.refuse("C must be a constant");
  const int64_t n = weight.dims()[attrs.i("transB") ? 0 : 1];
  if (bias && bias->element_count() != n)
    ctx.refuse("C of shape {} is not one value per output", sizes_to_string(bias->dims()));
  add_inner_product(ctx, weight, attrs.i("transB") == 0, 1, bias);
}

void emit_matmul(NodeExport& ctx) {
  const Tensor& weight = ctx.require_constant_input(1, "B");
  if (weight.rank() != 2) ctx.refuse("B must be a 2-D constant");
  const Shape& a = ctx.shape(ctx.node().inputs[0]);
  if (!a.rank_known || a.rank() < 2) ctx.refuse("A must have rank 2 or more");
  add_inner_product(ctx, weight, true, static_cast<int64_t>(a.rank()) - 1, nullptr);
}

bool all_values(const Tensor& t, float value) {
  for (float v : t.values<float>())
    if (v != value) return false;
  return true;
}

void emit_batch_norm(NodeExport& ctx) {
  const AttrReader attrs(ctx.node());
  if (ctx.node().outputs.size() > 1) ctx.refuse("training outputs");
  const Tensor& scale = ctx.require_constant_input(1, "scale");
  const Tensor& bias = ctx.require_constant_input(2, "B");
  const Tensor& mean = ctx.require_constant_input(3, "mean");
  const Tensor& variance = ctx.require_constant_input(4, "variance");
  const int64_t c = mean.element_count();
  const bool affine = !all_values(scale, 1) || !all_values(bias, 0);
  const std::string normalized = affine ? ctx.temp_blob("normalized") : ctx.output_blob();
  pb::LayerParameter* bn = ctx.layer("BatchNorm", {ctx.input_blob(0)}, {normalized});
  bn->mutable_batch_norm_param()->set_eps(attrs.f("epsilon"));
  ctx.net().add_blob(bn, mean, {c});
  ctx.net().add_blob(bn, variance, {c});
  ctx.net().add_blob(bn, Tensor::from_vector<float>({1}, {1.0f}), {1});
  if (!affine) return;
  // Caffe's BatchNorm has no gamma/beta: a Scale layer with a bias carries them.
  pb::LayerParameter* sc = ctx.layer("Scale", {normalized}, {ctx.output_blob()});
  sc->mutable_scale_param()->set_bias_term(true);
  ctx.net().add_blob(sc, scale, {c});
  ctx.net().add_blob(sc, bias, {c});
}

void emit_lrn(NodeExport& ctx) {
  const AttrReader attrs(ctx.node());
  const int64_t size = attrs.i("size");
  if (size % 2 == 0) ctx.refuse("even size {} (Caffe centres an odd window)", size);
  pb::LayerParameter* layer = ctx.layer("LRN", {ctx.input_blob(0)}, {ctx.output_blob()});
  auto* p = layer->mutable_lrn_param();
  p->set_local_size(static_cast<uint32_t>(size));
  p->set_alpha(attrs.f("alpha"));
  p->set_beta(attrs.f("beta"));
  p->set_k(attrs.f("bias"));
}

}  // namespace

NodeEmitter find_window_emitter(const std::string& op) {
  if (op == "Conv" || op == "ConvTranspose") return emit_conv;
  if (op == "MaxPool" || op == "AveragePool") return emit_pool;
  if (op == "GlobalAveragePool" || op == "GlobalMaxPool") return emit_global_pool;
  if (op == "ReduceMean" || op == "ReduceMax") return emit_spatial_reduce;
  if (op == "Gemm") return emit_gemm;
  if (op == "MatMul") return emit_matmul;
  if (op == "BatchNormalization") return emit_batch_norm;
  if (op == "LRN") return emit_lrn;
  return nullptr;
}

}  // namespace nnport::caffe_export
