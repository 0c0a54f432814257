#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "formats/npy/npy.h"
#include "ir/error.h"

namespace nnport {
namespace {

namespace fs = std::filesystem;

class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("nnport_npy_test_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write_bytes(const std::string& name, const std::string& bytes) const {
    std::ofstream(path(name), std::ios::binary) << bytes;
    return path(name);
  }
  static std::string read_bytes(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }
  // A version-1 file with the given header dict (unpadded: readers must not require padding).
  static std::string npy_v1(const std::string& dict, const std::string& data) {
    std::string out("\x93NUMPY\x01\x00", 8);
    const std::string header = dict + "\n";
    out.push_back(static_cast<char>(header.size() & 0xff));
    out.push_back(static_cast<char>(header.size() >> 8));
    return out + header + data;
  }

  fs::path dir_;
};

// What numpy 1.24 writes for np.save(f, np.array([[1, 2, 3]], dtype=np.float32)).
std::string numpy_float32_1x3() {
  std::string bytes("\x93NUMPY\x01\x00\x76\x00", 10);
  std::string dict = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), }";
  dict.append(127 - 10 - dict.size(), ' ');
  bytes += dict + "\n";
  bytes += std::string("\x00\x00\x80\x3f\x00\x00\x00\x40\x00\x00\x40\x40", 12);
  return bytes;
}

TEST_F(NpyTest, WritesTheSameBytesAsNumpy) {
  write_npy(path("a.npy"), Tensor::from_vector<float>({1, 3}, {1, 2, 3}));
  EXPECT_EQ(read_bytes(path("a.npy")), numpy_float32_1x3());
}

TEST_F(NpyTest, ReadsNumpyOutput) {
  const Tensor t = read_npy(write_bytes("a.npy", numpy_float32_1x3()));
  ASSERT_EQ(t.dtype(), DType::Float32);
  EXPECT_EQ(t.dims(), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(t.to_float_vector(), (std::vector<float>{1, 2, 3}));
}

template <typename T>
void expect_round_trip(const std::string& file, std::vector<int64_t> dims, std::vector<T> values) {
  const Tensor in = Tensor::from_vector<T>(dims, values);
  write_npy(file, in);
  const Tensor out = read_npy(file);
  SCOPED_TRACE(std::string(dtype_name(in.dtype())) + " " + sizes_to_string(dims));
  ASSERT_EQ(out.dtype(), in.dtype());
  EXPECT_EQ(out.dims(), in.dims());
  const auto got = out.values<T>();
  EXPECT_EQ(std::vector<T>(got.begin(), got.end()), values);
}

TEST_F(NpyTest, RoundTripsEveryDtype) {
  const std::string f = path("t.npy");
  expect_round_trip<float>(f, {2, 2}, {1.5f, -2.f, 0.f, 3e38f});
  expect_round_trip<double>(f, {3}, {1e300, -0.5, 2});
  expect_round_trip<int8_t>(f, {2}, {-128, 127});
  expect_round_trip<int16_t>(f, {2}, {-32768, 7});
  expect_round_trip<int32_t>(f, {1, 2}, {-5, 1 << 30});
  expect_round_trip<int64_t>(f, {2}, {-1, INT64_MAX});
  expect_round_trip<uint8_t>(f, {3}, {0, 1, 255});
  expect_round_trip<bool>(f, {}, {true});
  expect_round_trip<float>(f, {0, 4}, {});
}

TEST_F(NpyTest, RoundTripsFloat16Bits) {
  Tensor half(DType::Float16, {2});
  auto* bits = reinterpret_cast<uint16_t*>(half.mutable_raw());
  bits[0] = 0x3c00;  // 1.0
  bits[1] = 0xc000;  // -2.0
  write_npy(path("h.npy"), half);
  const Tensor back = read_npy(path("h.npy"));
  ASSERT_EQ(back.dtype(), DType::Float16);
  EXPECT_EQ(back.to_float_vector(), (std::vector<float>{1.0f, -2.0f}));
}

TEST_F(NpyTest, ReadsVersion2And3Headers) {
  for (char major : {'\x02', '\x03'}) {
    const std::string dict = "{\"descr\": \"<i4\", \"shape\": (2,), \"fortran_order\": False}\n";
    std::string bytes("\x93NUMPY", 6);
    bytes += major;
    bytes += '\0';
    bytes += std::string(1, static_cast<char>(dict.size())) + std::string(3, '\0');
    bytes += dict + std::string("\x07\x00\x00\x00\xfe\xff\xff\xff", 8);
    const Tensor t = read_npy(write_bytes("v.npy", bytes));
    SCOPED_TRACE(static_cast<int>(major));
    EXPECT_EQ(t.to_int64_vector(), (std::vector<int64_t>{7, -2}));
  }
}

void expect_model_error(const std::string& file, const std::string& fragment) {
  try {
    read_npy(file);
    FAIL() << "no error for " << file << ", expected '" << fragment << "'";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Model) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
        << "message: " << e.what() << "\nexpected to contain: " << fragment;
    EXPECT_EQ(std::string(e.what()).rfind(file, 0), 0u) << "message must start with the file";
  }
}

TEST_F(NpyTest, RefusesBadFilesNamingTheReason) {
  expect_model_error(write_bytes("magic.npy", "PK\x03\x04 not numpy"), "bad magic");
  expect_model_error(write_bytes("short.npy", numpy_float32_1x3().substr(0, 134)),
                     "needs 12 data bytes but the file holds 6");
  expect_model_error(write_bytes("header.npy", numpy_float32_1x3().substr(0, 40)),
                     "truncated .npy header");
  expect_model_error(
      write_bytes("fortran.npy",
                  npy_v1("{'descr': '<f4', 'fortran_order': True, 'shape': (1,), }", "abcd")),
      "Fortran-order");
  expect_model_error(
      write_bytes("big.npy",
                  npy_v1("{'descr': '>f4', 'fortran_order': False, 'shape': (1,), }", "abcd")),
      "unsupported .npy dtype '>f4'");
  expect_model_error(
      write_bytes("obj.npy",
                  npy_v1("{'descr': '|O', 'fortran_order': False, 'shape': (1,), }", "abcd")),
      "unsupported .npy dtype '|O'");
  expect_model_error(
      write_bytes("overflow.npy", npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': "
                                         "(4294967296, 4294967296), }",
                                         "")),
      "overflow");
  expect_model_error(
      write_bytes(
          "huge.npy",
          npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (100000000000,), }", "abcd")),
      "needs 400000000000 data bytes but the file holds 4");
  expect_model_error(
      write_bytes("key.npy", npy_v1("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), "
                                    "'extra': 1}",
                                    "abcd")),
      "unknown header key 'extra'");
  expect_model_error(
      write_bytes("bool.npy",
                  npy_v1("{'descr': '|b1', 'fortran_order': False, 'shape': (1,), }", "\x02")),
      "must be 0 or 1");
}

TEST_F(NpyTest, MissingFileIsAUsageError) {
  try {
    read_npy(path("absent.npy"));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Usage) << e.what();
  }
}

TEST_F(NpyTest, RefusesDtypesNumpyCannotHoldAndLeavesNoFile) {
  Tensor bf16(DType::BFloat16, {1});
  EXPECT_THROW(write_npy(path("b.npy"), bf16), Error);
  EXPECT_TRUE(fs::is_empty(dir_));
}

}  // namespace
}  // namespace nnport
