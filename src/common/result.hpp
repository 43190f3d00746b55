#pragma once
// Errors as values at boundaries. Result<T> is shaped like std::expected: it
// holds a T or an Error whose code tells the caller what to do next.
#include <cassert>
#include <string>
#include <utility>
#include <variant>

namespace mend {

enum class ErrorCode {
  invalid_input,  // the caller must fix its input; HTTP 400
  not_found,      // the thing does not exist; HTTP 404
  conflict,       // the state forbids this now; HTTP 409 (Ibex: 200 with err)
  unauthorized,   // missing or wrong credentials; HTTP 401
  forbidden,      // known caller, not allowed to do this; HTTP 403
  too_large,      // body or frame over a limit; HTTP 413
  unavailable,    // transient (database busy, peer gone): retry later; HTTP 503
  internal,       // a bug or an unexpected failure; HTTP 500
};

const char* to_string(ErrorCode code);

struct Error {
  ErrorCode code = ErrorCode::internal;
  std::string message;
};

inline Error make_error(ErrorCode code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & {
    assert(ok());
    return std::get<0>(v_);
  }
  const T& value() const& {
    assert(ok());
    return std::get<0>(v_);
  }
  T&& value() && {
    assert(ok());
    return std::get<0>(std::move(v_));
  }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const {
    assert(!ok());
    return std::get<1>(v_);
  }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const {
    assert(!ok_);
    return error_;
  }

 private:
  Error error_;
  bool ok_ = true;
};

inline Result<void> ok() { return Result<void>(); }

}  // namespace mend

// Propagate an error from an expression returning Result<...>.
#define MEND_TRY(expr)                       \
  do {                                       \
    auto mend_try_result_ = (expr);          \
    if (!mend_try_result_.ok()) return mend_try_result_.error(); \
  } while (0)

// Assign the value of a Result<T> expression or return its error.
#define MEND_CONCAT_INNER(a, b) a##b
#define MEND_CONCAT(a, b) MEND_CONCAT_INNER(a, b)
#define MEND_ASSIGN_OR_RETURN(lhs, expr) MEND_ASSIGN_OR_RETURN_IMPL(MEND_CONCAT(mend_r_, __LINE__), lhs, expr)
#define MEND_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  if (!tmp.ok()) return tmp.error();               \
  lhs = std::move(tmp).value()
