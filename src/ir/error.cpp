#include "ir/error.h"

#include <limits>

namespace nnport {

std::string format_location(const ErrorLocation& where) {
  std::string out;
  if (!where.file.empty()) out += where.file + ": ";
  if (!where.node.empty()) {
    out += fmt::format("node '{}'", where.node);
    if (!where.op.empty()) out += fmt::format(" ({})", where.op);
    out += ": ";
  }
  return out;
}

void rethrow_with_context(const Error& error, const std::string& context) {
  throw Error(error.kind(), context + error.what());
}

int64_t checked_mul(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_mul_overflow(a, b, &result))
    model_error("integer overflow in shape arithmetic ({} * {})", a, b);
  return result;
}

int64_t checked_add(int64_t a, int64_t b) {
  int64_t result = 0;
  if (__builtin_add_overflow(a, b, &result))
    model_error("integer overflow in shape arithmetic ({} + {})", a, b);
  return result;
}

}  // namespace nnport
