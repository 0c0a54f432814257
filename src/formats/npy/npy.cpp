// NumPy .npy format (numpy.lib.format): the magic "\x93NUMPY", a major/minor version, a header
// length (uint16 in version 1, uint32 in versions 2 and 3) and a Python dict literal
// {'descr': '<f4', 'fortran_order': False, 'shape': (1, 3), } padded with spaces and a final
// newline so that the data starts at an aligned offset. Version 3 only allows UTF-8 in the
// header, which changes nothing for the keys we read.
#include "formats/npy/npy.h"

#include <array>
#include <cctype>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>

#include "formats/common/output_files.h"
#include "ir/error.h"

namespace nnport {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr size_t kAlignment = 64;  // what numpy >= 1.15 writes; older files used 16

struct NpyType {
  DType dtype;
  std::string_view code;  // type character and size, e.g. "f4"
};

constexpr std::array<NpyType, 12> kTypes = {{
    {DType::Float32, "f4"},
    {DType::Float16, "f2"},
    {DType::Float64, "f8"},
    {DType::Int8, "i1"},
    {DType::Int16, "i2"},
    {DType::Int32, "i4"},
    {DType::Int64, "i8"},
    {DType::UInt8, "u1"},
    {DType::UInt16, "u2"},
    {DType::UInt32, "u4"},
    {DType::UInt64, "u8"},
    {DType::Bool, "b1"},
}};

std::optional<DType> dtype_for_descr(std::string_view descr) {
  if (descr.size() != 3) return std::nullopt;
  const char order = descr[0];
  const std::string_view code = descr.substr(1);
  for (const NpyType& t : kTypes) {
    if (t.code != code) continue;
    const bool single_byte = dtype_size(t.dtype) == 1;
    // '|' means "byte order not applicable"; '=' is native, which numpy only writes for
    // little-endian data on the machines we run on.
    if (order == '<' || order == '=' || (single_byte && order == '|')) return t.dtype;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string descr_for_dtype(DType dtype) {
  for (const NpyType& t : kTypes)
    if (t.dtype == dtype)
      return std::string(dtype_size(dtype) == 1 ? "|" : "<") + std::string(t.code);
  return {};
}

// The header dict. Parsed strictly: the three keys numpy writes, nothing else.
struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<int64_t> shape;
};

class HeaderParser {
 public:
  HeaderParser(const std::string& path, std::string_view text) : path_(path), text_(text) {}

  Header parse() {
    Header header;
    bool has_descr = false, has_order = false, has_shape = false;
    expect('{');
    while (true) {
      skip_space();
      if (peek() == '}') break;
      const std::string key = parse_string();
      expect(':');
      if (key == "descr") {
        header.descr = parse_string();
        has_descr = true;
      } else if (key == "fortran_order") {
        header.fortran_order = parse_bool();
        has_order = true;
      } else if (key == "shape") {
        header.shape = parse_shape();
        has_shape = true;
      } else {
        fail(fmt::format("unknown header key '{}'", key));
      }
      skip_space();
      if (peek() == ',') ++pos_;
    }
    ++pos_;
    for (; pos_ < text_.size(); ++pos_)
      if (text_[pos_] != ' ' && text_[pos_] != '\n') fail("unexpected text after the header");
    if (!has_descr || !has_order || !has_shape)
      fail("header must have 'descr', 'fortran_order' and 'shape'");
    return header;
  }

 private:
  [[noreturn]] void fail(const std::string& reason) const {
    model_error("{}: not a valid .npy file: {}", path_, reason);
  }
  void skip_space() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\n'))
      ++pos_;
  }
  char peek() {
    if (pos_ >= text_.size()) fail("header ends early");
    return text_[pos_];
  }
  void expect(char c) {
    skip_space();
    if (peek() != c) fail(fmt::format("expected '{}' at header offset {}", c, pos_));
    ++pos_;
  }
  std::string parse_string() {
    skip_space();
    const char quote = peek();
    if (quote != '\'' && quote != '"') fail("expected a quoted string in the header");
    const size_t end = text_.find(quote, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string in the header");
    std::string out(text_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool parse_bool() {
    skip_space();
    for (auto [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      if (text_.substr(pos_, std::strlen(word)) == word) {
        pos_ += std::strlen(word);
        return value;
      }
    }
    fail("fortran_order must be True or False");
  }
  std::vector<int64_t> parse_shape() {
    expect('(');
    std::vector<int64_t> dims;
    while (true) {
      skip_space();
      if (peek() == ')') break;
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("shape must hold integers");
      int64_t dim = 0;
      while (pos_ < text_.size() && std::isdigit(static_cast<unsigned char>(text_[pos_]))) {
        if (dim > (INT64_MAX - 9) / 10) fail("shape dimension too large");
        dim = dim * 10 + (text_[pos_++] - '0');
      }
      dims.push_back(dim);
      skip_space();
      if (peek() == ',') ++pos_;
    }
    ++pos_;
    return dims;
  }

  const std::string& path_;
  std::string_view text_;
  size_t pos_ = 0;
};

uint32_t read_little_endian(const std::string& bytes, size_t offset, size_t width) {
  uint32_t value = 0;
  for (size_t i = 0; i < width; ++i)
    value |= static_cast<uint32_t>(static_cast<unsigned char>(bytes[offset + i])) << (8 * i);
  return value;
}

std::string read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) usage_error("{}: cannot open input file", path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) usage_error("{}: cannot read input file", path);
  return bytes;
}

}  // namespace

Tensor read_npy(const std::string& path) {
  const std::string bytes = read_whole_file(path);
  if (bytes.size() < kMagic.size() + 2 || std::string_view(bytes).substr(0, 6) != kMagic)
    model_error("{}: not a .npy file (bad magic bytes)", path);
  const int major = static_cast<unsigned char>(bytes[6]);
  if (major < 1 || major > 3) model_error("{}: unsupported .npy version {}", path, major);
  const size_t length_width = major == 1 ? 2 : 4;
  const size_t prefix = 8 + length_width;
  if (bytes.size() < prefix) model_error("{}: truncated .npy header", path);
  const size_t header_length = read_little_endian(bytes, 8, length_width);
  if (header_length > bytes.size() - prefix) model_error("{}: truncated .npy header", path);

  const Header header =
      HeaderParser(path, std::string_view(bytes).substr(prefix, header_length)).parse();
  const std::optional<DType> dtype = dtype_for_descr(header.descr);
  if (!dtype)
    model_error("{}: unsupported .npy dtype '{}' (little-endian bool, int, uint and float only)",
                path, header.descr);
  if (header.fortran_order)
    model_error("{}: Fortran-order arrays are not supported; save with C order", path);

  int64_t count = 0;
  try {
    count = element_count(header.shape);
  } catch (const Error& e) {
    rethrow_with_context(e, path + ": ");
  }
  const size_t data_offset = prefix + header_length;
  const size_t available = bytes.size() - data_offset;
  const int64_t needed = checked_mul(count, static_cast<int64_t>(dtype_size(*dtype)));
  if (static_cast<uint64_t>(needed) != available)
    model_error("{}: shape {} of {} needs {} data bytes but the file holds {}", path,
                sizes_to_string(header.shape), dtype_name(*dtype), needed, available);

  Tensor tensor(*dtype, header.shape);
  std::memcpy(tensor.mutable_raw(), bytes.data() + data_offset, available);
  if (*dtype == DType::Bool) {
    for (size_t i = 0; i < available; ++i)
      if (static_cast<unsigned char>(bytes[data_offset + i]) > 1)
        model_error("{}: bool element {} holds byte {} (must be 0 or 1)", path, i,
                    static_cast<unsigned char>(bytes[data_offset + i]));
  }
  return tensor;
}

void write_npy(const std::string& path, const Tensor& tensor) {
  const std::string descr = descr_for_dtype(tensor.dtype());
  if (descr.empty())
    model_error("{}: a {} tensor cannot be stored in a .npy file", path,
                dtype_name(tensor.dtype()));
  // Python tuple syntax: "()", "(4,)", "(2, 3)".
  std::string shape = fmt::format("{}", fmt::join(tensor.dims(), ", "));
  if (tensor.rank() == 1) shape += ",";
  std::string dict =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': ({}), }}", descr, shape);

  // Version 1 stores the header length in 16 bits; larger headers (huge ranks) need version 2.
  const int major = dict.size() + 10 + kAlignment < 65536 ? 1 : 2;
  const size_t prefix = major == 1 ? 10 : 12;
  const size_t unpadded = prefix + dict.size() + 1;
  dict.append((kAlignment - unpadded % kAlignment) % kAlignment, ' ');
  dict.push_back('\n');

  std::string head(kMagic);
  head.push_back(static_cast<char>(major));
  head.push_back('\0');
  for (size_t i = 0; i < prefix - 8; ++i)
    head.push_back(static_cast<char>(dict.size() >> (8 * i)));
  head += dict;

  OutputFiles files;
  const std::string temp = files.add(path);
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    if (!out) usage_error("{}: cannot create output file", path);
    out.write(head.data(), static_cast<std::streamsize>(head.size()));
    out.write(reinterpret_cast<const char*>(tensor.raw()),
              static_cast<std::streamsize>(tensor.byte_size()));
    out.close();
    if (!out) usage_error("{}: cannot write output file", path);
  }
  files.commit();
}

}  // namespace nnport
