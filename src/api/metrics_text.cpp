#include "api/metrics_text.hpp"

#include <charconv>
#include <cmath>
#include <map>

namespace mend {

std::string prometheus_number(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  // Fixed notation reads better ("0.0005", not "5e-04") and stays short in
  // the range metrics live in; very large or tiny values use the general form.
  double a = std::fabs(v);
  auto fmt = (a == 0 || (a >= 1e-9 && a < 1e15)) ? std::chars_format::fixed : std::chars_format::general;
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v, fmt);
  return std::string(buf, end);
}

namespace {

// Label values escape backslash, quote and newline.
std::string label_value(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name, uint64_t v) {
  out += name;
  out += ' ';
  out += std::to_string(v);
  out += '\n';
}

void counter(std::string& out, const char* name, const char* help, uint64_t v) {
  header(out, name, "counter", help);
  sample(out, name, v);
}

void labelled_gauge(std::string& out, const char* name, const char* label, const char* help,
                    const std::vector<std::pair<std::string, int64_t>>& values) {
  header(out, name, "gauge", help);
  for (const auto& [k, v] : values)
    out += std::string(name) + "{" + label + "=\"" + label_value(k) + "\"} " + std::to_string(v) + "\n";
}

void labelled_counter(std::string& out, const char* name, const char* label, const char* help,
                      const std::map<std::string, uint64_t>& values) {
  header(out, name, "counter", help);
  for (const auto& [k, v] : values)
    out += std::string(name) + "{" + label + "=\"" + label_value(k) + "\"} " + std::to_string(v) + "\n";
}

}  // namespace

std::string render_metrics(const EngineMetrics& m, const StoreCounts& counts, size_t agents_connected) {
  std::string out;
  labelled_gauge(out, "mend_tasks", "state", "Tasks by state.", counts.tasks_by_state);
  labelled_gauge(out, "mend_hosts", "status", "Task hosts by status.", counts.hosts_by_status);
  header(out, "mend_agents_connected", "gauge", "Agents connected to this server.");
  sample(out, "mend_agents_connected", agents_connected);
  counter(out, "mend_tasks_created_total", "Tasks created.", m.tasks_created);
  counter(out, "mend_dispatches_total", "Dispatches committed.", m.dispatches);
  counter(out, "mend_kills_total", "Kills sent to agents.", m.kills_sent);
  header(out, "mend_results_total", "counter", "Agent results by outcome.");
  sample(out, "mend_results_total{outcome=\"applied\"}", m.results_applied);
  sample(out, "mend_results_total{outcome=\"duplicate\"}", m.results_duplicate);
  sample(out, "mend_results_total{outcome=\"stale\"}", m.results_stale);
  counter(out, "mend_host_timeouts_total", "Hosts marked timeout.", m.host_timeouts);
  counter(out, "mend_kills_unanswered_total", "Killing hosts marked killfailed: no answer within the kill deadline.",
          m.kills_unanswered);
  counter(out, "mend_stale_tasks_cancelled_total", "Tasks cancelled after two weeks without an action.",
          m.stale_tasks_cancelled);

  counter(out, "mend_leases_taken_total", "Task leases this server took (new, reclaimed or taken over).",
          m.leases_taken);
  counter(out, "mend_leases_lost_total", "Task leases this server lost to another.", m.leases_lost);
  labelled_counter(out, "mend_repair_findings_total", "kind", "Broken invariants found by the repair loop.",
                   m.repair_findings);
  labelled_counter(out, "mend_repairs_applied_total", "kind", "Broken invariants repaired.", m.repairs_applied);

  const LatencyHistogram& h = m.dispatch_to_start;
  const char* name = "mend_dispatch_to_start_seconds";
  header(out, name, "histogram", "Time from dispatch commit to the agent's start report.");
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    cumulative += h.buckets[i];
    std::string le = i < LatencyHistogram::kBounds.size() ? prometheus_number(LatencyHistogram::kBounds[i]) : "+Inf";
    out += std::string(name) + "_bucket{le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  out += std::string(name) + "_sum " + prometheus_number(h.sum_seconds) + "\n";
  out += std::string(name) + "_count " + std::to_string(h.count) + "\n";
  return out;
}

std::string peer_metrics_text(const PeerDispatchRelay::Counters& c) {
  std::string out;
  out += "# HELP mend_peer_notifications_total Notifications of dispatches heard from other servers on the database.\n";
  out += "# TYPE mend_peer_notifications_total counter\n";
  out += "mend_peer_notifications_total " + std::to_string(c.notifications) + "\n";
  out += "# HELP mend_peer_messages_total Assignments and kills other servers committed, sent to agents here, "
         "by how they were found.\n";
  out += "# TYPE mend_peer_messages_total counter\n";
  out += "mend_peer_messages_total{via=\"notification\"} " + std::to_string(c.relayed) + "\n";
  out += "mend_peer_messages_total{via=\"check\"} " + std::to_string(c.caught_up) + "\n";
  out += "# HELP mend_peer_feed_connects_total Connections of the notification listener to the database.\n";
  out += "# TYPE mend_peer_feed_connects_total counter\n";
  out += "mend_peer_feed_connects_total " + std::to_string(c.feed_connects) + "\n";
  return out;
}

std::string edge_metrics_text(const EdgeMetrics& m) {
  const std::pair<const char*, const EdgeCounters*> listeners[] = {
      {"http", &m.http}, {"agent_ws", &m.agent_ws}, {"ibex_rpc", &m.ibex_rpc}};
  std::string out =
      "# HELP mend_connections_refused_total Connections closed at accept: over the total cap, over the cap of "
      "unauthenticated connections per source address, or from a source not allowed.\n"
      "# TYPE mend_connections_refused_total counter\n";
  for (const auto& [name, c] : listeners) {
    if (c == &m.agent_ws) continue;  // agents connect through the http listener
    out += std::string("mend_connections_refused_total{listener=\"") + name + "\",reason=\"total\"} " +
           std::to_string(c->refused_total) + "\n";
    out += std::string("mend_connections_refused_total{listener=\"") + name + "\",reason=\"per_source\"} " +
           std::to_string(c->refused_per_source) + "\n";
    if (c == &m.ibex_rpc)
      out += std::string("mend_connections_refused_total{listener=\"") + name + "\",reason=\"allow_list\"} " +
             std::to_string(c->refused_allow_list) + "\n";
  }
  out +=
      "# HELP mend_preauth_oversize_frames_total Requests, hellos and frames over the limit for a peer not yet "
      "authenticated; the connection was closed.\n"
      "# TYPE mend_preauth_oversize_frames_total counter\n";
  for (const auto& [name, c] : listeners)
    out += std::string("mend_preauth_oversize_frames_total{listener=\"") + name + "\"} " +
           std::to_string(c->oversize_preauth) + "\n";
  return out;
}

}  // namespace mend
