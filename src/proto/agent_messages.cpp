#include "proto/agent_messages.hpp"

#include <nlohmann/json.hpp>

#include "common/overloaded.hpp"
#include "proto/json_writer.hpp"

namespace mend::proto {

using nlohmann::json;

namespace {

// Written field by field (proto/json_writer.hpp): an Assign goes out for
// every host and an Ack for every result.
std::string to_text(const Message& m) {
  std::string out;
  JsonObjectWriter w(out);
  std::visit(
      overloaded{
          [&](const Hello& h) {
            w.field("type", "hello").field("ident", h.ident).field("token", h.token);
            w.field("agent_version", h.agent_version).field("protocol", h.protocol);
            if (!h.labels.empty()) w.object("labels", h.labels);
          },
          [&](const Welcome& x) { w.field("type", "welcome").field("server_version", x.server_version); },
          [&](const Refused& r) { w.field("type", "refused").field("reason", r.reason); },
          [&](const Assign& a) {
            w.field("type", "assign").field("dispatch_id", a.dispatch_id).field("task_id", a.task_id);
            w.field("host", a.host).field("script", a.script).field("args", a.args).field("account", a.account);
            w.field("stdin", a.stdin_text).field("timeout", a.timeout_s).object("env", a.env);
          },
          [&](const Kill& k) { w.field("type", "kill").field("dispatch_id", k.dispatch_id).field("task_id", k.task_id); },
          [&](const Started& x) { w.field("type", "started").field("dispatch_id", x.dispatch_id); },
          [&](const Output& o) {
            w.field("type", "output").field("dispatch_id", o.dispatch_id);
            w.field("stdout", o.stdout_text).field("stderr", o.stderr_text);
          },
          [&](const ResultMsg& r) {
            w.field("type", "result").field("dispatch_id", r.dispatch_id).field("task_id", r.task_id);
            w.field("status", to_string(r.status)).field("exit_code", r.exit_code);
            w.field("stdout", r.stdout_text).field("stderr", r.stderr_text);
            w.field("stdout_dropped", r.stdout_dropped).field("stderr_dropped", r.stderr_dropped);
            w.field("message", r.message);
          },
          [&](const Ack& x) { w.field("type", "ack").field("dispatch_id", x.dispatch_id); },
      },
      m);
  w.close();
  return out;
}

// Typed field readers that report, rather than throw, on a wrong type.
struct Reader {
  const json& j;
  std::string error;

  std::string str(const char* key, bool required = true) {
    auto it = j.find(key);
    if (it == j.end()) {
      if (required && error.empty()) error = std::string("missing field '") + key + "'";
      return {};
    }
    if (!it->is_string()) {
      if (error.empty()) error = std::string("field '") + key + "' must be a string";
      return {};
    }
    return it->get<std::string>();
  }
  int64_t num(const char* key, bool required = true, int64_t dflt = 0) {
    auto it = j.find(key);
    if (it == j.end()) {
      if (required && error.empty()) error = std::string("missing field '") + key + "'";
      return dflt;
    }
    if (!it->is_number_integer()) {
      if (error.empty()) error = std::string("field '") + key + "' must be an integer";
      return dflt;
    }
    return it->get<int64_t>();
  }
};

}  // namespace

std::string encode(const Message& m) { return to_text(m); }

Result<Message> decode(std::string_view frame) {
  json j = json::parse(frame, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return make_error(ErrorCode::invalid_input, "frame is not valid JSON");
  if (!j.is_object()) return make_error(ErrorCode::invalid_input, "frame must be a JSON object");
  Reader r{j, {}};
  std::string type = r.str("type");
  if (!r.error.empty()) return make_error(ErrorCode::invalid_input, r.error);

  Message out;
  if (type == "hello") {
    Hello h;
    h.ident = r.str("ident");
    h.token = r.str("token", false);
    h.agent_version = r.str("agent_version", false);
    h.protocol = static_cast<int>(r.num("protocol", false, kProtocolVersion));
    if (auto it = j.find("labels"); it != j.end()) {
      if (!it->is_object()) return make_error(ErrorCode::invalid_input, "hello: field 'labels' must be an object");
      for (auto& [k, v] : it->items()) {
        if (!v.is_string()) return make_error(ErrorCode::invalid_input, "hello: label values must be strings");
        h.labels[k] = v.get<std::string>();
      }
    }
    out = h;
  } else if (type == "welcome") {
    out = Welcome{r.str("server_version", false)};
  } else if (type == "refused") {
    out = Refused{r.str("reason", false)};
  } else if (type == "assign") {
    Assign a;
    a.dispatch_id = r.num("dispatch_id");
    a.task_id = r.num("task_id");
    a.host = r.str("host");
    a.script = r.str("script");
    a.args = r.str("args", false);
    a.account = r.str("account");
    a.stdin_text = r.str("stdin", false);
    a.timeout_s = static_cast<int>(r.num("timeout", false, 30));
    if (auto it = j.find("env"); it != j.end()) {
      if (!it->is_object()) return make_error(ErrorCode::invalid_input, "assign: field 'env' must be an object");
      for (auto& [k, v] : it->items()) {
        if (!v.is_string()) return make_error(ErrorCode::invalid_input, "assign: env values must be strings");
        a.env.emplace_back(k, v.get<std::string>());
      }
    }
    out = a;
  } else if (type == "kill") {
    out = Kill{r.num("dispatch_id"), r.num("task_id", false)};
  } else if (type == "started") {
    out = Started{r.num("dispatch_id")};
  } else if (type == "output") {
    Output o;
    o.dispatch_id = r.num("dispatch_id");
    o.stdout_text = r.str("stdout", false);
    o.stderr_text = r.str("stderr", false);
    out = o;
  } else if (type == "result") {
    ResultMsg m;
    m.dispatch_id = r.num("dispatch_id");
    m.task_id = r.num("task_id", false);
    std::string status = r.str("status");
    auto outcome = parse_run_outcome(status);
    if (!outcome && r.error.empty())
      return make_error(ErrorCode::invalid_input, "result: status '" + status + "' is not one an agent may report");
    if (outcome) m.status = *outcome;
    m.exit_code = static_cast<int>(r.num("exit_code", false, -1));
    m.stdout_text = r.str("stdout", false);
    m.stderr_text = r.str("stderr", false);
    m.stdout_dropped = r.num("stdout_dropped", false);
    m.stderr_dropped = r.num("stderr_dropped", false);
    m.message = r.str("message", false);
    out = m;
  } else if (type == "ack") {
    out = Ack{r.num("dispatch_id")};
  } else {
    return make_error(ErrorCode::invalid_input, "unknown message type '" + type + "'");
  }
  if (!r.error.empty()) return make_error(ErrorCode::invalid_input, type + ": " + r.error);
  return out;
}

}  // namespace mend::proto
