#pragma once
// Source networks allowed to speak the Ibex agent protocol (--ibex-rpc-allow).
#include <string_view>

#include "common/asio.hpp"
#include "common/result.hpp"

namespace mend {

struct IbexCidr {
  asio::ip::address network;
  int prefix = 0;  // bits

  // "10.0.0.0/8", "fd00::/8", or a bare address (all bits). IPv4 remotes that
  // reach a dual-stack listener as ::ffff:a.b.c.d match IPv4 networks.
  // Errors: invalid_input.
  static Result<IbexCidr> parse(std::string_view text);
  bool contains(const asio::ip::address& addr) const;
};

}  // namespace mend
