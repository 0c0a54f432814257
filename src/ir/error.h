// Errors that reach the user. A model problem (bad file, unsupported op, impossible shape) exits
// with code 2; a usage problem (bad flags, missing files given on the command line) with 1.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include <fmt/format.h>

namespace nnport {

enum class ErrorKind { Usage, Model };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message) : std::runtime_error(std::move(message)), kind_(kind) {}
  ErrorKind kind() const { return kind_; }
  int exit_code() const { return kind_ == ErrorKind::Usage ? 1 : 2; }

 private:
  ErrorKind kind_;
};

// "FILE: node 'NAME' (OP): REASON" -- the one line a user sees for a bad model.
struct ErrorLocation {
  std::string file;
  std::string node;
  std::string op;
};

std::string format_location(const ErrorLocation& where);

template <typename... Args>
[[noreturn]] void model_error(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(ErrorKind::Model, fmt::format(format, std::forward<Args>(args)...));
}

template <typename... Args>
[[noreturn]] void usage_error(fmt::format_string<Args...> format, Args&&... args) {
  throw Error(ErrorKind::Usage, fmt::format(format, std::forward<Args>(args)...));
}

// Adds context ("FILE: ") in front of a model error raised deeper down, keeping its kind.
[[noreturn]] void rethrow_with_context(const Error& error, const std::string& context);

// Checked integer arithmetic for shapes read from untrusted files.
int64_t checked_mul(int64_t a, int64_t b);
int64_t checked_add(int64_t a, int64_t b);

}  // namespace nnport
