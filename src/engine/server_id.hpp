#pragma once
// The name a server's leases are held under when --server-id is not given.
#include <cstdint>
#include <string>
#include <string_view>

namespace mend {

// "hostname:port": a restarted server finds its own tasks under the same name
// and takes them back at once instead of waiting for its leases to expire.
// With port 0 (any free port) a second server on the same machine would get
// the same name and take the first one's tasks as its own, so the name gets
// `nonce` (random per start) instead: "hostname:0-<nonce in hex>".
std::string default_server_id(std::string_view hostname, int port, uint64_t nonce);

}  // namespace mend
