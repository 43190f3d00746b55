#include "proto/agent_messages.hpp"

#include <nlohmann/json.hpp>

#include "common/overloaded.hpp"

namespace mend::proto {

using nlohmann::json;

namespace {

json to_json(const Message& m) {
  return std::visit(
      overloaded{
          [](const Hello& h) {
            json j{{"type", "hello"}, {"ident", h.ident}, {"token", h.token},
                   {"agent_version", h.agent_version}, {"protocol", h.protocol}};
            if (!h.labels.empty()) j["labels"] = h.labels;
            return j;
          },
          [](const Welcome& w) { return json{{"type", "welcome"}, {"server_version", w.server_version}}; },
          [](const Refused& r) { return json{{"type", "refused"}, {"reason", r.reason}}; },
          [](const Assign& a) {
            json env = json::object();
            for (auto& [k, v] : a.env) env[k] = v;
            return json{{"env", env}, {"type", "assign"},   {"dispatch_id", a.dispatch_id}, {"task_id", a.task_id},
                        {"host", a.host},     {"script", a.script},           {"args", a.args},
                        {"account", a.account}, {"stdin", a.stdin_text},      {"timeout", a.timeout_s}};
          },
          [](const Kill& k) { return json{{"type", "kill"}, {"dispatch_id", k.dispatch_id}, {"task_id", k.task_id}}; },
          [](const Started& s) { return json{{"type", "started"}, {"dispatch_id", s.dispatch_id}}; },
          [](const Output& o) {
            return json{{"type", "output"}, {"dispatch_id", o.dispatch_id}, {"stdout", o.stdout_text},
                        {"stderr", o.stderr_text}};
          },
          [](const ResultMsg& r) {
            return json{{"type", "result"},          {"dispatch_id", r.dispatch_id},
                        {"task_id", r.task_id},      {"status", to_string(r.status)},
                        {"exit_code", r.exit_code},  {"stdout", r.stdout_text},
                        {"stderr", r.stderr_text},   {"stdout_dropped", r.stdout_dropped},
                        {"stderr_dropped", r.stderr_dropped}, {"message", r.message}};
          },
          [](const Ack& a) { return json{{"type", "ack"}, {"dispatch_id", a.dispatch_id}}; },
      },
      m);
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

std::string encode(const Message& m) {
  return to_json(m).dump(-1, ' ', false, json::error_handler_t::replace);
}

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
