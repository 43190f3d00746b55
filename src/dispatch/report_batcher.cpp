#include "dispatch/report_batcher.hpp"

#include <algorithm>
#include <iterator>

#include "common/log.hpp"

namespace mend {

namespace {

// A flush runs as a plain Asio handler: an exception escaping it would end
// io_context::run() and the server. The sessions' frame handler caught these
// when reports were applied inline; the batch now answers them as internal
// errors (nothing acknowledged, the agents re-send).
Result<std::vector<Result<ResultOutcome>>> apply_guarded(Engine& engine,
                                                         const std::vector<AgentReport>& reports) {
  try {
    return engine.apply_reports(reports);
  } catch (const std::exception& e) {
    spdlog::error("applying {} agent reports failed: {}", reports.size(), e.what());
    return make_error(ErrorCode::internal,
                      std::string("applying agent reports failed: ") + e.what());
  }
}

}  // namespace

namespace {

size_t output_bytes(const AgentReport& report) {
  auto* r = std::get_if<proto::ResultMsg>(&report.message);
  return r == nullptr ? 0 : r->stdout_text.size() + r->stderr_text.size();
}

}  // namespace

ReportBatcher::ReportBatcher(asio::any_io_executor ex, Engine& engine, Options options)
    : ex_(ex), engine_(engine), options_(options), queue_(std::make_shared<Queue>(ex)) {}

void ReportBatcher::submit(AgentReport report, Done done) {
  queue_->reports.push_back(std::move(report));
  queue_->dones.push_back(std::move(done));
  if (queue_->posted) return;
  queue_->posted = true;
  asio::post(ex_, [q = queue_, &engine = engine_, options = options_] { flush(engine, q, options); });
}

void ReportBatcher::drain() {
  Queue& q = *queue_;
  q.draining = true;
  q.retry_timer.cancel();
  q.reports.insert(q.reports.begin(), std::make_move_iterator(q.held_reports.begin()),
                   std::make_move_iterator(q.held_reports.end()));
  q.dones.insert(q.dones.begin(), std::make_move_iterator(q.held_dones.begin()),
                 std::make_move_iterator(q.held_dones.end()));
  q.held_reports.clear();
  q.held_dones.clear();
  q.held_bytes = 0;
  flush(engine_, queue_, options_);
}

bool ReportBatcher::hold(const std::shared_ptr<Queue>& q, std::vector<AgentReport>& reports,
                         std::vector<Done>& dones, Engine& engine, const Options& options) {
  if (q->draining) return false;
  size_t bytes = 0;
  for (const auto& r : reports) bytes += output_bytes(r);
  if (q->held_reports.size() + reports.size() > options.max_held_reports ||
      q->held_bytes + bytes > options.max_held_bytes) {
    return false;
  }
  std::move(reports.begin(), reports.end(), std::back_inserter(q->held_reports));
  std::move(dones.begin(), dones.end(), std::back_inserter(q->held_dones));
  q->held_bytes += bytes;
  if (q->retry_armed) return true;
  q->retry_armed = true;
  q->retry_delay = q->retry_delay.count() == 0 ? options.retry_min : std::min(q->retry_delay * 2, options.retry_max);
  q->retry_timer.expires_after(q->retry_delay);
  q->retry_timer.async_wait([q, &engine, options](const boost::system::error_code& ec) {
    q->retry_armed = false;
    if (ec) return;  // the server is stopping
    // Held reports go first: they arrived before anything queued since.
    q->reports.insert(q->reports.begin(), std::make_move_iterator(q->held_reports.begin()),
                      std::make_move_iterator(q->held_reports.end()));
    q->dones.insert(q->dones.begin(), std::make_move_iterator(q->held_dones.begin()),
                    std::make_move_iterator(q->held_dones.end()));
    q->held_reports.clear();
    q->held_dones.clear();
    q->held_bytes = 0;
    flush(engine, q, options);
  });
  return true;
}

void ReportBatcher::flush(Engine& engine, const std::shared_ptr<Queue>& q, const Options& options) {
  q->posted = false;
  // Bounded batches: one transaction must not hold the thread for long.
  while (!q->reports.empty()) {
    size_t n = std::min(q->reports.size(), options.max_batch);
    std::vector<AgentReport> reports(std::make_move_iterator(q->reports.begin()),
                                     std::make_move_iterator(q->reports.begin() + n));
    std::vector<Done> dones(std::make_move_iterator(q->dones.begin()),
                            std::make_move_iterator(q->dones.begin() + n));
    q->reports.erase(q->reports.begin(), q->reports.begin() + n);
    q->dones.erase(q->dones.begin(), q->dones.begin() + n);
    auto outcomes = apply_guarded(engine, reports);
    if (!outcomes.ok() && outcomes.error().code == ErrorCode::unavailable) {
      if (hold(q, reports, dones, engine, options)) continue;
    } else if (outcomes.ok()) {
      q->retry_delay = std::chrono::milliseconds(0);
    }
    for (size_t i = 0; i < n; ++i) {
      try {
        if (!outcomes.ok())
          dones[i](outcomes.error());
        else
          dones[i]((*outcomes)[i]);
      } catch (const std::exception& e) {
        spdlog::error("answering an agent report failed: {}", e.what());
      }
    }
  }
}

}  // namespace mend
