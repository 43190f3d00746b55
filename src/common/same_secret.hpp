#pragma once
// Comparing a secret someone presents (token, password, CSRF token) with the
// one expected.
#include <string_view>

namespace mend {

// Whether `given` equals `expected`, in time that depends only on the length
// of `given`: it does not stop at the first difference, so response timing
// does not tell how much of a guess was right, nor how long `expected` is.
bool same_secret(std::string_view given, std::string_view expected);

}  // namespace mend
