// The TFLite reader on small models built here with the generated FlatBuffers builder: SAME read
// as asymmetric pads (hand-computed sums), fused activations, QUANTIZE/DEQUANTIZE as QDQ, custom
// ops refused all at once by name, and every truncation and seeded byte mutation of a good file
// ending in a model error naming the file (never a crash).
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>

#include <fmt/format.h>

#include "formats/format.h"
#include "formats/tflite/tflite_format.h"
#include "ir/error.h"
#include "mxnet_test_util.h"
#include "runtime/executor.h"
#include "tflite_schema_generated.h"

namespace nnport {
namespace {

namespace fb = flatbuffers;

struct TensorSpec {
  std::vector<int32_t> shape;
  tfl::TensorType type = tfl::TensorType::FLOAT32;
  std::string name;
  std::vector<float> data;  // float32 constant data when non-empty
  float scale = 0.0f;       // quantized when > 0
  int64_t zero_point = 0;
};

struct OpSpec {
  tfl::BuiltinOperator code;
  std::vector<int32_t> inputs, outputs;
  tfl::BuiltinOptions options_type = tfl::BuiltinOptions::NONE;
  std::function<fb::Offset<void>(fb::FlatBufferBuilder&)> options;
  std::string custom_code;
};

std::string build_model(const std::vector<TensorSpec>& tensors, const std::vector<OpSpec>& ops,
                        const std::vector<int32_t>& inputs, const std::vector<int32_t>& outputs) {
  fb::FlatBufferBuilder b;
  std::vector<fb::Offset<tfl::Buffer>> buffers = {tfl::CreateBuffer(b)};
  std::vector<fb::Offset<tfl::Tensor>> tensor_offsets;
  for (const TensorSpec& t : tensors) {
    uint32_t buffer = 0;
    if (!t.data.empty()) {
      b.ForceVectorAlignment(t.data.size() * 4, 1, 16);
      auto bytes =
          b.CreateVector(reinterpret_cast<const uint8_t*>(t.data.data()), t.data.size() * 4);
      buffer = static_cast<uint32_t>(buffers.size());
      buffers.push_back(tfl::CreateBuffer(b, bytes));
    }
    fb::Offset<tfl::QuantizationParameters> q;
    if (t.scale > 0)
      q = tfl::CreateQuantizationParameters(b, 0, 0, b.CreateVector(std::vector<float>{t.scale}),
                                            b.CreateVector(std::vector<int64_t>{t.zero_point}));
    tensor_offsets.push_back(
        tfl::CreateTensor(b, b.CreateVector(t.shape), t.type, buffer, b.CreateString(t.name), q));
  }
  std::vector<fb::Offset<tfl::OperatorCode>> codes;
  std::vector<fb::Offset<tfl::Operator>> op_offsets;
  for (const OpSpec& op : ops) {
    const auto code = static_cast<int32_t>(op.code);
    codes.push_back(tfl::CreateOperatorCode(
        b, static_cast<int8_t>(std::min(code, 127)),
        op.custom_code.empty() ? 0 : b.CreateString(op.custom_code), 1, op.code));
    const fb::Offset<void> options = op.options ? op.options(b) : fb::Offset<void>();
    op_offsets.push_back(tfl::CreateOperator(b, static_cast<uint32_t>(codes.size() - 1),
                                             b.CreateVector(op.inputs), b.CreateVector(op.outputs),
                                             op.options_type, options));
  }
  auto subgraph = tfl::CreateSubGraph(b, b.CreateVector(tensor_offsets), b.CreateVector(inputs),
                                      b.CreateVector(outputs), b.CreateVector(op_offsets));
  auto model = tfl::CreateModel(b, 3, b.CreateVector(codes), b.CreateVector(std::vector{subgraph}),
                                b.CreateString("test"), b.CreateVector(buffers));
  tfl::FinishModelBuffer(b, model);
  return std::string(reinterpret_cast<const char*>(b.GetBufferPointer()), b.GetSize());
}

// x [1,4,4,1] -> CONV_2D (3x3 ones, stride 2, SAME, bias 1, RELU) -> y [1,2,2,1].
std::string conv_model() {
  std::vector<float> ones(9, 1.0f);
  return build_model({{{1, 4, 4, 1}, tfl::TensorType::FLOAT32, "x"},
                      {{1, 3, 3, 1}, tfl::TensorType::FLOAT32, "w", ones},
                      {{1}, tfl::TensorType::FLOAT32, "b", {1.0f}},
                      {{1, 2, 2, 1}, tfl::TensorType::FLOAT32, "y"}},
                     {{tfl::BuiltinOperator::CONV_2D,
                       {0, 1, 2},
                       {3},
                       tfl::BuiltinOptions::Conv2DOptions,
                       [](fb::FlatBufferBuilder& b) {
                         return tfl::CreateConv2DOptions(b, tfl::Padding::SAME, 2, 2,
                                                         tfl::ActivationFunctionType::RELU)
                             .Union();
                       }}},
                     {0}, {3});
}

std::string write(const mxnet_test::TempDir& dir, const std::string& name,
                  const std::string& bytes) {
  const std::string path = dir.file(name);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

TEST(TfliteReader, SameIsAsymmetricPadsFromTheInputSize) {
  mxnet_test::TempDir dir;
  const Graph g = load_model(write(dir, "conv.tflite", conv_model()), "", {});
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i)
    x[i] = static_cast<float>(i);
  const TensorMap out = run_graph(g, {{"x", Tensor::from_vector<float>({1, 4, 4, 1}, x)}});
  // SAME at stride 2 on 4 pixels with a 3x3 kernel pads 0 before and 1 after: windows start at
  // rows/cols 0 and 2; plus the bias 1.
  const auto y = out.at("y").values<float>();
  ASSERT_EQ(y.size(), 4u);
  EXPECT_EQ(y[0], 46.0f);                              // x[0:3, 0:3] = 45
  EXPECT_EQ(y[1], 40.0f);                              // x[0:3, 2:4] = 39
  EXPECT_EQ(y[2], 67.0f);                              // x[2:4, 0:3] = 66
  EXPECT_EQ(y[3], 51.0f);                              // x[2:4, 2:4] = 50
  EXPECT_EQ(g.inputs, std::vector<std::string>{"x"});  // NHWC boundary kept
  EXPECT_EQ(g.value("x").shape.sizes(), (std::vector<int64_t>{1, 4, 4, 1}));
}

TEST(TfliteReader, QuantizeDequantizeAreQdq) {
  mxnet_test::TempDir dir;
  const std::string bytes = build_model(
      {{{4}, tfl::TensorType::FLOAT32, "x"},
       {{4}, tfl::TensorType::INT8, "q", {}, 0.5f, 1},
       {{4}, tfl::TensorType::FLOAT32, "y"}},
      {{tfl::BuiltinOperator::QUANTIZE, {0}, {1}}, {tfl::BuiltinOperator::DEQUANTIZE, {1}, {2}}},
      {0}, {2});
  const Graph g = load_model(write(dir, "q.tflite", bytes), "", {});
  size_t q = 0, dq = 0;
  for (const Node& n : g.nodes) {
    q += n.op == "QuantizeLinear";
    dq += n.op == "DequantizeLinear";
  }
  EXPECT_EQ(q, 1u);
  EXPECT_EQ(dq, 1u);
  const TensorMap out =
      run_graph(g, {{"x", Tensor::from_vector<float>({4}, {0.75f, 1.0f, -3.0f, 100.0f})}});
  // q = clamp(round_half_even(x / 0.5) + 1, -128, 127) = [3, 3, -5, 127] (1.5 rounds to 2);
  // y = (q - 1) * 0.5.
  const auto y = out.at("y").values<float>();
  EXPECT_EQ(std::vector<float>(y.begin(), y.end()), (std::vector<float>{1.0f, 1.0f, -3.0f, 63.0f}));
}

TEST(TfliteReader, CustomAndUnknownOpsAreRefusedAllAtOnce) {
  mxnet_test::TempDir dir;
  const std::string bytes = build_model(
      {{{4}, tfl::TensorType::FLOAT32, "x"},
       {{4}, tfl::TensorType::FLOAT32, "a"},
       {{4}, tfl::TensorType::FLOAT32, "y"}},
      {{tfl::BuiltinOperator::CUSTOM, {0}, {1}, tfl::BuiltinOptions::NONE, {}, "MyFancyOp"},
       {tfl::BuiltinOperator::SVDF, {1}, {2}}},
      {0}, {2});
  const std::string path = write(dir, "custom.tflite", bytes);
  try {
    load_model(path, "", {});
    FAIL() << "no error";
  } catch (const Error& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(what.find(path), std::string::npos) << what;
    EXPECT_NE(what.find("2 unsupported"), std::string::npos) << what;
    EXPECT_NE(what.find("custom 'MyFancyOp'"), std::string::npos) << what;
    EXPECT_NE(what.find("SVDF"), std::string::npos) << what;
    EXPECT_NE(what.find("'a'"), std::string::npos) << what;
  }
}

TEST(TfliteUntrusted, EveryTruncationAndSeededMutationIsAModelError) {
  mxnet_test::TempDir dir;
  const std::string good = conv_model();
  const std::string path = dir.file("fuzz.tflite");
  size_t errors = 0, read = 0;
  auto attempt = [&](const std::string& bytes, const std::string& what) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
    try {
      const Graph g = load_model(path, "tflite", {});
      ++read;
    } catch (const Error& e) {
      ASSERT_EQ(e.kind(), ErrorKind::Model) << what << ": " << e.what();
      ASSERT_NE(std::string(e.what()).find("fuzz.tflite"), std::string::npos)
          << what << ": " << e.what();
      ++errors;
    } catch (const std::exception& e) {
      FAIL() << what << ": not a model error: " << e.what();
    }
  };
  for (size_t length = 0; length < good.size(); ++length)
    attempt(good.substr(0, length), fmt::format("cut at {}", length));
  std::mt19937 rng(12);  // seeded: the same mutations every run
  for (int trial = 0; trial < 3000; ++trial) {
    std::string mutated = good;
    const int flips = 1 + static_cast<int>(rng() % 3);
    std::string what = fmt::format("trial {}:", trial);
    for (int f = 0; f < flips; ++f) {
      const size_t at = rng() % mutated.size();
      const auto value = static_cast<unsigned char>(rng() % 256);
      mutated[at] = static_cast<char>(value);
      what += fmt::format(" byte {} = 0x{:02x}", at, value);
    }
    attempt(mutated, what);
  }
  EXPECT_GE(errors, good.size());  // every truncation at least
  EXPECT_GT(read, 0u);             // some mutations only touch data
}

}  // namespace
}  // namespace nnport
