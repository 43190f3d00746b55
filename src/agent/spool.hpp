#pragma once
// The agent's durable memory of dispatches, so each runs at most once across
// restarts and each result survives until the server acknowledges it.
//
//   <dir>/records                       dispatches recorded before their script
//                                       starts (record_journal.hpp): one
//                                       fdatasync per dispatch
//   <dir>/dispatches/<id>/assign.json   the same record, as agents before the
//                                       record journal kept it (still read)
//   <dir>/dispatches/<id>/script        the script file (executor writes it)
//   <dir>/dispatches/<id>/result.json   the final result, until acknowledged
//   <dir>/dispatches/<id>/lock          flock held by the script's supervisor
//   <dir>/dispatches/<id>/supervisor.pid
//   <dir>/done/<id>                     tombstone after the ack: status only
//
// Every file write is write-to-temp then rename, so a crash leaves either the
// old or the new file; results are also synced (file, directory, and the
// dispatch's directory in its parent) before they are sent. A dispatch's
// directory is made without a sync (its lock and script need not survive a
// machine crash); tombstones are not synced either (see mark_done). Per
// dispatch: one flush to record it, three for its result. Not thread-safe.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <vector>

#include "agent/dispatch_lock.hpp"
#include "agent/record_journal.hpp"
#include "common/result.hpp"
#include "proto/agent_messages.hpp"

namespace mend::agent {

inline constexpr const char* kLostMessage =
    "agent restarted while the script was running; outcome unknown";

inline constexpr const char* kSupervisorLostMessage =
    "the script's supervisor ended without a result; outcome unknown";

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

  // Creates the dispatch's directory and takes its lock (see dispatch_lock.hpp),
  // before record_assign, so the lock is held from the moment the dispatch is
  // recorded until its supervisor ends. No disk flush.
  Result<DispatchLock> lock_dispatch(int64_t id);
  // Durably records that this dispatch is about to run: one entry in the
  // record journal, one fdatasync.
  Result<void> record_assign(const proto::Assign& a);
  // Makes a record_assign that a crash interrupted before its sync durable.
  Result<void> sync_record(int64_t id);
  // Re-reads the records another process (the agent) wrote since open().
  Result<void> reload_records() { return journal_->reload(); }
  // Durably stores a final result (replacing any earlier one).
  Result<void> write_result(const proto::ResultMsg& r);
  Result<proto::ResultMsg> load_result(int64_t id) const;
  // The short form of an acknowledged result kept in the tombstone (no output).
  Result<proto::ResultMsg> load_tombstone(int64_t id) const;
  // After the server's ack: writes the tombstone (no sync: losing it in a
  // machine crash only makes the agent report the dispatch again, which the
  // server ignores), then deletes the result and script.
  Result<void> mark_done(int64_t id);

  // Under the dispatch's lock (so no supervisor can be starting it): the
  // spooled result, or else a spooled "lost" result with this message.
  Result<proto::ResultMsg> result_or_lost(int64_t id, const std::string& message);

  struct Recovery {
    std::vector<proto::ResultMsg> results;  // spooled, not yet acknowledged
    std::vector<int64_t> supervised;        // recorded, and a supervisor still runs them
  };
  // At start: every un-acknowledged result, after turning each dispatch that was
  // recorded but has no result and no live supervisor (it died with the machine,
  // or never started) into a "lost" result. Dispatches whose supervisor still
  // runs are listed for adoption. Also finishes a mark_done a crash interrupted.
  Result<Recovery> recover();
  // Deletes tombstones last written before now - max_age. Returns how many.
  size_t prune_tombstones(std::filesystem::file_time_type now, std::chrono::hours max_age);

 private:
  Spool(std::filesystem::path dir, RecordJournal journal)
      : dir_(std::move(dir)), journal_(std::make_shared<RecordJournal>(std::move(journal))) {}
  std::filesystem::path tombstone_path(int64_t id) const;
  static Result<void> sync_dir(const std::filesystem::path& dir);
  // Finished for good (a result or a tombstone): its record is no longer needed.
  bool settled(int64_t id) const;
  // The task of a recorded dispatch (0 when unknown).
  int64_t recorded_task(int64_t id) const;

  std::filesystem::path dir_;
  std::shared_ptr<RecordJournal> journal_;  // shared by copies of this Spool
};

// Writes data to path durably (temp file, fsync, rename, fsync of the directory).
Result<void> write_file_durably(const std::filesystem::path& path, std::string_view data,
                                int mode = 0600);

}  // namespace mend::agent
