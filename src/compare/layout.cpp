#include "compare/layout.h"

#include <algorithm>
#include <cctype>
#include <cstring>

#include <fmt/format.h>

#include "ir/error.h"

namespace nnport {

namespace {

// Channels-last -> channels-first ({0,3,1,2} for rank 4) and its inverse.
AxisPermutation to_channels_first(size_t rank) {
  AxisPermutation p = {0, static_cast<int64_t>(rank) - 1};
  for (size_t a = 1; a + 1 < rank; ++a)
    p.push_back(static_cast<int64_t>(a));
  return p;
}

AxisPermutation to_channels_last(size_t rank) {
  AxisPermutation p = {0};
  for (size_t a = 2; a < rank; ++a)
    p.push_back(static_cast<int64_t>(a));
  p.push_back(1);
  return p;
}

AxisPermutation inverse(const AxisPermutation& perm) {
  AxisPermutation inv(perm.size());
  for (size_t i = 0; i < perm.size(); ++i)
    inv[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return inv;
}

bool is_identity(const AxisPermutation& perm) {
  for (size_t i = 0; i < perm.size(); ++i)
    if (perm[i] != static_cast<int64_t>(i)) return false;
  return true;
}

std::vector<int64_t> permuted(const std::vector<int64_t>& dims, const AxisPermutation& perm) {
  std::vector<int64_t> out;
  for (int64_t a : perm)
    out.push_back(dims[static_cast<size_t>(a)]);
  return out;
}

bool fits(const std::vector<int64_t>& reference, const std::vector<int64_t>& candidate,
          const AxisPermutation& perm) {
  for (size_t i = 0; i < candidate.size(); ++i)
    if (candidate[i] >= 0 && candidate[i] != reference[static_cast<size_t>(perm[i])]) return false;
  return true;
}

// Whether permuting moves only axes of size 1, so the elements keep their order.
bool keeps_element_order(const std::vector<int64_t>& reference, const AxisPermutation& perm) {
  int64_t last = -1;
  for (int64_t a : perm) {
    if (reference[static_cast<size_t>(a)] == 1) continue;
    if (a < last) return false;
    last = a;
  }
  return true;
}

std::vector<int64_t> known_or_minus_one(const Shape& shape) {
  std::vector<int64_t> dims;
  for (const Dim& d : shape.dims)
    dims.push_back(d.known() ? d.size : -1);
  return dims;
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::vector<std::string> parts;
  for (int64_t d : dims)
    parts.push_back(d >= 0 ? std::to_string(d) : "?");
  return fmt::format("{}", fmt::join(parts, "x"));
}

// "NHWC:NCHW (or NHWC:NHWC ...)" for the rank, to quote in the ambiguity errors.
std::string layout_choices(size_t rank) {
  const auto [last, first] = layout_names(to_channels_first(rank));
  return fmt::format(
      "{}:{} if the second model is channels-first, {}:{} if both use the same "
      "layout",
      last, first, last, last);
}

}  // namespace

AxisPermutation parse_layout_pair(const std::string& spec, const std::string& option) {
  const auto colon = spec.find(':');
  std::string a = spec.substr(0, colon),
              b = colon == std::string::npos ? "" : spec.substr(colon + 1);
  for (std::string* s : {&a, &b})
    std::transform(s->begin(), s->end(), s->begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  std::string sorted_a = a, sorted_b = b;
  std::sort(sorted_a.begin(), sorted_a.end());
  std::sort(sorted_b.begin(), sorted_b.end());
  if (a.empty() || sorted_a != sorted_b ||
      std::adjacent_find(sorted_a.begin(), sorted_a.end()) != sorted_a.end())
    usage_error(
        "{} wants the two models' layouts as REFERENCE:CANDIDATE, the same letters in another "
        "order (NHWC:NCHW), got '{}'",
        option, spec);
  AxisPermutation perm;
  for (char c : b)
    perm.push_back(static_cast<int64_t>(a.find(c)));
  return perm;
}

LayoutConvention layout_convention(const Graph& graph) {
  const auto it = graph.metadata.find("source_format");
  if (it == graph.metadata.end()) return LayoutConvention::Unknown;
  if (it->second == "tensorflow" || it->second == "tfjs" || it->second == "tflite")
    return LayoutConvention::ChannelsLast;
  if (it->second == "caffe" || it->second == "mxnet") return LayoutConvention::ChannelsFirst;
  return LayoutConvention::Unknown;  // ONNX: tf2onnx keeps NHWC, PyTorch exports NCHW
}

LayoutMatch match_layout(const std::vector<int64_t>& reference,
                         const std::vector<int64_t>& candidate, bool layouts_may_differ) {
  if (reference.size() != candidate.size() || reference.size() < 3 || reference.size() > 5)
    return {};
  std::vector<AxisPermutation> fitting;
  for (const AxisPermutation& p :
       {to_channels_first(reference.size()), to_channels_last(reference.size())})
    if (fits(reference, candidate, p) &&
        std::find(fitting.begin(), fitting.end(), p) == fitting.end())  // rank 3: both are {0,2,1}
      fitting.push_back(p);
  AxisPermutation identity;
  for (size_t a = 0; a < reference.size(); ++a)
    identity.push_back(static_cast<int64_t>(a));
  if (fits(reference, candidate, identity)) {
    const bool other_reading =
        std::any_of(fitting.begin(), fitting.end(),
                    [&](const AxisPermutation& p) { return !keeps_element_order(reference, p); });
    return {{}, layouts_may_differ && other_reading};
  }
  if (fitting.size() == 1) return {fitting[0], false};
  return {{}, fitting.size() > 1};
}

Tensor permute_axes(const Tensor& t, const AxisPermutation& perm) {
  if (perm.empty() || is_identity(perm)) return t;
  const std::vector<int64_t>& in = t.dims();
  const size_t rank = in.size();
  Tensor out(t.dtype(), permuted(in, perm));
  std::vector<int64_t> in_strides(rank, 1);
  for (size_t a = rank - 1; a > 0; --a)
    in_strides[a - 1] = in_strides[a] * in[a];
  // Walks the output in order; `source` follows the same element in the input.
  const std::vector<int64_t>& out_dims = out.dims();
  std::vector<int64_t> index(rank, 0);
  const size_t size = dtype_size(t.dtype());
  const std::byte* src = t.raw();
  std::byte* dst = out.mutable_raw();
  int64_t source = 0;
  for (int64_t n = 0; n < out.element_count(); ++n) {
    std::memcpy(dst + n * size, src + source * size, size);
    for (size_t a = rank; a-- > 0;) {
      const int64_t stride = in_strides[static_cast<size_t>(perm[a])];
      if (++index[a] < out_dims[a]) {
        source += stride;
        break;
      }
      source -= stride * (out_dims[a] - 1);
      index[a] = 0;
    }
  }
  return out;
}

std::pair<std::string, std::string> layout_names(const AxisPermutation& perm) {
  const size_t rank = perm.size();
  const std::string spatial = rank == 3 ? "W" : rank == 4 ? "HW" : rank == 5 ? "DHW" : "";
  std::string reference;
  if (perm == to_channels_first(rank) && !spatial.empty()) {
    reference = "N" + spatial + "C";
  } else if (rank >= 3 && rank <= 5) {
    reference = "NC" + spatial;
  } else {
    for (size_t a = 0; a < rank; ++a)
      reference.push_back(static_cast<char>('A' + a));
  }
  std::string candidate;
  for (int64_t a : perm)
    candidate.push_back(reference[static_cast<size_t>(a)]);
  return {reference, candidate};
}

LayoutPlan plan_input_layouts(const Graph& reference, const Graph& candidate,
                              const TensorMap& feeds, const LayoutOptions& options) {
  LayoutPlan plan;
  const LayoutConvention a = layout_convention(reference), b = layout_convention(candidate);
  plan.layouts_may_differ =
      a != b && !(a == LayoutConvention::Unknown && b == LayoutConvention::Unknown);
  for (const auto& [name, feed] : feeds) {
    const Shape& shape = candidate.value(name).shape;
    if (!shape.rank_known) continue;
    const std::vector<int64_t> want = known_or_minus_one(shape);
    AxisPermutation perm;
    if (options.inputs && options.inputs->size() == feed.dims().size()) {
      perm = *options.inputs;
    } else {
      const LayoutMatch match = match_layout(feed.dims(), want, plan.layouts_may_differ);
      if (match.ambiguous)
        usage_error(
            "input '{}' is {} in the first model and {} in the second: the shapes do not tell "
            "whether their layouts differ; give --input-layout {}",
            name, dims_text(feed.dims()), dims_text(want), layout_choices(want.size()));
      perm = match.perm;
    }
    if (perm.empty() || is_identity(perm)) continue;
    const auto [from, to] = layout_names(perm);
    plan.notes.push_back(fmt::format("input '{}': {} {} fed as {} {} (layouts differ)", name, from,
                                     dims_text(feed.dims()), to,
                                     dims_text(permuted(feed.dims(), perm))));
    plan.inputs[name] = perm;
  }
  return plan;
}

TensorMap apply_input_layouts(const LayoutPlan& plan, TensorMap feeds) {
  for (const auto& [name, perm] : plan.inputs) {
    auto it = feeds.find(name);
    if (it != feeds.end()) it->second = permute_axes(it->second, perm);
  }
  return feeds;
}

Tensor align_output(const std::string& name, const Tensor& reference, const Tensor& candidate,
                    const LayoutOptions& options, LayoutPlan& plan) {
  const std::vector<int64_t>& r = reference.dims();
  const std::vector<int64_t>& c = candidate.dims();
  AxisPermutation perm;
  if (options.outputs && options.outputs->size() == r.size()) {
    perm = *options.outputs;
    if (permuted(r, perm) != c)
      usage_error("--output-layout: output '{}' is {} in the second model, not {}", name,
                  dims_text(c), dims_text(permuted(r, perm)));
  } else {
    const bool may_differ = plan.layouts_may_differ || !plan.inputs.empty();
    const LayoutMatch match = match_layout(r, c, may_differ);
    if (match.ambiguous)
      usage_error(
          "output '{}' is {} in both models: the shape does not tell whether its layouts "
          "differ; give --output-layout {}",
          name, dims_text(r), layout_choices(r.size()));
    perm = match.perm;
  }
  if (perm.empty() || is_identity(perm)) return candidate;
  const auto [from, to] = layout_names(perm);
  plan.notes.push_back(fmt::format("output '{}': the second model's {} {} compared as {} {}", name,
                                   to, dims_text(c), from, dims_text(r)));
  return permute_axes(candidate, inverse(perm));
}

}  // namespace nnport
