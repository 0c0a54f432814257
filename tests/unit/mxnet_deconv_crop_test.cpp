// MXNet's Deconvolution crops `pad` cells at both ends of the full transposed convolution and
// adds `adj < stride` cells at the end, so one-sided pads (TF SAME Conv2DBackpropInput, ONNX
// ConvTranspose with pads (0, 1)) have no (pad, adj) of their own. The writer computes a
// symmetric pad and an adj whose output covers the wanted cells and crops the rest with slice.
// Checked by hand-computed values, by the symbol written, and by reading the files back through
// the MXNet reader against the source IR on the executor.
#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "deconv_test_case.h"
#include "formats/mxnet/symbol.h"
#include "mxnet_test_util.h"

namespace nnport {
namespace {

using deconv_test::DeconvCase;
using deconv_test::ramp;

// The MXNet reader names the data input 'input' when it reads the symbol back.
Graph mxnet_deconv_graph(const DeconvCase& c, const Tensor& weight) {
  return deconv_test::deconv_graph(c, weight, "input");
}

using mxnet_test::write_and_read;
using mxnet_test::Written;

using mxnet_test::find_op;

std::vector<float> run_single(const Graph& g, const Tensor& x) {
  return mxnet_test::run_single(g, "input", x);
}

// TF SAME, k2 s2, result 3x3 from a 2x2 gradient: pads (0, 1) per axis. The full result of
// x = [[1, 2], [3, 4]] and w = [[1, 2], [3, 4]] is, block by block,
//   1 2 2 4
//   3 4 6 8
//   3 6 4 8
//   9 12 12 16
// and the last row and column are the end pads.
TEST(MxnetDeconvCrop, OneSidedPadsAreCroppedFromTheFullResult) {
  const DeconvCase c{{1, 1, 2, 2}, {1, 1, 2, 2}, {2, 2}, {0, 0, 1, 1}, {0, 0}, {}, 1, false};
  const Graph g = mxnet_deconv_graph(c, Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4}));
  mxnet_test::TempDir dir;
  const Written out = write_and_read(dir, g);
  const mxnet::SymbolNode* deconv = find_op(out.symbol, "Deconvolution");
  const mxnet::SymbolNode* slice = find_op(out.symbol, "slice");
  ASSERT_TRUE(deconv && slice);
  EXPECT_EQ(deconv->attrs.at("pad"), "(0, 0)");
  EXPECT_EQ(deconv->attrs.at("adj"), "(0, 0)");
  EXPECT_EQ(slice->attrs.at("begin"), "(None, None, 0, 0)");
  EXPECT_EQ(slice->attrs.at("end"), "(None, None, 3, 3)");
  const Tensor x = Tensor::from_vector<float>({1, 1, 2, 2}, {1, 2, 3, 4});
  const std::vector<float> want = {1, 2, 2, 3, 4, 6, 3, 6, 4};
  EXPECT_EQ(run_single(g, x), want);
  EXPECT_EQ(run_single(out.read_back, x), want);
  EXPECT_EQ(out.read_back.value(out.read_back.outputs[0]).shape, Shape::from_sizes({1, 1, 3, 3}));
}

// One row: x = [1, 2], kernel [3, 4], stride 2, bias 0.25; the full result is [3, 4, 6, 8].
TEST(MxnetDeconvCrop, PadAndAdjPerAxisByHand) {
  struct Row {
    std::vector<int64_t> pads, output_padding;
    std::string pad, adj, begin, end;  // "" = no slice
    std::vector<float> want;
  };
  const Row rows[] = {
      // pb - pe + op = 1 < stride: MXNet's own form, no crop.
      {{0, 1, 0, 0}, {0, 0}, "(0, 1)", "(0, 1)", "", "", {4.25f, 6.25f, 8.25f}},
      // Pads (0, 1): pad 0 gives [3, 4, 6, 8], crop the last cell.
      {{0, 0, 0, 1},
       {0, 0},
       "(0, 0)",
       "(0, 0)",
       "(None, None, 0, 0)",
       "(None, None, 1, 3)",
       {3.25f, 4.25f, 6.25f}},
      // Pads (2, 0) and output_padding 1: pb - pe + op = 3 >= stride. pad 0, adj 1 give
      // [3, 4, 6, 8, 0] + bias; crop 2 leading cells.
      {{0, 2, 0, 0},
       {0, 1},
       "(0, 0)",
       "(0, 1)",
       "(None, None, 0, 2)",
       "(None, None, 1, 5)",
       {6.25f, 8.25f, 0.25f}},
      // Pads (0, 2): pad 0, adj 0, crop 2 trailing cells.
      {{0, 0, 0, 2},
       {0, 0},
       "(0, 0)",
       "(0, 0)",
       "(None, None, 0, 0)",
       "(None, None, 1, 2)",
       {3.25f, 4.25f}},
  };
  for (const Row& r : rows) {
    const DeconvCase c{{1, 1, 1, 2}, {1, 1, 1, 2}, {1, 2}, r.pads, r.output_padding, {}, 1, true};
    const std::string what = fmt::format("pads {} output_padding {}", sizes_to_string(r.pads),
                                         sizes_to_string(r.output_padding));
    const Graph g = mxnet_deconv_graph(c, Tensor::from_vector<float>({1, 1, 1, 2}, {3, 4}));
    mxnet_test::TempDir dir;
    const Written out = write_and_read(dir, g);
    const mxnet::SymbolNode* deconv = find_op(out.symbol, "Deconvolution");
    ASSERT_TRUE(deconv) << what;
    EXPECT_EQ(deconv->attrs.at("pad"), r.pad) << what;
    EXPECT_EQ(deconv->attrs.at("adj"), r.adj) << what;
    const mxnet::SymbolNode* slice = find_op(out.symbol, "slice");
    EXPECT_EQ(slice != nullptr, !r.begin.empty()) << what;
    if (slice) {
      EXPECT_EQ(slice->attrs.at("begin"), r.begin) << what;
      EXPECT_EQ(slice->attrs.at("end"), r.end) << what;
    }
    const Tensor x = Tensor::from_vector<float>({1, 1, 1, 2}, {1, 2});
    EXPECT_EQ(run_single(g, x), r.want) << what;
    EXPECT_EQ(run_single(out.read_back, x), r.want) << what;
  }
}

// output_padding may reach up to the dilation; MXNet's adj stops below the stride.
TEST(MxnetDeconvCrop, OutputPaddingPastWhatAdjReachesIsRefusedNamingTheNode) {
  const DeconvCase c{{1, 1, 3, 3}, {1, 1, 2, 2}, {1, 1}, {0, 0, 0, 0}, {1, 1}, {2, 2}, 1, false};
  const Graph g = mxnet_deconv_graph(c, ramp(c.weight, 0.3f));
  mxnet_test::TempDir dir;
  try {
    mxnet::write_model(g, dir.file("model-symbol.json"), WriteOptions{});
    FAIL() << "expected a refusal for " << c;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("node 'deconv' (ConvTranspose)"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("adj"), std::string::npos) << e.what();
  }
}

class MxnetDeconvEmulation : public ::testing::TestWithParam<DeconvCase> {};

TEST_P(MxnetDeconvEmulation, ReadBackMatchesTheSource) {
  const DeconvCase& c = GetParam();
  const Graph g = mxnet_deconv_graph(c, ramp(c.weight, 0.21f));
  mxnet_test::TempDir dir;
  const Written out = write_and_read(dir, g);
  const Tensor x = ramp(c.input, 0.37f);
  const std::vector<float> want = run_single(g, x);
  const std::vector<float> got = run_single(out.read_back, x);
  ASSERT_EQ(want.size(), got.size()) << c;
  EXPECT_EQ(out.read_back.value(out.read_back.outputs[0]).shape, g.value(g.outputs[0]).shape) << c;
  // The same taps summed in the same order: only the crop differs.
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_NEAR(want[i], got[i], 1e-6 * std::max(1.0f, std::fabs(want[i]))) << c << " at " << i;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, MxnetDeconvEmulation,
    ::testing::Values(
        // TF SAME stride 2 on both axes (pads at the end only), bias.
        DeconvCase{{1, 3, 4, 5}, {3, 2, 3, 3}, {2, 2}, {0, 0, 1, 1}, {0, 1}, {}, 1, true},
        // Stride 3, pads wider at the begin, output_padding on one axis (TF EXPLICIT).
        DeconvCase{{1, 2, 3, 4}, {2, 2, 4, 4}, {3, 3}, {3, 0, 0, 2}, {2, 0}, {}, 1, true},
        // Groups and stride 1: no adj is possible, so every one-sided pad is cropped.
        DeconvCase{{1, 4, 3, 4}, {4, 3, 3, 2}, {1, 1}, {0, 1, 2, 0}, {0, 0}, {}, 2, true},
        // Dilation with output_padding below the stride.
        DeconvCase{{1, 2, 4, 4}, {2, 2, 3, 2}, {2, 2}, {1, 0, 0, 2}, {1, 1}, {2, 1}, 1, false},
        // A 1-D transposed convolution.
        DeconvCase{{1, 2, 6}, {2, 3, 3}, {2}, {2, 0}, {1}, {}, 1, true}));

}  // namespace
}  // namespace nnport
