#pragma once
// The durable list of dispatches this agent has recorded: once a dispatch is
// in it, it may have started, so it never runs again (at most once, across
// agent crashes and machine crashes).
//
// One file, <spool>/records: fixed 32-byte entries (dispatch id, task id, a
// checksum) in blocks that were written with zeros and synced ahead of time.
// Recording a dispatch is one pwrite into such a block and one fdatasync: no
// new file, no new directory entry, no metadata to commit, so one flush of
// the disk instead of the three a file per dispatch costs (file, its
// directory, the directory's parent). That flush is the only disk wait on
// the way from an assignment to its script.
//
// Written by the agent only (one process, one thread). A supervisor reads it
// (reload()) only when the agent died while handing it a dispatch. When every
// block is used, append() first rewrites the file with only the entries that
// still matter (compact), which costs a few flushes once per `capacity`
// dispatches. Not thread-safe.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "common/result.hpp"

namespace mend::agent {

class RecordJournal {
 public:
  // Entries per file when it is made or compacted (128 KiB).
  static constexpr size_t kDefaultCapacity = 4096;

  // Opens path, creating it (zero-filled, synced) when missing.
  // Errors: unavailable when it cannot be created, read or synced.
  static Result<RecordJournal> open(const std::filesystem::path& path, size_t capacity = kDefaultCapacity);

  RecordJournal(RecordJournal&& o) noexcept;
  RecordJournal& operator=(RecordJournal&& o) noexcept;
  RecordJournal(const RecordJournal&) = delete;
  RecordJournal& operator=(const RecordJournal&) = delete;
  ~RecordJournal();

  bool contains(int64_t dispatch_id) const { return entries_.count(dispatch_id) != 0; }
  std::optional<int64_t> task_of(int64_t dispatch_id) const;
  std::vector<int64_t> dispatch_ids() const;

  // Durable on return (pwrite + fdatasync). When the file is full, first
  // compacts it, keeping the entries still_needed says yes to.
  // Errors: unavailable on any write or sync failure (the entry may then be
  // on disk or not: the caller must treat the dispatch as recorded or lost,
  // never run it).
  Result<void> append(int64_t dispatch_id, int64_t task_id,
                      const std::function<bool(int64_t)>& still_needed);
  // Rewrites the file with only the entries keep() says yes to (temp file,
  // fsync, rename, fsync of the directory).
  Result<void> compact(const std::function<bool(int64_t)>& keep);
  // Re-reads the file (another process may have appended or compacted it).
  Result<void> reload();
  // fdatasync: makes an append a crash interrupted before its sync durable.
  Result<void> sync();

  size_t capacity() const { return capacity_; }
  size_t used() const { return next_slot_; }

 private:
  RecordJournal(std::filesystem::path path, int fd, size_t block)
      : path_(std::move(path)), fd_(fd), block_(block) {}
  Result<void> read_all();

  std::filesystem::path path_;
  int fd_ = -1;
  size_t block_ = kDefaultCapacity;  // slots of a fresh file
  size_t capacity_ = 0;   // slots in the file
  size_t next_slot_ = 0;  // first slot never written
  std::map<int64_t, int64_t> entries_;  // dispatch id -> task id
};

}  // namespace mend::agent
