#include "proto/ibex_rpc_codec.hpp"

#include "proto/ibex_rpc_msgpack.hpp"

namespace mend::ibex_rpc {

namespace {

using namespace detail;

Result<ReportTask> decode_report_task(const msgpack::object& o) {
  ReportTask t;
  MEND_TRY(read_struct(
      o, "ReportTasks entry", "ReportTask", [&](std::string_view key, const msgpack::object& v) -> Result<void> {
        if (field_is(key, "Id")) {
          MEND_ASSIGN_OR_RETURN(t.id, read_int(v, "ReportTask.Id"));
        } else if (field_is(key, "Clock")) {
          MEND_ASSIGN_OR_RETURN(t.clock, read_int(v, "ReportTask.Clock"));
        } else if (field_is(key, "Status")) {
          MEND_ASSIGN_OR_RETURN(t.status, read_string(v, "ReportTask.Status"));
        } else if (field_is(key, "Stdout")) {
          MEND_ASSIGN_OR_RETURN(t.stdout_text, read_string(v, "ReportTask.Stdout"));
        } else if (field_is(key, "Stderr")) {
          MEND_ASSIGN_OR_RETURN(t.stderr_text, read_string(v, "ReportTask.Stderr"));
        }
        return ok();
      }));
  return t;
}

Result<Call> decode_report(const msgpack::object& o) {
  ReportRequest r;
  MEND_TRY(read_struct(
      o, "Server.Report argument", "ReportRequest",
      [&](std::string_view key, const msgpack::object& v) -> Result<void> {
        if (field_is(key, "Ident")) {
          MEND_ASSIGN_OR_RETURN(r.ident, read_string(v, "ReportRequest.Ident"));
        } else if (field_is(key, "ReportTasks")) {
          r.tasks.clear();
          return for_each_element(v, "ReportTasks", [&](const msgpack::object& e) -> Result<void> {
            MEND_ASSIGN_OR_RETURN(ReportTask t, decode_report_task(e));
            r.tasks.push_back(std::move(t));
            return ok();
          });
        }
        return ok();
      }));
  return Call(std::move(r));
}

Result<Call> decode_call(std::string_view method, const msgpack::object& params) {
  if (method != kPingMethod && method != kReportMethod && method != kTaskMetaMethod)
    return make_error(ErrorCode::not_found, "rpc: can't find method " + std::string(method));
  // Go's codec wraps the single argument of a net/rpc method in an array.
  if (params.via.array.size < 1)
    return make_error(ErrorCode::invalid_input, std::string(method) + " without argument");
  const msgpack::object& arg = params.via.array.ptr[0];
  if (method == kPingMethod) {
    MEND_ASSIGN_OR_RETURN(std::string text, read_string(arg, "Server.Ping argument"));
    return Call(PingRequest{std::move(text)});
  }
  if (method == kReportMethod) return decode_report(arg);
  if (arg.type == msgpack::type::NIL)
    return make_error(ErrorCode::invalid_input, "Server.GetTaskMeta argument must be an integer");
  MEND_ASSIGN_OR_RETURN(int64_t id, read_int(arg, "Server.GetTaskMeta argument"));
  return Call(TaskMetaRequest{id});
}

void pack_reply_body(Packer& pk, const PingReply& r) { pack_string(pk, r.text); }

void pack_reply_body(Packer& pk, const ReportReply& r) {
  pk.pack_map(2);
  pack_field(pk, "Message", r.message);
  pack_string(pk, "AssignTasks");
  pack_slice(pk, r.assign_tasks, [&](const AssignTask& a) {
    pk.pack_map(3);
    pack_field(pk, "Id", a.id);
    pack_field(pk, "Clock", a.clock);
    pack_field(pk, "Action", a.action);
  });
}

void pack_reply_body(Packer& pk, const TaskMetaReply& r) {
  pk.pack_map(5);
  pack_field(pk, "Message", r.message);
  pack_field(pk, "Script", r.script);
  pack_field(pk, "Args", r.args);
  pack_field(pk, "Account", r.account);
  pack_field(pk, "Stdin", r.stdin_text);
}

}  // namespace

Result<DecodedRequest> decode_request(std::string_view frame) {
  MEND_ASSIGN_OR_RETURN(msgpack::object_handle oh, unpack_frame(frame));
  const msgpack::object& root = oh.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size != 4)
    return make_error(ErrorCode::invalid_input, "request must be an array of 4 elements");
  const msgpack::object* e = root.via.array.ptr;
  if (e[0].type != msgpack::type::POSITIVE_INTEGER || e[0].via.u64 != 0)
    return make_error(ErrorCode::invalid_input, "not a request (type must be 0)");
  DecodedRequest out;
  MEND_ASSIGN_OR_RETURN(out.msgid, read_msgid(e[1]));
  if (e[2].type != msgpack::type::STR && e[2].type != msgpack::type::BIN)
    return make_error(ErrorCode::invalid_input, "method must be a string");
  MEND_ASSIGN_OR_RETURN(out.method, read_string(e[2], "method"));
  if (e[3].type != msgpack::type::ARRAY)
    return make_error(ErrorCode::invalid_input, "params must be an array");
  out.call = decode_call(out.method, e[3]);
  return out;
}

std::string encode_reply(uint32_t msgid, const Reply& reply) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint32(1);
  pk.pack_uint32(msgid);
  pk.pack_nil();
  std::visit([&](const auto& r) { pack_reply_body(pk, r); }, reply);
  return std::string(buf.data(), buf.size());
}

std::string encode_error_reply(uint32_t msgid, std::string_view message) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint32(1);
  pk.pack_uint32(msgid);
  pack_string(pk, message);
  pk.pack_nil();
  return std::string(buf.data(), buf.size());
}

}  // namespace mend::ibex_rpc
