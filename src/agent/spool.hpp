#pragma once
// The agent's durable memory of dispatches, so each runs at most once across
// restarts and each result survives until the server acknowledges it.
//
//   <dir>/dispatches/<id>/assign.json   recorded before the script starts
//   <dir>/dispatches/<id>/script        the script file (executor writes it)
//   <dir>/dispatches/<id>/result.json   the final result, until acknowledged
//   <dir>/done/<id>                     tombstone after the ack: status only
//
// Every write is write-to-temp, fsync, rename, fsync of the directory, so a
// crash leaves either the old or the new file. Not thread-safe.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <vector>

#include "common/result.hpp"
#include "proto/agent_messages.hpp"

namespace mend::agent {

inline constexpr const char* kLostMessage =
    "agent restarted while the script was running; outcome unknown";

enum class DispatchState {
  unknown,     // never seen: may run
  recorded,    // assign recorded, no result: running now, or lost in a crash
  has_result,  // result spooled, not yet acknowledged
  done,        // acknowledged; only a tombstone is left
};

class Spool {
 public:
  // Creates the directories when missing. Errors: unavailable when they cannot be made.
  static Result<Spool> open(const std::filesystem::path& dir);

  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path dispatch_dir(int64_t id) const;
  std::filesystem::path script_path(int64_t id) const;

  DispatchState state(int64_t id) const;

  // Durably records that this dispatch is about to run.
  Result<void> record_assign(const proto::Assign& a);
  // Durably stores a final result (replacing any earlier one).
  Result<void> write_result(const proto::ResultMsg& r);
  Result<proto::ResultMsg> load_result(int64_t id) const;
  // The short form of an acknowledged result kept in the tombstone (no output).
  Result<proto::ResultMsg> load_tombstone(int64_t id) const;
  // After the server's ack: writes the tombstone, then deletes the result and script.
  Result<void> mark_done(int64_t id);

  // At start: every un-acknowledged result, after turning each dispatch that was
  // recorded but has no result (the agent died while it ran) into a "lost"
  // result. Also finishes a mark_done that a crash interrupted.
  Result<std::vector<proto::ResultMsg>> recover();
  // Deletes tombstones last written before now - max_age. Returns how many.
  size_t prune_tombstones(std::filesystem::file_time_type now, std::chrono::hours max_age);

 private:
  explicit Spool(std::filesystem::path dir) : dir_(std::move(dir)) {}
  std::filesystem::path tombstone_path(int64_t id) const;

  std::filesystem::path dir_;
};

// Writes data to path durably (temp file, fsync, rename, fsync of the directory).
Result<void> write_file_durably(const std::filesystem::path& path, std::string_view data,
                                int mode = 0600);

}  // namespace mend::agent
