// TensorProto <-> Tensor conversion, external data views and standalone .pb files.
#include <cstring>

#include <gtest/gtest.h>

#include "formats/onnx/external_data.h"
#include "formats/onnx/onnx_format.h"
#include "formats/onnx/tensor_proto.h"
#include "ir/error.h"
#include "onnx_test_util.h"
#include "shared_testdata.h"

namespace nnport {
namespace {

using onnx_format::ExternalDataReader;
using onnx_format::tensor_from_proto;
using onnx_test::ScratchDir;

onnx::TensorProto proto_of(int32_t type, std::vector<int64_t> dims) {
  onnx::TensorProto p;
  p.set_name("t");
  p.set_data_type(type);
  for (int64_t d : dims)
    p.add_dims(d);
  return p;
}

std::string error_of(onnx::TensorProto p) {
  try {
    tensor_from_proto(p, "initializer 't'", nullptr);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    return e.what();
  }
  return "no error";
}

TEST(OnnxTensor, DTypeMapping) {
  EXPECT_EQ(onnx_format::dtype_from_onnx(1), DType::Float32);
  EXPECT_EQ(onnx_format::dtype_from_onnx(7), DType::Int64);
  EXPECT_EQ(onnx_format::dtype_from_onnx(10), DType::Float16);
  EXPECT_EQ(onnx_format::dtype_from_onnx(16), DType::BFloat16);
  EXPECT_EQ(onnx_format::dtype_from_onnx(14), DType::Undefined);  // complex64
  EXPECT_EQ(onnx_format::dtype_to_onnx(DType::UInt32), 12);
  EXPECT_EQ(onnx_format::dtype_to_onnx(DType::Bool), 9);
}

TEST(OnnxTensor, RawDataIsReleasedNotCopied) {
  auto p = proto_of(onnx::TensorProto::FLOAT, {2, 2});
  const float values[4] = {1.5f, -2.0f, 3.25f, 0.0f};
  p.set_raw_data(values, sizeof values);
  const char* stored = p.raw_data().data();
  const Tensor t = tensor_from_proto(p, "t", nullptr);
  EXPECT_EQ(reinterpret_cast<const char*>(t.raw()), stored);  // same bytes, no copy
  EXPECT_EQ(t.dims(), (std::vector<int64_t>{2, 2}));
  EXPECT_EQ(t.values<float>()[2], 3.25f);
  EXPECT_FALSE(p.has_raw_data());
}

TEST(OnnxTensor, TypedFieldsConvert) {
  auto f = proto_of(onnx::TensorProto::FLOAT, {3});
  for (float v : {1.0f, -0.5f, 7.0f})
    f.add_float_data(v);
  EXPECT_EQ(tensor_from_proto(f, "t", nullptr).to_float_vector(),
            (std::vector<float>{1.0f, -0.5f, 7.0f}));

  // float16 travels as its bit pattern in int32_data: 0x3C00 = 1.0, 0xC000 = -2.0.
  auto h = proto_of(onnx::TensorProto::FLOAT16, {2});
  h.add_int32_data(0x3C00);
  h.add_int32_data(0xC000);
  EXPECT_EQ(tensor_from_proto(h, "t", nullptr).to_float_vector(),
            (std::vector<float>{1.0f, -2.0f}));

  auto i8 = proto_of(onnx::TensorProto::INT8, {2});
  i8.add_int32_data(-5);
  i8.add_int32_data(127);
  EXPECT_EQ(tensor_from_proto(i8, "t", nullptr).to_int64_vector(), (std::vector<int64_t>{-5, 127}));

  auto b = proto_of(onnx::TensorProto::BOOL, {3});
  for (int v : {0, 1, 7})
    b.add_int32_data(v);
  EXPECT_EQ(tensor_from_proto(b, "t", nullptr).to_int64_vector(), (std::vector<int64_t>{0, 1, 1}));

  auto i64 = proto_of(onnx::TensorProto::INT64, {});
  i64.add_int64_data(-9000000000);
  EXPECT_EQ(tensor_from_proto(i64, "t", nullptr).to_int64_vector(),
            (std::vector<int64_t>{-9000000000}));

  auto u32 = proto_of(onnx::TensorProto::UINT32, {1});
  u32.add_uint64_data(4000000000u);
  EXPECT_EQ(tensor_from_proto(u32, "t", nullptr).values<uint32_t>()[0], 4000000000u);

  auto d = proto_of(onnx::TensorProto::DOUBLE, {1});
  d.add_double_data(0.1);
  EXPECT_EQ(tensor_from_proto(d, "t", nullptr).values<double>()[0], 0.1);
}

TEST(OnnxTensor, BadDataIsAModelErrorNamingTheTensor) {
  auto short_raw = proto_of(onnx::TensorProto::FLOAT, {3});
  short_raw.set_raw_data(std::string(8, '\0'));
  EXPECT_NE(error_of(short_raw).find("initializer 't': raw_data holds 8 bytes"), std::string::npos)
      << error_of(short_raw);

  auto few_values = proto_of(onnx::TensorProto::FLOAT, {2, 2});
  few_values.add_float_data(1);
  EXPECT_NE(error_of(few_values).find("holds 1 values but shape [2, 2] needs 4"),
            std::string::npos);

  auto negative = proto_of(onnx::TensorProto::FLOAT, {2, -1});
  EXPECT_NE(error_of(negative).find("negative dimension"), std::string::npos);

  auto absurd = proto_of(onnx::TensorProto::FLOAT, {int64_t{1} << 40, int64_t{1} << 40});
  EXPECT_NE(error_of(absurd).find("initializer 't': integer overflow"), std::string::npos)
      << error_of(absurd);

  auto huge_no_data = proto_of(onnx::TensorProto::FLOAT, {int64_t{1} << 30});
  EXPECT_NE(error_of(huge_no_data).find("holds 0 values"), std::string::npos);

  auto complex = proto_of(onnx::TensorProto::COMPLEX64, {1});
  EXPECT_NE(error_of(complex).find("COMPLEX64 is not supported"), std::string::npos);
}

TEST(OnnxTensor, ExternalDataIsAViewIntoTheMappedFile) {
  ScratchDir dir;
  std::string blob(4096 + 12, 'x');
  const float values[3] = {1.0f, 2.0f, -3.0f};
  std::memcpy(blob.data() + 4096, values, sizeof values);
  {
    std::ofstream out(dir.file("w.bin"), std::ios::binary);
    out << blob;
  }
  auto p = proto_of(onnx::TensorProto::FLOAT, {3});
  p.set_data_location(onnx::TensorProto::EXTERNAL);
  auto add = [&](const char* k, const std::string& v) {
    auto* e = p.add_external_data();
    e->set_key(k);
    e->set_value(v);
  };
  add("location", "w.bin");
  add("offset", "4096");
  add("length", "12");
  ExternalDataReader reader(dir.file(""));
  const Tensor t = reader.load(p, DType::Float32, {3}, "initializer 'w'");
  EXPECT_EQ(t.to_float_vector(), (std::vector<float>{1.0f, 2.0f, -3.0f}));
  EXPECT_NE(dynamic_cast<const MappedFile*>(t.buffer().get()), nullptr);

  auto expect_error = [&](onnx::TensorProto q, const std::string& needle) {
    try {
      reader.load(q, DType::Float32, {3}, "initializer 'w'");
      ADD_FAILURE() << "no error, expected " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  auto outside = p;
  outside.mutable_external_data(1)->set_value("4100");
  outside.mutable_external_data(2)->set_value("12");
  expect_error(outside, "initializer 'w': external data [4100, 4112) lies outside");
  auto wrong_length = p;
  wrong_length.mutable_external_data(2)->set_value("8");
  expect_error(wrong_length, "length 8 does not match");
  auto escape = p;
  escape.mutable_external_data(0)->set_value("../w.bin");
  expect_error(escape, "leaves the model's folder");
  auto missing = p;
  missing.mutable_external_data(0)->set_value("nope.bin");
  expect_error(missing, "does not exist");
}

TEST(OnnxTensor, StandalonePbFilesRoundTrip) {
  ScratchDir dir;
  const Tensor t = Tensor::from_vector<int64_t>({2, 3}, {1, -2, 3, -4, 5, -6});
  write_tensor_pb(dir.file("input_0.pb"), t, "x");
  const Tensor back = read_tensor_pb(dir.file("input_0.pb"));
  EXPECT_EQ(back.dtype(), DType::Int64);
  EXPECT_EQ(back.dims(), t.dims());
  EXPECT_EQ(back.to_int64_vector(), t.to_int64_vector());

  // Truncating the file inside raw_data is a model error.
  const std::string bytes = onnx_test::file_bytes(dir.file("input_0.pb"));
  {
    std::ofstream out(dir.file("cut.pb"), std::ios::binary);
    out << bytes.substr(0, bytes.size() - 5);
  }
  try {
    read_tensor_pb(dir.file("cut.pb"));
    ADD_FAILURE() << "truncated file accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model);
    EXPECT_NE(std::string(e.what()).find("cut.pb"), std::string::npos) << e.what();
  }
}

TEST(OnnxTensor, ReadsTheBackendTestData) {
  NNPORT_NEEDS_SHARED_TESTDATA();
  const std::string path =
      test::shared_testdata("onnx-backend-v1.22.0/node/test_abs/test_data_set_0/input_0.pb");
  const Tensor t = read_tensor_pb(path);
  EXPECT_EQ(t.dtype(), DType::Float32);
  EXPECT_EQ(t.dims(), (std::vector<int64_t>{3, 4, 5}));
}

}  // namespace
}  // namespace nnport
