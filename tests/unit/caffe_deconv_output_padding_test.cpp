// TF's Conv2DBackpropInput may ask for trailing outputs past the full transposed-conv result
// (output_padding beyond the end pad): they hold zero plus the bias. Caffe's Deconvolution has no
// output_padding, so the writer appends zero taps to the kernel (found by the TF op sweep: 314
// cases were refused). Checked by hand-computed values, by the layer written, and by reading the
// written files back (the reader models Caffe's Deconvolution) against the original IR.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>

#include "deconv_test_case.h"
#include "formats/caffe/caffe_reader.h"
#include "formats/caffe/caffe_writer.h"
#include "ir/op_schema.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

using deconv_test::deconv_graph;
using deconv_test::DeconvCase;
using deconv_test::ramp;

// Writes the net to files and reads them back, so the check goes through the layer parameters.
Graph write_and_read_back(const Graph& g) {
  const auto dir = std::filesystem::temp_directory_path() /
                   ("nnport_caffe_deconv_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_caffe(g, (dir / "net").string(), WriteOptions{});
  Graph back = read_caffe_files((dir / "net.prototxt").string(), (dir / "net.caffemodel").string(),
                                CaffeReadOptions{});
  std::filesystem::remove_all(dir);
  return back;
}

Tensor run_single(const Graph& g, const Tensor& x) {
  TensorMap feeds;
  feeds[g.inputs[0]] = x;
  return run_graph(g, feeds).at(g.outputs[0]);
}

TEST(CaffeDeconvOutputPadding, TrailingOutputsPastTheFullResultAreZeroPlusBias) {
  // One row, W: x = [1, 2], kernel [3, 4], stride 2: the full result is [3, 4, 6, 8]. Pads
  // (1, 0) and output_padding 1 want full[1..4] = [4, 6, 8, 0], plus bias 0.25.
  const DeconvCase c{{1, 1, 1, 2}, {1, 1, 1, 2}, {1, 2}, {0, 1, 0, 0}, {0, 1}, {}, 1, true};
  const Graph g = deconv_graph(c, Tensor::from_vector<float>({1, 1, 1, 2}, {3, 4}));
  const CaffeNet written = build_caffe_net(g, WriteOptions{});
  ASSERT_EQ(written.net.layer_size(), 2);
  const auto& layer = written.net.layer(1);
  EXPECT_EQ(layer.type(), "Deconvolution");
  // k 2 + pb 1 + output_padding 1 - pe 0 = 4 taps, symmetric pad 1: 2*(2-1) + 4 - 2 = 4 outputs.
  EXPECT_EQ(layer.convolution_param().kernel_w(), 4u);
  EXPECT_EQ(layer.convolution_param().pad_w(), 1u);
  EXPECT_EQ(layer.convolution_param().pad_h(), 0u);
  const Tensor x = Tensor::from_vector<float>({1, 1, 1, 2}, {1, 2});
  const std::vector<float> want = {4.25f, 6.25f, 8.25f, 0.25f};
  for (const Graph* graph : {&g, &written.graph}) {
    const Tensor y = run_single(*graph, x);
    ASSERT_EQ(y.dims(), (std::vector<int64_t>{1, 1, 1, 4}));
    EXPECT_EQ(std::vector<float>(y.values<float>().begin(), y.values<float>().end()), want);
  }
  const Tensor back = run_single(write_and_read_back(g), x);
  EXPECT_EQ(std::vector<float>(back.values<float>().begin(), back.values<float>().end()), want);
}

class CaffeDeconvEmulation : public ::testing::TestWithParam<DeconvCase> {};

TEST_P(CaffeDeconvEmulation, ReadBackMatchesTheSource) {
  const DeconvCase& c = GetParam();
  const Graph g = deconv_graph(c, ramp(c.weight, 0.21f));
  const CaffeNet written = build_caffe_net(g, WriteOptions{});
  int deconvolutions = 0;
  for (const auto& layer : written.net.layer())
    deconvolutions += layer.type() == "Deconvolution";
  EXPECT_EQ(deconvolutions, 1);
  const Tensor x = ramp(c.input, 0.37f);
  const Tensor want = run_single(g, x);
  const Tensor got = run_single(write_and_read_back(g), x);
  ASSERT_EQ(want.dims(), got.dims());
  // Zero taps add exact zeros: the sums are the source's, term by term.
  const auto a = want.values<float>(), b = got.values<float>();
  for (size_t i = 0; i < a.size(); ++i)
    EXPECT_NEAR(a[i], b[i], 1e-6 * std::max(1.0f, std::fabs(a[i]))) << "element " << i;
}

INSTANTIATE_TEST_SUITE_P(
    Cases, CaffeDeconvEmulation,
    ::testing::Values(
        // Both axes past the end pad, pads wider at the begin (TF EXPLICIT).
        DeconvCase{{1, 3, 4, 5}, {3, 2, 3, 3}, {2, 3}, {2, 1, 0, 0}, {1, 2}, {}, 1, true},
        // One axis only; the other keeps the symmetric-pad-and-crop form.
        DeconvCase{{1, 2, 5, 3}, {2, 2, 2, 4}, {3, 2}, {0, 2, 1, 0}, {0, 1}, {}, 1, false},
        // Groups: each group's kernel is widened alike.
        DeconvCase{{1, 4, 3, 4}, {4, 3, 3, 2}, {2, 2}, {1, 1, 0, 0}, {1, 1}, {}, 2, true},
        // Dilation is written out as zeros between the taps before the zero taps are appended.
        DeconvCase{{1, 2, 4, 4}, {2, 2, 3, 2}, {2, 3}, {1, 0, 0, 0}, {1, 2}, {2, 1}, 1, true},
        // Output_padding within the end pad: the existing crop form, no widening.
        DeconvCase{{1, 2, 4, 4}, {2, 2, 3, 3}, {2, 2}, {0, 0, 2, 2}, {1, 1}, {}, 1, true}));

}  // namespace
}  // namespace nnport
