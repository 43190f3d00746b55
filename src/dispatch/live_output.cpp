#include "dispatch/live_output.hpp"

#include "common/log.hpp"

namespace mend {

LiveOutput::LiveOutput(asio::any_io_executor ex, Engine& engine,
                       std::chrono::milliseconds write_every)
    : ex_(std::move(ex)), engine_(engine), write_every_(write_every) {}

LiveOutput::~LiveOutput() { stop(); }

void LiveOutput::write(int64_t dispatch_id, Entry& e) {
  auto r = engine_.apply_output(e.text.host,
                                proto::Output{dispatch_id, e.text.stdout_text, e.text.stderr_text});
  if (!r.ok())
    spdlog::debug("agent {}: output of dispatch {} not recorded: {}", e.text.host, dispatch_id,
                  r.error().message);
  e.written = std::chrono::steady_clock::now();
  e.dirty = false;
}

void LiveOutput::update(const std::string& from_host, const proto::Output& output) {
  Entry& e = entries_[output.dispatch_id];
  // A dispatch's output comes from its own agent only; a different sender is
  // refused by the engine and must not replace what watchers see.
  if (!e.text.host.empty() && e.text.host != from_host) return;
  e.text.host = from_host;
  e.text.stdout_text = output.stdout_text;
  e.text.stderr_text = output.stderr_text;
  e.text.version = ++version_;
  if (*stopped_ || std::chrono::steady_clock::now() - e.written >= write_every_)
    write(output.dispatch_id, e);
  else
    e.dirty = true;
  // Copied: a watcher may unsubscribe while woken.
  auto watchers = watchers_;
  for (auto& [id, wake] : watchers) wake();
}

void LiveOutput::finish(int64_t dispatch_id) { entries_.erase(dispatch_id); }

const LiveOutput::Text* LiveOutput::find(int64_t dispatch_id, const std::string& host) const {
  auto it = entries_.find(dispatch_id);
  if (it == entries_.end() || it->second.text.host != host) return nullptr;
  return &it->second.text;
}

uint64_t LiveOutput::subscribe(std::function<void()> wake) {
  uint64_t id = next_watcher_++;
  watchers_[id] = std::move(wake);
  return id;
}

void LiveOutput::unsubscribe(uint64_t id) { watchers_.erase(id); }

void LiveOutput::flush() {
  for (auto& [id, e] : entries_)
    if (e.dirty) write(id, e);
}

void LiveOutput::start() {
  if (timer_) return;
  timer_ = std::make_shared<asio::steady_timer>(ex_);
  asio::co_spawn(
      ex_,
      [this, timer = timer_, stopped = stopped_, every = write_every_]() -> awaitable<void> {
        boost::system::error_code ec;
        while (!*stopped) {
          timer->expires_after(every);
          co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
          if (*stopped) break;
          flush();
        }
      },
      asio::detached);
}

void LiveOutput::stop() {
  if (*stopped_) return;
  *stopped_ = true;
  if (timer_) timer_->cancel();
  flush();
}

}  // namespace mend
