#pragma once
// The newest output of each running dispatch, as its agent sends it, kept in
// memory: watchers (the console's output stream) see a line as soon as it
// arrives, while the database gets each dispatch's output at most once per
// `write_every` (an agent may send several times a second).
//
// Threading: everything on the server's one io_context thread.
// Lifetime: stop() before the engine goes; wake callbacks must unsubscribe
// before what they capture goes away.
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "common/asio.hpp"
#include "engine/engine.hpp"
#include "proto/agent_messages.hpp"

namespace mend {

class LiveOutput {
 public:
  LiveOutput(asio::any_io_executor ex, Engine& engine,
             std::chrono::milliseconds write_every = std::chrono::milliseconds(1000));
  ~LiveOutput();

  // An agent's live output. Watchers are woken at once; the database write
  // happens now if the last one for this dispatch is older than write_every,
  // otherwise at the next flush (the engine checks that the dispatch belongs
  // to `from_host`).
  void update(const std::string& from_host, const proto::Output& output);
  // The dispatch's result arrived (it carries the whole text): forget it.
  void finish(int64_t dispatch_id);

  struct Text {
    std::string host;
    std::string stdout_text;
    std::string stderr_text;
    uint64_t version = 0;  // grows with every update of any dispatch
  };
  // The live text of `dispatch_id` if its agent, named `host`, sent some.
  const Text* find(int64_t dispatch_id, const std::string& host) const;

  // `wake` runs after every update; returns an id for unsubscribe.
  uint64_t subscribe(std::function<void()> wake);
  void unsubscribe(uint64_t id);

  // The periodic flush of pending writes; stop() writes what is pending and ends it.
  void start();
  void stop();

 private:
  struct Entry {
    Text text;
    std::chrono::steady_clock::time_point written{};
    bool dirty = false;
  };
  void write(int64_t dispatch_id, Entry& e);
  void flush();

  asio::any_io_executor ex_;
  Engine& engine_;
  std::chrono::milliseconds write_every_;
  std::map<int64_t, Entry> entries_;
  std::map<uint64_t, std::function<void()>> watchers_;
  uint64_t next_watcher_ = 1;
  uint64_t version_ = 0;
  std::shared_ptr<asio::steady_timer> timer_;
  // Shared with the flush loop, which may resume after this object is gone.
  std::shared_ptr<bool> stopped_ = std::make_shared<bool>(false);
};

}  // namespace mend
