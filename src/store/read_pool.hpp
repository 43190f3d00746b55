#pragma once
// Threads that run read-only work on their own database connections, so a
// long read (a 10,000-host task's outputs, a page of the task list) never
// holds the thread that commits reports and sends dispatches. The one writer
// stays single: these connections only ever run Store::read().
//
// Each thread opens its reader the first time it has a job; when that fails
// the job gets the error (and may answer 503) and the next job tries again.
// SQLite readers see the last committed WAL snapshot; on PostgreSQL each is
// one more connection, which reconnects on its own as PgStore does.
//
// The threads run at a lower CPU priority (nice +10 each, Linux's per-thread
// nice): when the machine is busy, the kernel gives the writer thread the
// core first, so a burst of reads slows other reads, not dispatches.
//
// Threading: submit() from any thread; a job runs on one of the pool's
// threads and must touch nothing but its reader and what it owns.
// Lifetime: the destructor runs the jobs already submitted, then joins.
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/result.hpp"
#include "store/store.hpp"

namespace mend {

class ReadPool {
 public:
  using OpenReader = std::function<Result<std::unique_ptr<Store>>()>;
  // The reader of this job's thread, or why it could not be opened.
  using Job = std::function<void(Result<Store*> reader)>;

  // `threads` >= 1. open_reader is called on the pool's threads.
  ReadPool(OpenReader open_reader, size_t threads);
  ~ReadPool();
  ReadPool(const ReadPool&) = delete;
  ReadPool& operator=(const ReadPool&) = delete;

  void submit(Job job);
  size_t threads() const { return threads_.size(); }

 private:
  void work();
  OpenReader open_reader_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace mend
