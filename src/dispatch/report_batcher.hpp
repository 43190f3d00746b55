#pragma once
// Group commit for agent reports. Starts and results that arrive while the
// server's thread is busy are applied in one transaction (one fsync for all of
// them) instead of one each: with SQLite's synchronous=FULL a commit costs a
// disk flush, and at one commit per report ten thousand hosts reporting at
// once queue behind twenty thousand flushes.
//
// submit() queues a report; the first submit after a flush posts one flush to
// the executor. The flush runs after the reads already completed, so a lone
// report is applied at once and a burst is gathered into one batch.
//
// Threading: single-threaded, on the server's io_context thread. Callbacks
// run on it after the commit (or its failure); the engine must outlive the
// io_context.
#include <functional>
#include <memory>
#include <vector>

#include "common/asio.hpp"
#include "engine/engine.hpp"

namespace mend {

class ReportBatcher {
 public:
  using Done = std::function<void(const Result<ResultOutcome>&)>;

  ReportBatcher(asio::any_io_executor ex, Engine& engine, size_t max_batch = 2000);

  // Queues `report`; `done` gets its own outcome after the batch's commit.
  void submit(AgentReport report, Done done);

 private:
  struct Queue {
    std::vector<AgentReport> reports;
    std::vector<Done> dones;
    bool posted = false;
  };
  static void flush(Engine& engine, Queue& q, size_t max_batch);

  asio::any_io_executor ex_;
  Engine& engine_;
  size_t max_batch_;
  std::shared_ptr<Queue> queue_;  // shared with a posted flush
};

}  // namespace mend
