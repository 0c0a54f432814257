#include "formats/onnx/model_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include <google/protobuf/io/zero_copy_stream_impl.h>

#include "formats/onnx/wire_scan.h"
#include "ir/error.h"

namespace nnport::onnx_format {

namespace {

// Field numbers from onnx.proto.
constexpr uint32_t kModelGraphField = 7;        // ModelProto.graph
constexpr uint32_t kGraphInitializerField = 5;  // GraphProto.initializer
constexpr uint32_t kTensorRawDataField = 9;     // TensorProto.raw_data

// Opens `path` for reading and checks it is a file protobuf can parse (usage errors for a
// missing file or a folder, a model error beyond 2 GB). Returns the open descriptor.
int open_model_file(const std::string& path, const char* kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) usage_error("{}: cannot open: {}", path, std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    const int error = errno;
    ::close(fd);
    model_error("{}: cannot stat: {}", path, std::strerror(error));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    usage_error("{}: is a folder, not a {} file", path, kind);
  }
  if (st.st_size > INT_MAX) {
    ::close(fd);
    model_error("{}: {} bytes exceed protobuf's 2 GB limit (large weights must use external data)",
                path, st.st_size);
  }
  return fd;
}

void append_varint(std::string& out, uint64_t value) {
  while (value >= 0x80) {
    out.push_back(static_cast<char>(value | 0x80));
    value >>= 7;
  }
  out.push_back(static_cast<char>(value));
}

// Builds the model's bytes without the initializers' raw_data fields, recording where each of
// those lies. Every other byte is copied unchanged, so protobuf parses the rest exactly as it
// would have parsed the whole file (repeated graph fields merge, the last raw_data wins).
class WeightStripper {
 public:
  WeightStripper(std::span<const std::byte> file, MappedModel& out) : file_(file), out_(out) {}

  std::string model() {
    std::string skeleton;
    WireScanner scanner(file_, 0, file_.size());
    for (WireField field; scanner.next(field);) {
      if (field.number == kModelGraphField && field.wire_type == kWireLengthDelimited)
        append_message(skeleton, field, graph(field));
      else
        append_bytes(skeleton, field.begin, field.end);
    }
    return skeleton;
  }

 private:
  std::string graph(const WireField& graph_field) {
    std::string stripped;
    WireScanner scanner(file_, graph_field.payload_begin, graph_field.end);
    for (WireField field; scanner.next(field);) {
      if (field.number == kGraphInitializerField && field.wire_type == kWireLengthDelimited)
        append_message(stripped, field, tensor(field));
      else
        append_bytes(stripped, field.begin, field.end);
    }
    return stripped;
  }

  std::string tensor(const WireField& tensor_field) {
    std::string stripped;
    std::optional<MappedModel::Bytes> raw_data;
    WireScanner scanner(file_, tensor_field.payload_begin, tensor_field.end);
    for (WireField field; scanner.next(field);) {
      if (field.number == kTensorRawDataField && field.wire_type == kWireLengthDelimited)
        raw_data = MappedModel::Bytes{field.payload_begin, field.end - field.payload_begin};
      else
        append_bytes(stripped, field.begin, field.end);
    }
    out_.initializer_raw_data.push_back(raw_data);
    return stripped;
  }

  void append_bytes(std::string& out, size_t begin, size_t end) const {
    out.append(reinterpret_cast<const char*>(file_.data()) + begin, end - begin);
  }

  // A length-delimited field with a new payload (tag re-encoded minimally, new length).
  static void append_message(std::string& out, const WireField& field, const std::string& payload) {
    append_varint(out, (uint64_t{field.number} << 3) | kWireLengthDelimited);
    append_varint(out, payload.size());
    out += payload;
  }

  std::span<const std::byte> file_;
  MappedModel& out_;
};

}  // namespace

void parse_proto_file(const std::string& path, google::protobuf::Message& message,
                      const char* kind) {
  const int fd = open_model_file(path, kind);
  // protobuf's default 8 KiB reads cost one syscall per 8 KiB of weights; 1 MiB blocks make
  // reading a 100 MB model about as cheap as copying it.
  constexpr int kReadBlockBytes = 1 << 20;
  google::protobuf::io::FileInputStream input(fd, kReadBlockBytes);
  input.SetCloseOnDelete(true);
  if (!message.ParseFromZeroCopyStream(&input)) {
    if (input.GetErrno() != 0)
      model_error("{}: read error: {}", path, std::strerror(input.GetErrno()));
    model_error("{}: not a valid {} (truncated or corrupt protobuf)", path, kind);
  }
}

void read_mapped_model(const std::string& path, MappedModel& out) {
  ::close(open_model_file(path, "ONNX model"));
  out.file = MappedFile::open(path);
  const std::span<const std::byte> bytes(out.file->data(), out.file->size());
  std::string skeleton;
  try {
    skeleton = WeightStripper(bytes, out).model();
  } catch (const Error& e) {
    model_error("{}: not a valid ONNX model (truncated or corrupt protobuf): {}", path, e.what());
  }
  if (!out.model.ParseFromString(skeleton))
    model_error("{}: not a valid ONNX model (truncated or corrupt protobuf)", path);
  if (out.model.graph().initializer_size() != static_cast<int>(out.initializer_raw_data.size()))
    model_error("{}: not a valid ONNX model (initializers did not parse as scanned)", path);
}

}  // namespace nnport::onnx_format
