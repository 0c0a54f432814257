// Caffe layers with windows or weights: Convolution, Deconvolution, Pooling, InnerProduct, LRN,
// BatchNorm. Pad/rounding/divisor semantics: SEMANTICS.md §1-2.
#include <cmath>

#include "formats/caffe/caffe_import.h"

namespace nnport::caffe_import {

namespace pb = nnport::caffe;

namespace {

struct Window {
  std::vector<int64_t> kernel, stride, pad, dilation;
};

// Caffe gives each of pad/kernel/stride/dilation once for all spatial axes or once per axis;
// 2-D layers may use the _h/_w fields instead.
std::vector<int64_t> per_axis(const LayerImport& ctx, const char* what,
                              const google::protobuf::RepeatedField<uint32_t>& values,
                              size_t spatial, int64_t fallback) {
  if (values.empty()) return std::vector<int64_t>(spatial, fallback);
  if (values.size() == 1) return std::vector<int64_t>(spatial, values[0]);
  if (static_cast<size_t>(values.size()) != spatial)
    ctx.fail("{} has {} values for {} spatial axes", what, values.size(), spatial);
  return {values.begin(), values.end()};
}

Window conv_window(const LayerImport& ctx, const pb::ConvolutionParameter& p, size_t spatial) {
  Window w;
  if (p.has_kernel_h() || p.has_kernel_w()) {
    if (spatial != 2 || !p.has_kernel_h() || !p.has_kernel_w() || p.kernel_size_size() > 0)
      ctx.fail("kernel_h/kernel_w need a 2-D input, both set, and no kernel_size");
    w.kernel = {p.kernel_h(), p.kernel_w()};
  } else {
    if (p.kernel_size_size() == 0) ctx.fail("has no kernel_size");
    w.kernel = per_axis(ctx, "kernel_size", p.kernel_size(), spatial, 1);
  }
  if (p.has_stride_h() || p.has_stride_w()) {
    if (spatial != 2 || p.stride_size() > 0) ctx.fail("stride_h/stride_w need a 2-D input");
    w.stride = {p.has_stride_h() ? p.stride_h() : 1, p.has_stride_w() ? p.stride_w() : 1};
  } else {
    w.stride = per_axis(ctx, "stride", p.stride(), spatial, 1);
  }
  if (p.has_pad_h() || p.has_pad_w()) {
    if (spatial != 2 || p.pad_size() > 0) ctx.fail("pad_h/pad_w need a 2-D input");
    w.pad = {p.pad_h(), p.pad_w()};
  } else {
    w.pad = per_axis(ctx, "pad", p.pad(), spatial, 0);
  }
  w.dilation = per_axis(ctx, "dilation", p.dilation(), spatial, 1);
  return w;
}

// Caffe pads are symmetric: the same amount at both ends of each axis.
std::vector<int64_t> symmetric_pads(const std::vector<int64_t>& pad) {
  std::vector<int64_t> pads = pad;
  pads.insert(pads.end(), pad.begin(), pad.end());
  return pads;
}

void convert_convolution(LayerImport& ctx, bool transposed) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().convolution_param();
  const int64_t rank = ctx.bottom_rank(0);
  if (ctx.canonical_axis(p.axis(), rank, "axis") != 1)
    ctx.fail("channel axis {} is not supported (only 1)", p.axis());
  if (rank < 3) ctx.fail("needs an N x C x spatial input, got rank {}", rank);
  const size_t spatial = static_cast<size_t>(rank - 2);
  const Window w = conv_window(ctx, p, spatial);
  const Shape& x = ctx.bottom_shape(0);
  if (!x.dims[1].known()) ctx.fail("the input channel count is unknown");
  const int64_t channels = x.dims[1].size;
  const int64_t group = p.group();
  const int64_t outputs = p.num_output();
  if (group < 1 || channels % group != 0 || outputs % group != 0)
    ctx.fail("group {} does not divide {} input and {} output channels", group, channels, outputs);
  std::vector<int64_t> weight_dims = transposed ? std::vector<int64_t>{channels, outputs / group}
                                                : std::vector<int64_t>{outputs, channels / group};
  weight_dims.insert(weight_dims.end(), w.kernel.begin(), w.kernel.end());
  std::vector<std::string> inputs = {ctx.bottom(0),
                                     ctx.constant("weight", ctx.blob(0, weight_dims))};
  if (p.bias_term()) inputs.push_back(ctx.constant("bias", ctx.blob(1, {outputs}, SeedKind::Bias)));
  Attributes attrs;
  attrs.set("kernel_shape", w.kernel);
  attrs.set("strides", w.stride);
  attrs.set("pads", symmetric_pads(w.pad));
  attrs.set("dilations", w.dilation);
  attrs.set("group", group);
  ctx.add_node(transposed ? "ConvTranspose" : "Conv", inputs, {ctx.top(0)}, attrs);
}

void convert_conv(LayerImport& ctx) {
  convert_convolution(ctx, false);
}
void convert_deconv(LayerImport& ctx) {
  convert_convolution(ctx, true);
}

void convert_pooling(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().pooling_param();
  if (p.pool() == pb::PoolingParameter::STOCHASTIC)
    ctx.fail("STOCHASTIC pooling has no deterministic inference form in nnport");
  const bool average = p.pool() == pb::PoolingParameter::AVE;
  if (ctx.bottom_rank(0) != 4) ctx.fail("Caffe pooling needs an N x C x H x W input");
  const std::vector<int64_t> pad = p.has_pad_h() || p.has_pad_w()
                                       ? std::vector<int64_t>{p.pad_h(), p.pad_w()}
                                       : std::vector<int64_t>{p.pad(), p.pad()};
  if (p.global_pooling()) {
    if (pad[0] != 0 || pad[1] != 0) ctx.fail("global pooling with padding");
    ctx.add_node(average ? "GlobalAveragePool" : "GlobalMaxPool", {ctx.bottom(0)}, {ctx.top(0)});
    return;
  }
  std::vector<int64_t> kernel;
  if (p.has_kernel_h() || p.has_kernel_w()) {
    if (!p.has_kernel_h() || !p.has_kernel_w()) ctx.fail("sets only one of kernel_h/kernel_w");
    kernel = {p.kernel_h(), p.kernel_w()};
  } else {
    if (!p.has_kernel_size()) ctx.fail("has no kernel_size");
    kernel = {p.kernel_size(), p.kernel_size()};
  }
  const std::vector<int64_t> stride =
      p.has_stride_h() || p.has_stride_w()
          ? std::vector<int64_t>{p.has_stride_h() ? p.stride_h() : 1,
                                 p.has_stride_w() ? p.stride_w() : 1}
          : std::vector<int64_t>{p.stride(), p.stride()};
  for (int a = 0; a < 2; ++a)
    if (pad[a] >= kernel[a]) ctx.fail("pad {} is not smaller than kernel {}", pad[a], kernel[a]);
  // Caffe rounds up and, only when some pad is non-zero, drops a last window starting at or
  // after in + pad (per axis); with no pad every rounded-up window is kept. BVLC master's
  // round_mode FLOOR rounds down (the drop rule can then never fire because pad < kernel).
  std::string rounding = pad[0] > 0 || pad[1] > 0 ? "ceil" : "ceil_all";
  if (p.round_mode() == pb::PoolingParameter::FLOOR) rounding = "floor";
  Attributes attrs;
  attrs.set("kernel_shape", kernel);
  attrs.set("strides", stride);
  attrs.set("pads", symmetric_pads(pad));
  attrs.set("rounding", rounding);
  // Caffe divides by the window clipped to [-pad, in + pad), before clipping to the image.
  if (average) attrs.set("divisor", std::string("padded"));
  ctx.add_node(average ? "AveragePool" : "MaxPool", {ctx.bottom(0)}, {ctx.top(0)}, attrs);
}

void convert_inner_product(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().inner_product_param();
  const int64_t rank = ctx.bottom_rank(0);
  const int64_t axis = ctx.canonical_axis(p.axis(), rank, "axis");
  const Shape& x = ctx.bottom_shape(0);
  int64_t k = 1;
  for (int64_t a = axis; a < rank; ++a) {
    if (!x.dims[a].known()) ctx.fail("the size of input axis {} is unknown", a);
    k = checked_mul(k, x.dims[a].size);
  }
  const int64_t n = p.num_output();
  const std::string weight = ctx.constant(
      "weight",
      ctx.blob(0, p.transpose() ? std::vector<int64_t>{k, n} : std::vector<int64_t>{n, k}));
  std::vector<std::string> gemm_inputs = {"", weight};
  if (p.bias_term()) gemm_inputs.push_back(ctx.constant("bias", ctx.blob(1, {n}, SeedKind::Bias)));
  Attributes gemm;
  gemm.set("transB", int64_t{p.transpose() ? 0 : 1});
  if (axis == 1) {
    if (rank == 2) {
      gemm_inputs[0] = ctx.bottom(0);
    } else {
      gemm_inputs[0] = ctx.temp("flat");
      Attributes flatten;
      flatten.set("axis", int64_t{1});
      ctx.add_node("Flatten", {ctx.bottom(0)}, {gemm_inputs[0]}, flatten, "flatten");
    }
    ctx.add_node("Gemm", gemm_inputs, {ctx.top(0)}, gemm);
    return;
  }
  // Caffe keeps the axes before `axis`: [d0..d(axis-1), K] -> [d0..d(axis-1), N].
  const std::vector<int64_t> sizes = ctx.bottom_sizes(0);
  std::vector<int64_t> out_dims(sizes.begin(), sizes.begin() + axis);
  const int64_t m = element_count(out_dims);
  out_dims.push_back(n);
  gemm_inputs[0] = ctx.temp("rows");
  ctx.add_node("Reshape", {ctx.bottom(0), ctx.int64s("rows_shape", {m, k})}, {gemm_inputs[0]});
  const std::string product = ctx.temp("product");
  ctx.add_node("Gemm", gemm_inputs, {product}, gemm);
  ctx.add_node("Reshape", {product, ctx.int64s("out_shape", out_dims)}, {ctx.top(0)});
}

void convert_lrn(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().lrn_param();
  const int64_t size = p.local_size();
  if (size % 2 == 0) ctx.fail("local_size {} must be odd", size);
  if (p.norm_region() == pb::LRNParameter::ACROSS_CHANNELS) {
    Attributes attrs;
    attrs.set("size", size);
    attrs.set("alpha", p.alpha());
    attrs.set("beta", p.beta());
    attrs.set("bias", p.k());
    ctx.add_node("LRN", {ctx.bottom(0)}, {ctx.top(0)}, attrs);
    return;
  }
  // WITHIN_CHANNEL: Caffe builds x * (1 + alpha * avgpool(x^2))^-beta from its own layers (an
  // AVE pool of size local_size, pad (size-1)/2, stride 1, whose divisor is always size^2).
  // `k` is not used in this mode.
  if (ctx.bottom_rank(0) != 4) ctx.fail("WITHIN_CHANNEL LRN needs an N x C x H x W input");
  const int64_t pad = (size - 1) / 2;
  const std::string square = ctx.temp("square");
  ctx.add_node("Mul", {ctx.bottom(0), ctx.bottom(0)}, {square});
  Attributes pool;
  pool.set("kernel_shape", std::vector<int64_t>{size, size});
  pool.set("strides", std::vector<int64_t>{1, 1});
  pool.set("pads", std::vector<int64_t>{pad, pad, pad, pad});
  pool.set("rounding", std::string("ceil"));
  pool.set("divisor", std::string("padded"));
  const std::string mean = ctx.temp("mean_square");
  ctx.add_node("AveragePool", {square}, {mean}, pool);
  const std::string scaled = ctx.temp("scaled");
  ctx.add_node("Mul", {mean, ctx.scalar("alpha", p.alpha())}, {scaled});
  const std::string shifted = ctx.temp("shifted");
  ctx.add_node("Add", {scaled, ctx.scalar("one", 1.0f)}, {shifted});
  const std::string factor = ctx.temp("factor");
  ctx.add_node("Pow", {shifted, ctx.scalar("minus_beta", -p.beta())}, {factor});
  ctx.add_node("Mul", {ctx.bottom(0), factor}, {ctx.top(0)});
}

void convert_batch_norm(LayerImport& ctx) {
  ctx.expect_counts(1, 1, 1, 1);
  const auto& p = ctx.layer().batch_norm_param();
  if (p.has_use_global_stats() && !p.use_global_stats())
    ctx.fail("use_global_stats: false normalizes with each batch's own statistics at inference");
  const Shape& x = ctx.bottom_shape(0);
  if (!x.rank_known || x.rank() < 2 || !x.dims[1].known())
    ctx.fail("needs an input with a known channel axis 1, got {}", x.to_string());
  const int64_t c = x.dims[1].size;
  Tensor mean = ctx.blob(0, {c}, SeedKind::Bias);
  Tensor variance = ctx.blob(1, {c}, SeedKind::Positive);
  const Tensor factor_blob = ctx.blob(2, {1}, SeedKind::One);
  // Caffe keeps running sums; the statistics are the sums times 1/blob2 (0 stays 0).
  const float stored = factor_blob.values<float>()[0];
  const float factor = stored == 0 ? 0.0f : 1.0f / stored;
  if (factor != 1.0f) {
    for (Tensor* t : {&mean, &variance}) {
      Tensor scaled(DType::Float32, {c});
      auto in = t->values<float>();
      auto out = scaled.mutable_values<float>();
      for (int64_t i = 0; i < c; ++i)
        out[i] = in[i] * factor;
      *t = std::move(scaled);
    }
  }
  Attributes attrs;
  attrs.set("epsilon", p.eps());
  ctx.add_node(
      "BatchNormalization",
      {ctx.bottom(0),
       ctx.constant("scale", Tensor::from_vector<float>({c}, std::vector<float>(c, 1))),
       ctx.constant("bias", Tensor::from_vector<float>({c}, std::vector<float>(c, 0))),
       ctx.constant("mean", std::move(mean)), ctx.constant("variance", std::move(variance))},
      {ctx.top(0)}, attrs);
}

}  // namespace

LayerConverter find_spatial_converter(const std::string& type) {
  if (type == "Convolution") return convert_conv;
  if (type == "Deconvolution") return convert_deconv;
  if (type == "Pooling") return convert_pooling;
  if (type == "InnerProduct") return convert_inner_product;
  if (type == "LRN") return convert_lrn;
  if (type == "BatchNorm") return convert_batch_norm;
  return nullptr;
}

}  // namespace nnport::caffe_import
