#include "dispatch/report_batcher.hpp"

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

ReportBatcher::ReportBatcher(asio::any_io_executor ex, Engine& engine, size_t max_batch)
    : ex_(ex), engine_(engine), max_batch_(max_batch), queue_(std::make_shared<Queue>()) {}

void ReportBatcher::submit(AgentReport report, Done done) {
  queue_->reports.push_back(std::move(report));
  queue_->dones.push_back(std::move(done));
  if (queue_->posted) return;
  queue_->posted = true;
  asio::post(ex_, [q = queue_, &engine = engine_, max = max_batch_] { flush(engine, *q, max); });
}

void ReportBatcher::flush(Engine& engine, Queue& q, size_t max_batch) {
  q.posted = false;
  // Bounded batches: one transaction must not hold the thread for long.
  while (!q.reports.empty()) {
    size_t n = std::min(q.reports.size(), max_batch);
    std::vector<AgentReport> reports(std::make_move_iterator(q.reports.begin()),
                                     std::make_move_iterator(q.reports.begin() + n));
    std::vector<Done> dones(std::make_move_iterator(q.dones.begin()),
                            std::make_move_iterator(q.dones.begin() + n));
    q.reports.erase(q.reports.begin(), q.reports.begin() + n);
    q.dones.erase(q.dones.begin(), q.dones.begin() + n);
    auto outcomes = apply_guarded(engine, reports);
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
