#include "store/postgres/connector.hpp"

#include <condition_variable>
#include <mutex>
#include <thread>

namespace mend::pg {

// Shared between the Connector and the attempt's thread, so either may go
// first: the thread's copy keeps it alive after the Connector is gone.
struct Connector::Attempt {
  std::mutex mutex;
  std::condition_variable finished;
  std::optional<Result<std::unique_ptr<Connection>>> outcome;
};

Connector::Connector(std::string conninfo, std::string where)
    : conninfo_(std::move(conninfo)), where_(std::move(where)) {}

Connector::~Connector() = default;

void Connector::start() {
  if (attempt_ != nullptr) return;
  auto attempt = std::make_shared<Attempt>();
  // Detached: a caller never waits for libpq longer than it chose, not even
  // in a destructor. The thread owns copies of what it reads.
  std::thread([attempt, conninfo = conninfo_, where = where_] {
    auto opened = Connection::open(conninfo, where);
    std::lock_guard lock(attempt->mutex);
    attempt->outcome.emplace(std::move(opened));
    attempt->finished.notify_all();
  }).detach();
  attempt_ = std::move(attempt);
}

std::optional<Result<std::unique_ptr<Connection>>> Connector::take(std::chrono::milliseconds wait) {
  if (attempt_ == nullptr) return std::nullopt;
  std::unique_lock lock(attempt_->mutex);
  if (!attempt_->finished.wait_for(lock, wait, [&] { return attempt_->outcome.has_value(); })) {
    return std::nullopt;
  }
  auto outcome = std::move(attempt_->outcome);
  lock.unlock();
  attempt_.reset();
  return outcome;
}

Error still_connecting(const std::string& where) {
  return make_error(ErrorCode::unavailable, "still connecting to PostgreSQL " + where);
}

}  // namespace mend::pg
