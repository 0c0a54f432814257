#include "formats/onnx/model_file.h"

#include <fcntl.h>
#include <sys/stat.h>

#include <cerrno>
#include <climits>
#include <cstring>

#include <google/protobuf/io/zero_copy_stream_impl.h>

#include "ir/error.h"

namespace nnport::onnx_format {

void parse_proto_file(const std::string& path, google::protobuf::Message& message,
                      const char* kind) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) usage_error("{}: cannot open: {}", path, std::strerror(errno));
  // protobuf's default 8 KiB reads cost one syscall per 8 KiB of weights; 1 MiB blocks make
  // reading a 100 MB model about as cheap as copying it.
  constexpr int kReadBlockBytes = 1 << 20;
  google::protobuf::io::FileInputStream input(fd, kReadBlockBytes);
  input.SetCloseOnDelete(true);
  struct stat st {};
  if (::fstat(fd, &st) != 0) model_error("{}: cannot stat: {}", path, std::strerror(errno));
  if (S_ISDIR(st.st_mode)) usage_error("{}: is a folder, not a {} file", path, kind);
  if (st.st_size > INT_MAX)
    model_error("{}: {} bytes exceed protobuf's 2 GB limit (large weights must use external data)",
                path, st.st_size);
  if (!message.ParseFromZeroCopyStream(&input)) {
    if (input.GetErrno() != 0)
      model_error("{}: read error: {}", path, std::strerror(input.GetErrno()));
    model_error("{}: not a valid {} (truncated or corrupt protobuf)", path, kind);
  }
}

}  // namespace nnport::onnx_format
