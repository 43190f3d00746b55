#include "proto/ibex_rpc_msgpack.hpp"

#include <limits>

#include "proto/ibex_rpc_frame_splitter.hpp"

namespace mend::ibex_rpc::detail {

void pack_string(Packer& pk, std::string_view s) {
  auto n = static_cast<uint32_t>(s.size());
  pk.pack_v4raw(n);
  pk.pack_v4raw_body(s.data(), n);
}

void pack_int(Packer& pk, int64_t v) {
  // ugorji's EncodeInt: positive values beyond a fixint keep a signed form.
  if (v > std::numeric_limits<int8_t>::max()) {
    if (v <= std::numeric_limits<int16_t>::max()) {
      pk.pack_fix_int16(static_cast<int16_t>(v));
    } else if (v <= std::numeric_limits<int32_t>::max()) {
      pk.pack_fix_int32(static_cast<int32_t>(v));
    } else {
      pk.pack_fix_int64(v);
    }
    return;
  }
  pk.pack_int64(v);  // fixint, or the smallest negative form, as Go writes them
}

Result<msgpack::object_handle> unpack_frame(std::string_view frame) {
  // The splitter already bounded sizes and depth; these limits repeat that for
  // callers that hand in a frame from elsewhere.
  msgpack::unpack_limit limit(frame.size(), frame.size(), frame.size(), frame.size(), frame.size(),
                              FrameSplitter::kMaxDepth);
  try {
    std::size_t off = 0;
    msgpack::object_handle oh =
        msgpack::unpack(frame.data(), frame.size(), off, nullptr, nullptr, limit);
    if (off != frame.size())
      return make_error(ErrorCode::invalid_input, "trailing bytes after the frame");
    return oh;
  } catch (const msgpack::insufficient_bytes&) {
    return make_error(ErrorCode::invalid_input, "truncated frame");
  } catch (const std::exception& e) {
    return make_error(ErrorCode::invalid_input, std::string("malformed frame: ") + e.what());
  }
}

Result<std::string> read_string(const msgpack::object& o, std::string_view what) {
  switch (o.type) {
    case msgpack::type::STR:
      return std::string(o.via.str.ptr, o.via.str.size);
    case msgpack::type::BIN:
      return std::string(o.via.bin.ptr, o.via.bin.size);
    case msgpack::type::NIL:
      return std::string();
    default:
      return make_error(ErrorCode::invalid_input, std::string(what) + " must be a string");
  }
}

Result<int64_t> read_int(const msgpack::object& o, std::string_view what) {
  switch (o.type) {
    case msgpack::type::POSITIVE_INTEGER:
      if (o.via.u64 > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        return make_error(ErrorCode::invalid_input, std::string(what) + " is out of range");
      return static_cast<int64_t>(o.via.u64);
    case msgpack::type::NEGATIVE_INTEGER:
      return o.via.i64;
    case msgpack::type::NIL:
      return int64_t{0};
    default:
      return make_error(ErrorCode::invalid_input, std::string(what) + " must be an integer");
  }
}

Result<uint32_t> read_msgid(const msgpack::object& o) {
  if (o.type != msgpack::type::POSITIVE_INTEGER || o.via.u64 > std::numeric_limits<uint32_t>::max())
    return make_error(ErrorCode::invalid_input, "msgid must be an unsigned 32-bit integer");
  return static_cast<uint32_t>(o.via.u64);
}

Result<void> for_each_field(const msgpack::object& o, std::string_view what, const FieldFn& fn) {
  if (o.type == msgpack::type::NIL) return ok();
  if (o.type != msgpack::type::MAP)
    return make_error(ErrorCode::invalid_input, std::string(what) + " must be a map");
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const msgpack::object_kv& kv = o.via.map.ptr[i];
    std::string_view key;
    if (kv.key.type == msgpack::type::STR)
      key = std::string_view(kv.key.via.str.ptr, kv.key.via.str.size);
    else if (kv.key.type == msgpack::type::BIN)
      key = std::string_view(kv.key.via.bin.ptr, kv.key.via.bin.size);
    else
      return make_error(ErrorCode::invalid_input,
                        std::string(what) + " has a key that is not a string");
    MEND_TRY(fn(key, kv.val));
  }
  return ok();
}

Result<void> read_struct(const msgpack::object& o, std::string_view what, std::string_view type,
                         const FieldFn& fn) {
  if (o.type != msgpack::type::MAP)
    return make_error(ErrorCode::invalid_input, std::string(what) + " must be a map");
  return for_each_field(o, type, fn);
}

Result<void> for_each_element(const msgpack::object& o, std::string_view what,
                              const std::function<Result<void>(const msgpack::object&)>& fn) {
  if (o.type == msgpack::type::NIL) return ok();
  if (o.type != msgpack::type::ARRAY)
    return make_error(ErrorCode::invalid_input, std::string(what) + " must be an array");
  for (uint32_t i = 0; i < o.via.array.size; ++i) MEND_TRY(fn(o.via.array.ptr[i]));
  return ok();
}

bool field_is(std::string_view key, std::string_view name) {
  if (key.size() != name.size()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    char a = key[i], b = name[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (b >= 'A' && b <= 'Z') b = static_cast<char>(b - 'A' + 'a');
    if (a != b) return false;
  }
  return true;
}

}  // namespace mend::ibex_rpc::detail
