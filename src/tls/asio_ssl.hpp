#pragma once
// Asio's and Beast's TLS streams, included after common/asio.hpp (which must
// come first; see there).
#include "common/asio.hpp"

#include <boost/asio/ssl.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket/ssl.hpp>

namespace mend {
namespace ssl = boost::asio::ssl;
}  // namespace mend
