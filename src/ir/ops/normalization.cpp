// Normalisation ops: BatchNormalization (inference form only), InstanceNormalization, LRN.
#include "ir/error.h"
#include "ir/ops/families.h"

namespace nnport {

namespace {

// Each per-channel parameter input (from `first` on) must be a vector of the input's C.
void check_channel_vectors(const InferenceContext& ctx, size_t first, size_t end) {
  const Shape& x = ctx.input_shape(0);
  const Dim channels = x.rank_known && x.rank() >= 2 ? x.dims[1] : Dim();
  for (size_t i = first; i < end; ++i) {
    const Shape& p = ctx.input_shape(i);
    if (!p.rank_known) continue;
    if (p.rank() != 1 || (channels.known() && p.dims[0].known() && p.dims[0] != channels))
      model_error("input {} has shape {}; expected one value per channel ({})", i, p.to_string(),
                  x.to_string());
  }
}

void require_rank(const Shape& x, size_t min_rank, const char* layout) {
  if (x.rank_known && x.rank() < min_rank)
    model_error("expected an {} input, got shape {}", layout, x.to_string());
}

void infer_batch_norm(InferenceContext& ctx) {
  if (ctx.attrs().i("training_mode") != 0)
    model_error("training_mode=1 computes batch statistics; only inference is supported");
  if (ctx.output_count() > 1)
    model_error("running mean/variance outputs exist only in training mode");
  require_rank(ctx.input_shape(0), 2, "N x C x ...");
  check_channel_vectors(ctx, 1, 5);
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

void infer_instance_norm(InferenceContext& ctx) {
  require_rank(ctx.input_shape(0), 3, "N x C x spatial");
  check_channel_vectors(ctx, 1, 3);
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

void infer_lrn(InferenceContext& ctx) {
  if (ctx.attrs().i("size") < 1) model_error("size {} must be at least 1", ctx.attrs().i("size"));
  require_rank(ctx.input_shape(0), 3, "N x C x spatial");
  ctx.set_output(0, ctx.input_dtype(0), ctx.input_shape(0));
}

const std::vector<OpSchema> kSchemas = {
    {"BatchNormalization",
     "Inference: Y = (X - mean) / sqrt(var + epsilon) * scale + B, per channel (axis 1).",
     5,
     5,
     1,
     3,
     {
         {"epsilon", AttrType::Float, 1e-5f, "added to the variance"},
         {"momentum", AttrType::Float, 0.9f, "training only; ignored"},
         {"training_mode", AttrType::Int, int64_t{0}, "must be 0 (inference)"},
     },
     infer_batch_norm},
    {"InstanceNormalization",
     "Y = scale * (X - mean) / sqrt(var + epsilon) + B with mean and (biased) variance over "
     "the spatial axes of each sample and channel.",
     3,
     3,
     1,
     1,
     {{"epsilon", AttrType::Float, 1e-5f, "added to the variance"}},
     infer_instance_norm},
    {"LRN",
     "Across-channel local response normalisation: Y = X / (bias + alpha / size * "
     "sum(X^2 over channels [c - floor((size-1)/2), c + ceil((size-1)/2)]))^beta.",
     1,
     1,
     1,
     1,
     {
         {"alpha", AttrType::Float, 1e-4f, "scale of the square sum (divided by size)"},
         {"beta", AttrType::Float, 0.75f, "exponent"},
         {"bias", AttrType::Float, 1.0f, "added before the power"},
         {"size", AttrType::Int, std::nullopt, "number of channels summed"},
     },
     infer_lrn},
};

}  // namespace

std::span<const OpSchema> normalization_schemas() {
  return kSchemas;
}

}  // namespace nnport
