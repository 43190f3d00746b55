#pragma once
// msgpack-cxx helpers shared by the Ibex RPC codecs (server and client side).
// Internal to src/proto: the rest of Mend never sees msgpack types.
//
// Writing follows the Go codec Ibex uses (ugorji/go, MsgpackHandle defaults):
// strings in the old raw form (fixraw/raw16/raw32, never str8), signed
// integers above 127 as int16/int32/int64, unsigned ones in the smallest form.
// Reading accepts every string and binary form, nil for a zero value, and any
// integer form that fits.
#include <cstdint>
#include <functional>
#include <msgpack.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.hpp"

namespace mend::ibex_rpc::detail {

using Packer = msgpack::packer<msgpack::sbuffer>;

void pack_string(Packer& pk, std::string_view s);
void pack_int(Packer& pk, int64_t v);

// One field of a Go struct (written as a map): its name, then its value.
inline void pack_field(Packer& pk, std::string_view name, std::string_view value) {
  pack_string(pk, name);
  pack_string(pk, value);
}
inline void pack_field(Packer& pk, std::string_view name, int64_t value) {
  pack_string(pk, name);
  pack_int(pk, value);
}

// A Go slice: nil when empty, as Go writes a nil slice (and Ibex's frames
// have it), else an array of pack_one(item) for each item.
template <class T, class PackOne>
void pack_slice(Packer& pk, const std::vector<T>& items, PackOne pack_one) {
  if (items.empty()) {
    pk.pack_nil();
    return;
  }
  pk.pack_array(static_cast<uint32_t>(items.size()));
  for (const T& item : items) pack_one(item);
}

// Parses one complete frame. Never throws.
Result<msgpack::object_handle> unpack_frame(std::string_view frame);

// `what` names the value in error messages.
Result<std::string> read_string(const msgpack::object& o, std::string_view what);
Result<int64_t> read_int(const msgpack::object& o, std::string_view what);
Result<uint32_t> read_msgid(const msgpack::object& o);

using FieldFn = std::function<Result<void>(std::string_view key, const msgpack::object& value)>;

// Calls fn(key, value) for each entry of a map (nil counts as empty). Keys
// must be strings; fn sees them as written.
Result<void> for_each_field(const msgpack::object& o, std::string_view what, const FieldFn& fn);

// A Go struct that must be there: anything but a map, nil included, is
// refused as "<what> must be a map"; then for_each_field, naming `type`.
Result<void> read_struct(const msgpack::object& o, std::string_view what, std::string_view type,
                         const FieldFn& fn);

// A Go slice: nil is empty, anything but an array is refused as "<what> must
// be an array"; calls fn(element) for each element in order.
Result<void> for_each_element(const msgpack::object& o, std::string_view what,
                              const std::function<Result<void>(const msgpack::object&)>& fn);

// Go's decoder matches field names case-insensitively as a fallback; so do we.
bool field_is(std::string_view key, std::string_view name);

}  // namespace mend::ibex_rpc::detail
