#include "store/read_pool.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <cassert>

#include "common/log.hpp"

namespace mend {

ReadPool::ReadPool(OpenReader open_reader, size_t threads) : open_reader_(std::move(open_reader)) {
  assert(threads >= 1);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { work(); });
}

ReadPool::~ReadPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : threads_) t.join();
}

void ReadPool::submit(Job job) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back(std::move(job));
  }
  wake_.notify_one();
}

namespace {
constexpr int kReaderNice = 10;
}

void ReadPool::work() {
  // On Linux a thread id names one thread here, not the whole process.
  if (::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kReaderNice) != 0)
    spdlog::debug("reader thread: cannot lower its priority: errno {}", errno);
  std::unique_ptr<Store> reader;
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      // Jobs already submitted still run: each has someone waiting for its answer.
      if (jobs_.empty()) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (!reader) {
      auto opened = open_reader_();
      if (!opened.ok()) {
        job(opened.error());
        continue;
      }
      reader = std::move(*opened);
    }
    job(reader.get());
  }
}

}  // namespace mend
