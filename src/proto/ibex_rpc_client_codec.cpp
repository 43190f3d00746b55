#include "proto/ibex_rpc_client_codec.hpp"

#include "proto/ibex_rpc_msgpack.hpp"

namespace mend::ibex_rpc {

namespace {

using namespace detail;

void pack_call(Packer& pk, const PingRequest& r) { pack_string(pk, r.text); }

void pack_call(Packer& pk, const ReportRequest& r) {
  pk.pack_map(2);
  pack_field(pk, "Ident", r.ident);
  pack_string(pk, "ReportTasks");
  pack_slice(pk, r.tasks, [&](const ReportTask& t) {
    pk.pack_map(5);
    pack_field(pk, "Id", t.id);
    pack_field(pk, "Clock", t.clock);
    pack_field(pk, "Status", t.status);
    pack_field(pk, "Stdout", t.stdout_text);
    pack_field(pk, "Stderr", t.stderr_text);
  });
}

void pack_call(Packer& pk, const TaskMetaRequest& r) { pack_int(pk, r.task_id); }

const char* method_of(const Call& call) {
  switch (call.index()) {
    case 0:
      return kPingMethod;
    case 1:
      return kReportMethod;
    default:
      return kTaskMetaMethod;
  }
}

Result<AssignTask> decode_assign_task(const msgpack::object& o) {
  AssignTask a;
  MEND_TRY(read_struct(
      o, "AssignTask", "AssignTask", [&](std::string_view key, const msgpack::object& v) -> Result<void> {
        if (field_is(key, "Id")) {
          MEND_ASSIGN_OR_RETURN(a.id, read_int(v, "AssignTask.Id"));
        } else if (field_is(key, "Clock")) {
          MEND_ASSIGN_OR_RETURN(a.clock, read_int(v, "AssignTask.Clock"));
        } else if (field_is(key, "Action")) {
          MEND_ASSIGN_OR_RETURN(a.action, read_string(v, "AssignTask.Action"));
        }
        return ok();
      }));
  return a;
}

Result<Reply> decode_report_reply(const msgpack::object& o) {
  ReportReply r;
  MEND_TRY(read_struct(
      o, "ReportResponse", "ReportResponse", [&](std::string_view key, const msgpack::object& v) -> Result<void> {
        if (field_is(key, "Message")) {
          MEND_ASSIGN_OR_RETURN(r.message, read_string(v, "Message"));
        } else if (field_is(key, "AssignTasks")) {
          return for_each_element(v, "AssignTasks", [&](const msgpack::object& e) -> Result<void> {
            MEND_ASSIGN_OR_RETURN(AssignTask a, decode_assign_task(e));
            r.assign_tasks.push_back(std::move(a));
            return ok();
          });
        }
        return ok();
      }));
  return Reply(std::move(r));
}

Result<Reply> decode_task_meta_reply(const msgpack::object& o) {
  TaskMetaReply r;
  MEND_TRY(read_struct(o, "TaskMetaResponse", "TaskMetaResponse",
                       [&](std::string_view key, const msgpack::object& v) -> Result<void> {
                         std::string* field = field_is(key, "Message")   ? &r.message
                                              : field_is(key, "Script")  ? &r.script
                                              : field_is(key, "Args")    ? &r.args
                                              : field_is(key, "Account") ? &r.account
                                              : field_is(key, "Stdin")   ? &r.stdin_text
                                                                         : nullptr;
                         if (field) {
                           MEND_ASSIGN_OR_RETURN(*field, read_string(v, key));
                         }
                         return ok();
                       }));
  return Reply(std::move(r));
}

}  // namespace

std::string encode_request(uint32_t msgid, const Call& call) {
  msgpack::sbuffer buf;
  Packer pk(buf);
  pk.pack_array(4);
  pk.pack_uint32(0);
  pk.pack_uint32(msgid);
  pack_string(pk, method_of(call));
  pk.pack_array(1);
  std::visit([&](const auto& c) { pack_call(pk, c); }, call);
  return std::string(buf.data(), buf.size());
}

Result<DecodedResponse> decode_response(std::string_view frame, ReplyKind kind) {
  MEND_ASSIGN_OR_RETURN(msgpack::object_handle oh, unpack_frame(frame));
  const msgpack::object& root = oh.get();
  if (root.type != msgpack::type::ARRAY || root.via.array.size != 4)
    return make_error(ErrorCode::invalid_input, "response must be an array of 4 elements");
  const msgpack::object* e = root.via.array.ptr;
  if (e[0].type != msgpack::type::POSITIVE_INTEGER || e[0].via.u64 != 1)
    return make_error(ErrorCode::invalid_input, "not a response (type must be 1)");
  DecodedResponse out;
  MEND_ASSIGN_OR_RETURN(out.msgid, read_msgid(e[1]));
  MEND_ASSIGN_OR_RETURN(out.error, read_string(e[2], "error"));
  if (!out.error.empty()) return out;
  switch (kind) {
    case ReplyKind::ping: {
      MEND_ASSIGN_OR_RETURN(std::string text, read_string(e[3], "Server.Ping result"));
      out.reply = PingReply{std::move(text)};
      break;
    }
    case ReplyKind::report: {
      MEND_ASSIGN_OR_RETURN(out.reply, decode_report_reply(e[3]));
      break;
    }
    case ReplyKind::task_meta: {
      MEND_ASSIGN_OR_RETURN(out.reply, decode_task_meta_reply(e[3]));
      break;
    }
  }
  return out;
}

}  // namespace mend::ibex_rpc
