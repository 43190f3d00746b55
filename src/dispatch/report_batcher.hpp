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
// While the database is unavailable (PostgreSQL restarting, failing over) a
// batch cannot commit. Its reports are held and tried again, 100 ms after the
// failure and then at doubling intervals up to 2 s, so they commit as soon as
// the database is back instead of at the agents' next re-send (every 5 s);
// their callbacks run then. The agents keep re-sending meanwhile (a repeat is
// a duplicate, acknowledged again), so reports held beyond the bounds below
// are answered with the failure, as before, and nothing depends on holding.
//
// Threading: single-threaded, on the server's io_context thread. Callbacks
// run on it after the commit (or its failure); the engine must outlive the
// io_context.
#include <chrono>
#include <functional>
#include <memory>
#include <vector>

#include "common/asio.hpp"
#include "engine/engine.hpp"

namespace mend {

class ReportBatcher {
 public:
  using Done = std::function<void(const Result<ResultOutcome>&)>;

  struct Options {
    size_t max_batch = 2000;
    std::chrono::milliseconds retry_min{100};
    std::chrono::milliseconds retry_max{2000};
    size_t max_held_reports = 20000;
    size_t max_held_bytes = 64 << 20;  // of script output
  };

  ReportBatcher(asio::any_io_executor ex, Engine& engine, Options options);
  ReportBatcher(asio::any_io_executor ex, Engine& engine) : ReportBatcher(ex, engine, Options{}) {}

  // Queues `report`; `done` gets its own outcome after the batch's commit.
  void submit(AgentReport report, Done done);

  // Queues `reports` together (so they share a batch, up to max_batch) and
  // completes, posted to the batcher's executor, with each report's outcome in
  // order once all are committed or have failed. For callers that must not
  // answer before their reports are durable, e.g. as a coroutine:
  //   auto outcomes = co_await batcher.async_submit(std::move(reports), asio::use_awaitable);
  template <class Token>
  auto async_submit(std::vector<AgentReport> reports, Token&& token) {
    using Outcomes = std::vector<Result<ResultOutcome>>;
    return asio::async_initiate<Token, void(Outcomes)>(
        [this](auto handler, std::vector<AgentReport> reports) {
          using Handler = decltype(handler);
          struct Waiting {
            Handler done;
            Outcomes outcomes;
            size_t left;
          };
          const size_t n = reports.size();
          auto w = std::make_shared<Waiting>(
              Waiting{std::move(handler), Outcomes(n, Error{ErrorCode::internal, "not answered"}), n});
          auto answer = [w] { std::move(w->done)(std::move(w->outcomes)); };
          if (n == 0) return asio::post(ex_, answer);
          for (size_t i = 0; i < n; ++i)
            submit(std::move(reports[i]), [w, i, answer, ex = ex_](const Result<ResultOutcome>& outcome) {
              w->outcomes[i] = outcome;
              // Posted: the flush that calls this goes on answering the others.
              if (--w->left == 0) asio::post(ex, answer);
            });
        },
        token, std::move(reports));
  }

  // At shutdown: applies what is queued and held now, once, and answers each
  // report with its outcome (a failure too: nothing is held any longer, the
  // agents keep their results and send them again to the next server).
  void drain();

  // Reports held for a retry now.
  size_t held() const { return queue_->held_reports.size(); }

 private:
  struct Queue {
    explicit Queue(asio::any_io_executor ex) : retry_timer(ex) {}
    std::vector<AgentReport> reports;
    std::vector<Done> dones;
    bool posted = false;
    // Batches the database could not take, oldest first.
    std::vector<AgentReport> held_reports;
    std::vector<Done> held_dones;
    size_t held_bytes = 0;
    asio::steady_timer retry_timer;
    bool retry_armed = false;
    bool draining = false;  // drain(): failures are answered, not held
    std::chrono::milliseconds retry_delay{0};
  };
  static void flush(Engine& engine, const std::shared_ptr<Queue>& q, const Options& options);
  // Keeps a batch that failed as unavailable for a retry; false when the
  // bounds leave no room (its callbacks are then answered with the failure).
  static bool hold(const std::shared_ptr<Queue>& q, std::vector<AgentReport>& reports, std::vector<Done>& dones,
                   Engine& engine, const Options& options);

  asio::any_io_executor ex_;
  Engine& engine_;
  Options options_;
  std::shared_ptr<Queue> queue_;  // shared with a posted flush and the retry timer
};

}  // namespace mend
