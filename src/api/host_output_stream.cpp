#include "api/host_output_stream.hpp"

#include <nlohmann/json.hpp>

#include "api/envelope.hpp"
#include "api/task_reads.hpp"

namespace mend {

namespace {

bool running(HostStatus s) {
  return s == HostStatus::waiting || s == HostStatus::running || s == HostStatus::killing;
}

// What to send for one stream: the new tail, the whole text again, or nothing.
void diff_into(nlohmann::json& ev, const char* name, const std::string& sent,
               const std::string& now) {
  if (now == sent) return;
  if (now.size() > sent.size() && now.compare(0, sent.size(), sent) == 0)
    ev[std::string(name) + "_append"] = now.substr(sent.size());
  else
    ev[std::string(name) + "_reset"] = now;
}

class HostOutputStream : public ResponseStream {
 public:
  HostOutputStream(ApiContext& ctx, int64_t task_id, std::string host)
      : ctx_(ctx), task_id_(task_id), host_(std::move(host)) {}
  ~HostOutputStream() override {
    if (ctx_.live && watcher_) ctx_.live->unsubscribe(watcher_);
  }

  void on_wake(std::function<void()> wake) override {
    if (!ctx_.live) return;
    if (watcher_) ctx_.live->unsubscribe(watcher_);
    watcher_ = ctx_.live->subscribe(std::move(wake));
  }

  std::optional<std::string> next() override {
    if (ended_) return std::nullopt;
    auto run = read_task_host(ctx_.store, task_id_, host_);
    if (!run.ok()) {
      ended_ = true;
      nlohmann::json ev{{"error", run.error().message}, {"end", true}};
      return "data: " + dump_json(ev) + "\n\n";
    }
    std::string out = run->stdout_text;
    std::string err = run->stderr_text;
    bool live_run = running(run->status);
    if (live_run && ctx_.live)
      if (const auto* t = ctx_.live->find(run->dispatch_id, host_)) {
        out = t->stdout_text;
        err = t->stderr_text;
      }
    nlohmann::json ev = nlohmann::json::object();
    if (run->dispatch_id != dispatch_id_) {
      // A redo starts over: the client replaces what it shows.
      sent_out_.clear();
      sent_err_.clear();
      ev["stdout_reset"] = out;
      ev["stderr_reset"] = err;
    } else {
      diff_into(ev, "stdout", sent_out_, out);
      diff_into(ev, "stderr", sent_err_, err);
    }
    std::string status(to_string(run->status));
    if (ev.empty() && status == status_ && live_run) return std::string();
    dispatch_id_ = run->dispatch_id;
    sent_out_ = std::move(out);
    sent_err_ = std::move(err);
    status_ = status;
    ev["status"] = status;
    ev["dispatch_id"] = dispatch_id_;
    if (!live_run) {
      ev["end"] = true;
      ended_ = true;
    }
    return "data: " + dump_json(ev) + "\n\n";
  }

 private:
  ApiContext& ctx_;
  int64_t task_id_;
  std::string host_;
  uint64_t watcher_ = 0;
  int64_t dispatch_id_ = -1;
  std::string sent_out_, sent_err_, status_;
  bool ended_ = false;
};

}  // namespace

std::shared_ptr<ResponseStream> host_output_stream(ApiContext& ctx, int64_t task_id,
                                                   std::string host) {
  return std::make_shared<HostOutputStream>(ctx, task_id, std::move(host));
}

}  // namespace mend
