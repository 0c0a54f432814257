// Caffe reader: layer semantics (pooling rounding and divisor, BatchNorm's scale factor,
// in-place blobs, legacy forms) and node-named errors for bad files. Expected values by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "formats/caffe/caffe_reader.h"
#include "ir/error.h"
#include "nnport_caffe.pb.h"
#include "runtime/executor.h"

namespace nnport {
namespace {

namespace pb = nnport::caffe;

class CaffeReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("nnport_caffe_reader_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes net.prototxt (and net.caffemodel when `weights` has layers); returns the prototxt.
  std::string write(const std::string& prototxt, const pb::NetParameter& weights = {}) {
    const std::string path = (dir_ / "net.prototxt").string();
    std::ofstream(path) << prototxt;
    if (weights.layer_size() > 0) {
      std::ofstream out(dir_ / "net.caffemodel", std::ios::binary);
      weights.SerializeToOstream(&out);
    }
    return path;
  }

  Graph read(const std::string& prototxt, const pb::NetParameter& weights = {}) {
    const std::string path = write(prototxt, weights);
    return read_caffe(path, {});
  }

  std::string error_of(const std::string& prototxt, const pb::NetParameter& weights = {}) {
    try {
      read(prototxt, weights);
    } catch (const Error& e) {
      EXPECT_EQ(e.exit_code(), 2) << e.what();
      return e.what();
    }
    ADD_FAILURE() << "no error for:\n" << prototxt;
    return "";
  }

  std::filesystem::path dir_;
};

void add_blob(pb::LayerParameter* layer, const std::vector<int64_t>& dims,
              const std::vector<float>& values) {
  pb::BlobProto* blob = layer->add_blobs();
  for (int64_t d : dims)
    blob->mutable_shape()->add_dim(d);
  for (float v : values)
    blob->add_data(v);
}

const Node& node_named(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes)
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

constexpr const char* kInput3x3 = R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 1 dim: 3 dim: 3 } } }
)";

TEST_F(CaffeReaderTest, AveragePoolKeepsCaffeCeilTailAndDivisor) {
  // 3x3 input, kernel 2, stride 2, no pad: Caffe rounds up to 2x2 and its last window in each
  // axis holds one row/column, divided by that clipped size (not by 4).
  const Graph g = read(std::string(kInput3x3) + R"(
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool"
        pooling_param { pool: AVE kernel_size: 2 stride: 2 } })");
  const Node& pool = node_named(g, "pool");
  EXPECT_EQ(pool.op, "AveragePool");
  EXPECT_EQ(pool.attrs.get_string("rounding", ""), "ceil_all");
  EXPECT_EQ(pool.attrs.get_string("divisor", ""), "padded");
  TensorMap feeds;
  feeds["data"] = Tensor::from_vector<float>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const TensorMap out = run_graph(g, feeds);
  const auto v = out.at("pool").values<float>();
  ASSERT_EQ(out.at("pool").dims(), (std::vector<int64_t>{1, 1, 2, 2}));
  EXPECT_FLOAT_EQ(v[0], 3.0f);  // (1+2+4+5)/4
  EXPECT_FLOAT_EQ(v[1], 4.5f);  // (3+6)/2
  EXPECT_FLOAT_EQ(v[2], 7.5f);  // (7+8)/2
  EXPECT_FLOAT_EQ(v[3], 9.0f);
}

TEST_F(CaffeReaderTest, PaddedPoolUsesTheTailRule) {
  const Graph g = read(std::string(kInput3x3) + R"(
layer { name: "pool" type: "Pooling" bottom: "data" top: "pool"
        pooling_param { pool: MAX kernel_size: 2 stride: 2 pad: 1 } })");
  const Node& pool = node_named(g, "pool");
  EXPECT_EQ(pool.attrs.get_string("rounding", ""), "ceil");
  EXPECT_EQ(pool.attrs.get_ints("pads"), (std::vector<int64_t>{1, 1, 1, 1}));
  // ceil((3 + 2 - 2) / 2) + 1 = 3; the last window starts at 4 >= 3 + 1, so 2 remain.
  EXPECT_EQ(g.value("pool").shape.to_string(), "1x1x2x2");
}

TEST_F(CaffeReaderTest, BatchNormDividesStatisticsByTheThirdBlob) {
  pb::NetParameter weights;
  pb::LayerParameter* bn = weights.add_layer();
  bn->set_name("bn");
  add_blob(bn, {2}, {2, 4});
  add_blob(bn, {2}, {8, 16});
  add_blob(bn, {1}, {2});
  const Graph g = read(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 1 dim: 1 } } }
layer { name: "bn" type: "BatchNorm" bottom: "data" top: "data" })",
                       weights);
  TensorMap feeds;
  feeds["data"] = Tensor::from_vector<float>({1, 2, 1, 1}, {3, 6});
  ASSERT_EQ(g.outputs.size(), 1u);
  const TensorMap out = run_graph(g, feeds);
  const auto v = out.at(g.outputs[0]).values<float>();
  EXPECT_NEAR(v[0], (3 - 1) / std::sqrt(4 + 1e-5), 1e-6);
  EXPECT_NEAR(v[1], (6 - 2) / std::sqrt(8 + 1e-5), 1e-6);
}

TEST_F(CaffeReaderTest, InPlaceLayersKeepTheBlobNameOnTheLatestVersion) {
  pb::NetParameter weights;
  pb::LayerParameter* conv = weights.add_layer();
  conv->set_name("conv1");
  add_blob(conv, {1, 1, 1, 1}, {-2});
  add_blob(conv, {1}, {1});
  const Graph g = read(std::string(kInput3x3) + R"(
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 1 kernel_size: 1 } }
layer { name: "relu1" type: "ReLU" bottom: "conv1" top: "conv1" })",
                       weights);
  EXPECT_EQ(g.outputs, (std::vector<std::string>{"conv1"}));
  EXPECT_EQ(node_named(g, "conv1").outputs[0], "conv1_before_relu1");
  EXPECT_EQ(node_named(g, "relu1").inputs[0], "conv1_before_relu1");
  TensorMap feeds;
  feeds["data"] = Tensor::from_vector<float>({1, 1, 3, 3}, {-1, 0, 1, 2, 3, 4, 5, 6, 7});
  const TensorMap out = run_graph(g, feeds);
  const auto v = out.at("conv1").values<float>();
  EXPECT_FLOAT_EQ(v[0], 3.0f);  // relu(-2 * -1 + 1)
  EXPECT_FLOAT_EQ(v[2], 0.0f);  // relu(-2 * 1 + 1)
}

TEST_F(CaffeReaderTest, LegacyLayersAndInputDims) {
  const Graph g = read(R"(
input: "data"
input_dim: 1 input_dim: 2 input_dim: 2 input_dim: 2
layers { name: "sig" type: SIGMOID bottom: "data" top: "sig" }
layers { name: "split" type: SLICE bottom: "sig" top: "a" top: "b" slice_param { slice_point: 1 } })");
  EXPECT_EQ(g.inputs, (std::vector<std::string>{"data"}));
  EXPECT_EQ(g.value("data").shape.to_string(), "1x2x2x2");
  EXPECT_EQ(node_named(g, "sig").op, "Sigmoid");
  EXPECT_EQ(g.outputs, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(g.value("a").shape.to_string(), "1x1x2x2");
}

TEST_F(CaffeReaderTest, BlobSizeDisagreeingWithThePrototxtIsANodeNamedError) {
  pb::NetParameter weights;
  pb::LayerParameter* conv = weights.add_layer();
  conv->set_name("conv1");
  add_blob(conv, {3, 1, 1, 1}, {1, 2, 3});
  add_blob(conv, {2}, {0, 0});
  const std::string message = error_of(std::string(kInput3x3) + R"(
layer { name: "conv1" type: "Convolution" bottom: "data" top: "conv1"
        convolution_param { num_output: 2 kernel_size: 1 } })",
                                       weights);
  EXPECT_NE(message.find("node 'conv1' (Convolution)"), std::string::npos) << message;
  EXPECT_NE(message.find("weight blob 0 has shape [3, 1, 1, 1]"), std::string::npos) << message;
}

TEST_F(CaffeReaderTest, MissingBottomAndCycleAreNodeNamedErrors) {
  std::string message = error_of(std::string(kInput3x3) + R"(
layer { name: "r" type: "ReLU" bottom: "nowhere" top: "r" })");
  EXPECT_NE(message.find("node 'r' (ReLU): bottom 'nowhere'"), std::string::npos) << message;
  message = error_of(std::string(kInput3x3) + R"(
layer { name: "a" type: "ReLU" bottom: "b" top: "a" }
layer { name: "b" type: "ReLU" bottom: "a" top: "b" })");
  EXPECT_NE(message.find("node 'a' (ReLU): bottom 'b'"), std::string::npos) << message;
  EXPECT_NE(message.find("cycle"), std::string::npos) << message;
}

// The SSD fork's Permute (unlisted axes keep their order), BVLC's Reduction (axes from `axis`
// to the end, times coeff) and the SSD fork's Normalize (per-position L2 norm over channels,
// one scale per channel). data = 1..9 in a 1x1x3x3 blob; by hand.
TEST_F(CaffeReaderTest, PermuteReductionAndNormalize) {
  const Graph g = read(std::string(kInput3x3) + R"(
layer { name: "p" type: "Permute" bottom: "data" top: "p" permute_param { order: 0 order: 3 } }
layer { name: "r" type: "Reduction" bottom: "data" top: "r"
        reduction_param { operation: SUMSQ axis: 2 coeff: 0.5 } }
layer { name: "m" type: "Reduction" bottom: "data" top: "m"
        reduction_param { operation: MEAN axis: -1 } })");
  TensorMap feeds;
  feeds["data"] = Tensor::from_vector<float>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9});
  const TensorMap out = run_graph(g, feeds);
  ASSERT_EQ(out.at("p").dims(), (std::vector<int64_t>{1, 3, 1, 3}));  // order 0, 3, 1, 2
  const auto p = out.at("p").values<float>();
  EXPECT_EQ(std::vector<float>(p.begin(), p.end()),
            (std::vector<float>{1, 4, 7, 2, 5, 8, 3, 6, 9}));
  ASSERT_EQ(out.at("r").dims(), (std::vector<int64_t>{1, 1}));
  EXPECT_FLOAT_EQ(out.at("r").values<float>()[0], 142.5f);  // (1 + 4 + ... + 81) / 2
  ASSERT_EQ(out.at("m").dims(), (std::vector<int64_t>{1, 1, 3}));
  const auto m = out.at("m").values<float>();
  EXPECT_EQ(std::vector<float>(m.begin(), m.end()), (std::vector<float>{2, 5, 8}));

  pb::NetParameter weights;
  pb::LayerParameter* norm = weights.add_layer();
  norm->set_name("n");
  add_blob(norm, {2}, {1, 10});
  const Graph n = read(R"(
layer { name: "data" type: "Input" top: "data" input_param { shape { dim: 1 dim: 2 dim: 1 dim: 2 } } }
layer { name: "n" type: "Normalize" bottom: "data" top: "n"
        norm_param { across_spatial: false channel_shared: false eps: 0 } })",
                       weights);
  feeds.clear();
  feeds["data"] = Tensor::from_vector<float>({1, 2, 1, 2}, {3, 0, 4, 2});
  const TensorMap normalized = run_graph(n, feeds);
  const auto v = normalized.at("n").values<float>();
  // Position 0: (3, 4) / 5, scales 1 and 10; position 1: (0, 2) / 2.
  const std::vector<float> want = {0.6f, 0, 8, 10};
  ASSERT_EQ(v.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i)
    EXPECT_FLOAT_EQ(v[i], want[i]) << "element " << i;
}

TEST_F(CaffeReaderTest, UnknownLayerTypesAreListedTogether) {
  const std::string message = error_of(std::string(kInput3x3) + R"(
layer { name: "p" type: "PriorBox" bottom: "data" bottom: "data" top: "p" }
layer { name: "q" type: "DetectionOutput" bottom: "p" top: "q" })");
  EXPECT_NE(message.find("node 'p' (PriorBox), node 'q' (DetectionOutput)"), std::string::npos)
      << message;
}

TEST_F(CaffeReaderTest, MissingWeightsNameTheLayerAndTheFile) {
  const std::string message = error_of(std::string(kInput3x3) + R"(
layer { name: "ip" type: "InnerProduct" bottom: "data" top: "ip"
        inner_product_param { num_output: 2 } })");
  EXPECT_NE(message.find("node 'ip' (InnerProduct): has no weights"), std::string::npos) << message;
  EXPECT_NE(message.find("net.caffemodel does not exist"), std::string::npos) << message;
}

TEST_F(CaffeReaderTest, TrainOnlyLayersAreSkipped) {
  const Graph g = read(std::string(kInput3x3) + R"(
layer { name: "r" type: "ReLU" bottom: "data" top: "r" }
layer { name: "loss" type: "SoftmaxWithLoss" bottom: "r" bottom: "data" top: "loss"
        include { phase: TRAIN } })");
  EXPECT_EQ(g.outputs, (std::vector<std::string>{"r"}));
}

}  // namespace
}  // namespace nnport
