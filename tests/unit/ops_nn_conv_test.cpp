// Conv and ConvTranspose: hand-computed tiny cases and random cases against direct loops.
#include "ir/error.h"
#include "ops_nn_test_util.h"

namespace nnport {
namespace {

using namespace ops_nn_test;

TEST(OpsNnConv, AsymmetricPadsHandComputed) {
  // 3x3 input 1..9, 2x2 kernel of ones, pads (top 0, left 0, bottom 1, right 1).
  Attributes attrs;
  attrs.set("pads", std::vector<int64_t>{0, 0, 1, 1});
  const auto y = run_node(
      "Conv",
      {{floats({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}), floats({1, 1, 2, 2}, {1, 1, 1, 1})}},
      attrs);
  expect_close(y[0], {1, 1, 3, 3}, {12, 16, 9, 24, 28, 15, 15, 17, 9});
}

TEST(OpsNnConv, StrideDilationBiasHandComputed) {
  // 1-D: x = 0..6, kernel [1, -1] dilated by 2, stride 2, bias 10: y[i] = x[2i] - x[2i+2] + 10.
  Attributes attrs;
  attrs.set("strides", std::vector<int64_t>{2});
  attrs.set("dilations", std::vector<int64_t>{2});
  const auto y = run_node(
      "Conv",
      {{floats({1, 1, 7}, {0, 1, 2, 3, 4, 5, 6}), floats({1, 1, 2}, {1, -1}), floats({1}, {10})}},
      attrs);
  expect_close(y[0], {1, 1, 3}, {8, 8, 8});
}

TEST(OpsNnConv, SameUpperAutoPadResolvedInKernel) {
  // 4 wide, kernel 3 of ones, stride 2, SAME_UPPER: out 2, total pad 1 at the end.
  Attributes attrs;
  attrs.set("strides", std::vector<int64_t>{2});
  attrs.set("auto_pad", std::string("SAME_UPPER"));
  const auto y =
      run_node("Conv", {{floats({1, 1, 4}, {1, 2, 3, 4}), floats({1, 1, 3}, {1, 1, 1})}}, attrs);
  expect_close(y[0], {1, 1, 2}, {6, 7});
  attrs.set("auto_pad", std::string("SAME_LOWER"));
  const auto z =
      run_node("Conv", {{floats({1, 1, 4}, {1, 2, 3, 4}), floats({1, 1, 3}, {1, 1, 1})}}, attrs);
  expect_close(z[0], {1, 1, 2}, {3, 9});
}

TEST(OpsNnConv, MismatchedGroupIsAModelError) {
  Attributes attrs;
  attrs.set("group", int64_t{2});
  std::mt19937 rng(1);
  EXPECT_THROW(
      run_node("Conv", {{random_tensor({1, 3, 4, 4}, rng), random_tensor({2, 1, 3, 3}, rng)}},
               attrs),
      Error);
}

// One random convolution case, printed on failure.
struct ConvCase {
  std::vector<int64_t> in;  // spatial input sizes
  int64_t batch, channels, out_channels, group;
  std::vector<int64_t> kernel, strides, dilations, pads;  // pads: begins then ends

  std::string str() const {
    return "in=" + join(in) + " N=" + std::to_string(batch) + " C=" + std::to_string(channels) +
           " M=" + std::to_string(out_channels) + " group=" + std::to_string(group) +
           " kernel=" + join(kernel) + " strides=" + join(strides) +
           " dilations=" + join(dilations) + " pads=" + join(pads);
  }
  Attributes attrs() const {
    Attributes a;
    a.set("group", group);
    a.set("strides", strides);
    a.set("dilations", dilations);
    a.set("pads", pads);
    return a;
  }
};

// Direct convolution over any number of spatial axes: for every output cell, every input
// channel of its group and every kernel tap (double accumulation).
std::vector<float> naive_conv(const ConvCase& c, const Tensor& x, const Tensor& w, const Tensor& b,
                              std::vector<int64_t>& out_dims) {
  const size_t n = c.in.size();
  std::vector<int64_t> out(n);
  for (size_t a = 0; a < n; ++a)
    out[a] = (c.in[a] + c.pads[a] + c.pads[a + n] - (c.kernel[a] - 1) * c.dilations[a] - 1) /
                 c.strides[a] +
             1;
  out_dims = {c.batch, c.out_channels};
  out_dims.insert(out_dims.end(), out.begin(), out.end());
  const int64_t out_plane = product_of(out), in_plane = product_of(c.in);
  const int64_t taps = product_of(c.kernel);
  const int64_t cg = c.channels / c.group, mg = c.out_channels / c.group;
  const float* xd = x.data<float>();
  const float* wd = w.data<float>();
  std::vector<float> y(c.batch * c.out_channels * out_plane);
  for (int64_t bn = 0; bn < c.batch; ++bn)
    for (int64_t m = 0; m < c.out_channels; ++m)
      for (int64_t o = 0; o < out_plane; ++o) {
        double sum = b.empty() ? 0.0 : b.data<float>()[m];
        const int64_t g = m / mg;
        for (int64_t ci = 0; ci < cg; ++ci)
          for (int64_t t = 0; t < taps; ++t) {
            int64_t rest_o = o, rest_t = t, offset = 0, stride = 1;
            bool inside = true;
            for (size_t a = n; a-- > 0;) {
              const int64_t oa = rest_o % out[a], ta = rest_t % c.kernel[a];
              rest_o /= out[a];
              rest_t /= c.kernel[a];
              const int64_t ia = oa * c.strides[a] + ta * c.dilations[a] - c.pads[a];
              if (ia < 0 || ia >= c.in[a]) inside = false;
              offset += ia * stride;
              stride *= c.in[a];
            }
            if (!inside) continue;
            const int64_t channel = g * cg + ci;
            sum += double(xd[(bn * c.channels + channel) * in_plane + offset]) *
                   wd[(m * cg + ci) * taps + t];
          }
        y[(bn * c.out_channels + m) * out_plane + o] = static_cast<float>(sum);
      }
  return y;
}

TEST(OpsNnConv, RandomCasesMatchDirectConvolution) {
  const std::vector<ConvCase> cases = {
      // 2-D: plain, strided, asymmetric pads, dilation, groups, depthwise, multiplier, 1x1.
      {{7, 6}, 2, 3, 4, 1, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {{9, 8}, 1, 4, 6, 1, {3, 2}, {2, 3}, {1, 1}, {0, 1, 2, 0}},
      {{10, 11}, 1, 2, 3, 1, {3, 3}, {1, 2}, {2, 3}, {2, 0, 1, 3}},
      {{8, 8}, 1, 6, 4, 2, {3, 3}, {2, 2}, {1, 1}, {1, 0, 0, 1}},
      {{8, 7}, 2, 5, 5, 5, {3, 3}, {1, 1}, {1, 1}, {1, 1, 1, 1}},
      {{9, 9}, 1, 4, 8, 4, {5, 3}, {2, 1}, {2, 2}, {0, 2, 3, 1}},
      {{6, 5}, 1, 3, 12, 3, {3, 3}, {2, 2}, {1, 1}, {0, 0, 1, 1}},
      {{5, 6}, 2, 8, 16, 1, {1, 1}, {1, 1}, {1, 1}, {0, 0, 0, 0}},
      {{5, 6}, 1, 8, 6, 2, {1, 1}, {2, 2}, {1, 1}, {0, 0, 0, 0}},
      // 1-D and 3-D go through the generic im2col.
      {{13}, 2, 3, 4, 1, {4}, {3}, {2}, {2, 1}},
      {{12}, 1, 4, 4, 4, {3}, {1}, {1}, {1, 1}},
      {{5, 6, 4}, 1, 2, 3, 1, {3, 2, 2}, {1, 2, 1}, {1, 1, 2}, {1, 0, 1, 0, 1, 1}},
  };
  std::mt19937 rng(42);
  for (const ConvCase& c : cases) {
    SCOPED_TRACE(c.str());
    std::vector<int64_t> x_dims = {c.batch, c.channels},
                         w_dims = {c.out_channels, c.channels / c.group};
    x_dims.insert(x_dims.end(), c.in.begin(), c.in.end());
    w_dims.insert(w_dims.end(), c.kernel.begin(), c.kernel.end());
    const Tensor x = random_tensor(x_dims, rng), w = random_tensor(w_dims, rng);
    const Tensor b = random_tensor({c.out_channels}, rng);
    std::vector<int64_t> want_dims;
    const std::vector<float> want = naive_conv(c, x, w, b, want_dims);
    const auto y = run_node("Conv", {{x, w, b}}, c.attrs());
    expect_close(y[0], want_dims, want, 1e-4f, 1e-4f);
  }
}

TEST(OpsNnConvTranspose, HandComputed1d) {
  // x = [1, 2], kernel [1, 1, 1], stride 2: contributions at 0..2 and 2..4.
  const Tensor x = floats({1, 1, 2}, {1, 2}), w = floats({1, 1, 3}, {1, 1, 1});
  Attributes attrs;
  attrs.set("strides", std::vector<int64_t>{2});
  expect_close(run_node("ConvTranspose", {{x, w}}, attrs)[0], {1, 1, 5}, {1, 1, 3, 2, 2});
  attrs.set("pads", std::vector<int64_t>{1, 1});
  expect_close(run_node("ConvTranspose", {{x, w}}, attrs)[0], {1, 1, 3}, {1, 3, 2});
  attrs.set("pads", std::vector<int64_t>{0, 0});
  attrs.set("output_padding", std::vector<int64_t>{1});
  expect_close(run_node("ConvTranspose", {{x, w}}, attrs)[0], {1, 1, 6}, {1, 1, 3, 2, 2, 0});
}

TEST(OpsNnConvTranspose, OutputShapeAndSamePadsFollowOnnx) {
  // Natural size 5; asking for 4 needs total padding 1. NOTSET and SAME_LOWER put it first,
  // SAME_UPPER last.
  const Tensor x = floats({1, 1, 2}, {1, 2}), w = floats({1, 1, 3}, {1, 1, 1});
  Attributes attrs;
  attrs.set("strides", std::vector<int64_t>{2});
  attrs.set("output_shape", std::vector<int64_t>{4});
  expect_close(run_node("ConvTranspose", {{x, w}}, attrs)[0], {1, 1, 4}, {1, 3, 2, 2});
  // Asking for more than the natural size appends cells that only get the bias (ONNX reference).
  attrs.set("output_shape", std::vector<int64_t>{6});
  expect_close(run_node("ConvTranspose", {{x, w, floats({1}, {0.5f})}}, attrs)[0], {1, 1, 6},
               {1.5f, 1.5f, 3.5f, 2.5f, 2.5f, 0.5f});
  attrs.erase("output_shape");
  attrs.set("auto_pad", std::string("SAME_UPPER"));
  expect_close(run_node("ConvTranspose", {{x, w}}, attrs)[0], {1, 1, 4}, {1, 1, 3, 2});
  attrs.set("auto_pad", std::string("SAME_LOWER"));
  expect_close(run_node("ConvTranspose", {{x, w}}, attrs)[0], {1, 1, 4}, {1, 3, 2, 2});
}

// Direct transposed convolution: every input cell scatters into the output through every tap.
TEST(OpsNnConvTranspose, RandomCasesMatchDirectScatter) {
  struct Case {
    std::vector<int64_t> in;
    int64_t channels, out_channels, group;
    std::vector<int64_t> kernel, strides, dilations, pads, output_padding;
    std::string str() const {
      return "in=" + join(in) + " C=" + std::to_string(channels) +
             " M=" + std::to_string(out_channels) + " group=" + std::to_string(group) +
             " kernel=" + join(kernel) + " strides=" + join(strides) +
             " dilations=" + join(dilations) + " pads=" + join(pads) +
             " output_padding=" + join(output_padding);
    }
  };
  const std::vector<Case> cases = {
      {{4, 5}, 3, 2, 1, {3, 3}, {2, 2}, {1, 1}, {1, 1, 1, 1}, {1, 0}},
      {{3, 4}, 4, 6, 2, {2, 3}, {1, 2}, {2, 1}, {0, 1, 1, 0}, {0, 1}},
      {{5, 3}, 4, 4, 4, {3, 3}, {3, 2}, {1, 2}, {2, 0, 0, 1}, {2, 1}},
      {{7}, 2, 3, 1, {4}, {3}, {1}, {1, 2}, {0}},
  };
  std::mt19937 rng(7);
  for (const Case& c : cases) {
    SCOPED_TRACE(c.str());
    const size_t n = c.in.size();
    const int64_t cg = c.channels / c.group, mg = c.out_channels / c.group;
    std::vector<int64_t> x_dims = {1, c.channels}, w_dims = {c.channels, mg}, out(n);
    x_dims.insert(x_dims.end(), c.in.begin(), c.in.end());
    w_dims.insert(w_dims.end(), c.kernel.begin(), c.kernel.end());
    for (size_t a = 0; a < n; ++a)
      out[a] = c.strides[a] * (c.in[a] - 1) + c.output_padding[a] +
               (c.kernel[a] - 1) * c.dilations[a] + 1 - c.pads[a] - c.pads[a + n];
    const Tensor x = random_tensor(x_dims, rng), w = random_tensor(w_dims, rng);
    const Tensor b = random_tensor({c.out_channels}, rng);
    const int64_t in_plane = product_of(c.in), out_plane = product_of(out);
    const int64_t taps = product_of(c.kernel);
    std::vector<double> acc(c.out_channels * out_plane);
    for (int64_t m = 0; m < c.out_channels; ++m)
      for (int64_t o = 0; o < out_plane; ++o)
        acc[m * out_plane + o] = b.data<float>()[m];
    for (int64_t ci = 0; ci < c.channels; ++ci)
      for (int64_t i = 0; i < in_plane; ++i)
        for (int64_t mi = 0; mi < mg; ++mi)
          for (int64_t t = 0; t < taps; ++t) {
            int64_t rest_i = i, rest_t = t, offset = 0, stride = 1;
            bool inside = true;
            for (size_t a = n; a-- > 0;) {
              const int64_t ia = rest_i % c.in[a], ta = rest_t % c.kernel[a];
              rest_i /= c.in[a];
              rest_t /= c.kernel[a];
              const int64_t oa = ia * c.strides[a] + ta * c.dilations[a] - c.pads[a];
              if (oa < 0 || oa >= out[a]) inside = false;
              offset += oa * stride;
              stride *= out[a];
            }
            if (!inside) continue;
            const int64_t m = (ci / cg) * mg + mi;
            acc[m * out_plane + offset] += double(x.data<float>()[ci * in_plane + i]) *
                                           w.data<float>()[(ci * mg + mi) * taps + t];
          }
    std::vector<int64_t> want_dims = {1, c.out_channels};
    want_dims.insert(want_dims.end(), out.begin(), out.end());
    Attributes attrs;
    attrs.set("group", c.group);
    attrs.set("strides", c.strides);
    attrs.set("dilations", c.dilations);
    attrs.set("pads", c.pads);
    attrs.set("output_padding", c.output_padding);
    const auto y = run_node("ConvTranspose", {{x, w, b}}, attrs);
    expect_close(y[0], want_dims, std::vector<float>(acc.begin(), acc.end()), 1e-4f, 1e-4f);
  }
}

}  // namespace
}  // namespace nnport
