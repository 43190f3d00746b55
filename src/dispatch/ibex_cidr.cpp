#include "dispatch/ibex_cidr.hpp"

#include <charconv>
#include <string>

namespace mend {

namespace {

asio::ip::address unmapped(const asio::ip::address& a) {
  if (a.is_v6() && a.to_v6().is_v4_mapped())
    return asio::ip::make_address_v4(asio::ip::v4_mapped, a.to_v6());
  return a;
}

template <class Bytes>
bool prefix_equal(const Bytes& a, const Bytes& b, int prefix) {
  for (size_t i = 0; i < a.size() && prefix > 0; ++i, prefix -= 8) {
    unsigned mask = prefix >= 8 ? 0xffu : (0xffu << (8 - prefix)) & 0xffu;
    if ((a[i] & mask) != (b[i] & mask)) return false;
  }
  return true;
}

}  // namespace

Result<IbexCidr> IbexCidr::parse(std::string_view text) {
  auto bad = [&](const char* why) {
    return make_error(ErrorCode::invalid_input, "bad network '" + std::string(text) + "': " + why);
  };
  std::string_view addr_text = text;
  std::string_view prefix_text;
  if (auto slash = text.find('/'); slash != std::string_view::npos) {
    addr_text = text.substr(0, slash);
    prefix_text = text.substr(slash + 1);
    if (prefix_text.empty()) return bad("missing prefix length after '/'");
  }
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(std::string(addr_text), ec);
  if (ec) return bad("not an IPv4 or IPv6 address");
  addr = unmapped(addr);
  int max = addr.is_v4() ? 32 : 128;
  int prefix = max;
  if (!prefix_text.empty()) {
    auto [end, err] =
        std::from_chars(prefix_text.data(), prefix_text.data() + prefix_text.size(), prefix);
    if (err != std::errc() || end != prefix_text.data() + prefix_text.size() || prefix < 0 ||
        prefix > max)
      return bad(addr.is_v4() ? "prefix length must be 0 to 32" : "prefix length must be 0 to 128");
  }
  return IbexCidr{addr, prefix};
}

bool IbexCidr::contains(const asio::ip::address& addr) const {
  auto a = unmapped(addr);
  if (a.is_v4() != network.is_v4()) return false;
  if (a.is_v4()) return prefix_equal(a.to_v4().to_bytes(), network.to_v4().to_bytes(), prefix);
  return prefix_equal(a.to_v6().to_bytes(), network.to_v6().to_bytes(), prefix);
}

}  // namespace mend
