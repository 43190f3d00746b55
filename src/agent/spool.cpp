#include "agent/spool.hpp"

#include "agent/dispatch_lock.hpp"
#include "agent/file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace mend::agent {

namespace fs = std::filesystem;

namespace {

Result<std::string> read_file(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) return make_error(ErrorCode::not_found, "cannot read " + p.string());
  std::ostringstream s;
  s << f.rdbuf();
  return s.str();
}

// Makes dir (one level) unless it exists; no sync.
Result<void> make_dir(const fs::path& dir) {
  if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return io_error("mkdir", dir, errno);
  return ok();
}

Result<proto::ResultMsg> decode_result(const std::string& text, const fs::path& p) {
  auto m = proto::decode(text);
  if (!m || !std::holds_alternative<proto::ResultMsg>(*m)) {
    return make_error(ErrorCode::internal, "corrupt result file " + p.string());
  }
  return std::get<proto::ResultMsg>(std::move(*m));
}

bool parse_id(const std::string& name, int64_t& id) {
  if (name.empty() || name.size() > 19) return false;
  for (char c : name)
    if (c < '0' || c > '9') return false;
  id = std::stoll(name);
  return true;
}

}  // namespace

namespace {

// Temp file, rename: a crash of the process leaves the old or the new file.
// With sync, also fsync before the rename and of the directory after it, so
// a crash of the machine does too.
Result<void> replace_file(const fs::path& path, std::string_view data, int mode, bool sync) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) return io_error("create", tmp, errno);
  if (auto w = write_all(fd, data, tmp); !w) {
    ::close(fd);
    return w;
  }
  if (sync && ::fsync(fd) != 0) {
    int err = errno;
    ::close(fd);
    return io_error("fsync", tmp, err);
  }
  ::close(fd);
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("rename", tmp, errno);
  return sync ? fsync_dir(path.parent_path()) : ok();
}

}  // namespace

Result<void> write_file_durably(const fs::path& path, std::string_view data, int mode) {
  return replace_file(path, data, mode, true);
}

Result<Spool> Spool::open(const fs::path& dir) {
  std::error_code ec;
  fs::path abs = fs::absolute(dir, ec);
  if (ec) return make_error(ErrorCode::unavailable, "spool " + dir.string() + ": " + ec.message());
  for (const fs::path& p : {abs, abs / "dispatches", abs / "done"}) {
    fs::create_directories(p, ec);
    if (ec) return make_error(ErrorCode::unavailable, "spool " + p.string() + ": " + ec.message());
  }
  MEND_ASSIGN_OR_RETURN(auto journal, RecordJournal::open(abs / "records"));
  return Spool(abs, std::move(journal));
}

fs::path Spool::dispatch_dir(int64_t id) const { return dir_ / "dispatches" / std::to_string(id); }
fs::path Spool::script_path(int64_t id) const { return dispatch_dir(id) / "script"; }
fs::path Spool::tombstone_path(int64_t id) const { return dir_ / "done" / std::to_string(id); }

DispatchState Spool::state(int64_t id) const {
  std::error_code ec;
  if (fs::exists(tombstone_path(id), ec)) return DispatchState::done;
  fs::path d = dispatch_dir(id);
  if (fs::exists(d / "result.json", ec)) return DispatchState::has_result;
  if (journal_->contains(id) || fs::exists(d / "assign.json", ec)) return DispatchState::recorded;
  return DispatchState::unknown;
}

bool Spool::settled(int64_t id) const {
  std::error_code ec;
  return fs::exists(tombstone_path(id), ec) || fs::exists(dispatch_dir(id) / "result.json", ec);
}

int64_t Spool::recorded_task(int64_t id) const {
  if (auto t = journal_->task_of(id)) return *t;
  // Recorded by an agent before the journal: the assignment file.
  fs::path p = dispatch_dir(id) / "assign.json";
  if (auto text = read_file(p)) {
    auto m = proto::decode(*text);
    if (m && std::holds_alternative<proto::Assign>(*m)) return std::get<proto::Assign>(*m).task_id;
  }
  return 0;
}

Result<void> Spool::sync_record(int64_t id) {
  MEND_TRY(journal_->sync());
  std::error_code ec;
  if (fs::exists(dispatch_dir(id) / "assign.json", ec)) return sync_dir(dispatch_dir(id));
  return ok();
}

Result<void> Spool::sync_dir(const fs::path& dir) { return fsync_dir(dir); }

Result<DispatchLock> Spool::lock_dispatch(int64_t id) {
  MEND_TRY(make_dir(dispatch_dir(id)));
  return DispatchLock::acquire(dispatch_dir(id));
}

Result<void> Spool::record_assign(const proto::Assign& a) {
  return journal_->append(a.dispatch_id, a.task_id, [this](int64_t id) { return !settled(id); });
}

Result<void> Spool::write_result(const proto::ResultMsg& r) {
  const fs::path d = dispatch_dir(r.dispatch_id);
  MEND_TRY(make_dir(d));
  MEND_TRY(write_file_durably(d / "result.json", proto::encode(r)));
  // The directory itself was made without a sync (lock_dispatch).
  return fsync_dir(d.parent_path());
}

Result<proto::ResultMsg> Spool::load_result(int64_t id) const {
  fs::path p = dispatch_dir(id) / "result.json";
  MEND_ASSIGN_OR_RETURN(std::string text, read_file(p));
  return decode_result(text, p);
}

Result<proto::ResultMsg> Spool::load_tombstone(int64_t id) const {
  fs::path p = tombstone_path(id);
  MEND_ASSIGN_OR_RETURN(std::string text, read_file(p));
  return decode_result(text, p);
}

Result<void> Spool::mark_done(int64_t id) {
  proto::ResultMsg stone;
  stone.dispatch_id = id;
  if (auto r = load_result(id)) {
    stone.task_id = r->task_id;
    stone.status = r->status;
    stone.exit_code = r->exit_code;
    stone.message = r->message;
  }  // else: an unreadable result leaves the outcome unknown, lost (the default)
  // Tombstone first: a crash before the delete leaves both, which recover() tidies.
  // Not synced (two disk flushes per dispatch saved, off the next dispatch's
  // way): a machine crash that loses it leaves the synced result, re-sent and
  // acknowledged again, or only the record, reported "lost"; the server
  // ignores either for a dispatch it has finished.
  MEND_TRY(replace_file(tombstone_path(id), proto::encode(stone), 0600, false));
  std::error_code ec;
  fs::remove_all(dispatch_dir(id), ec);
  if (ec) return make_error(ErrorCode::unavailable, "remove " + dispatch_dir(id).string() + ": " + ec.message());
  return ok();
}

Result<proto::ResultMsg> Spool::result_or_lost(int64_t id, const std::string& message) {
  // A machine crash may have lost the directory (made without a sync) but
  // not the durable record: the lock file needs it back.
  MEND_TRY(make_dir(dispatch_dir(id)));
  MEND_ASSIGN_OR_RETURN(auto held, DispatchLock::acquire(dispatch_dir(id)));
  if (state(id) == DispatchState::has_result) {
    if (auto r = load_result(id)) return *r;
  }
  proto::ResultMsg lost;
  lost.dispatch_id = id;
  lost.task_id = recorded_task(id);
  lost.status = proto::RunOutcome::lost;
  lost.message = message;
  lost.stderr_text = message;
  MEND_TRY(write_result(lost));
  return lost;
}

Result<Spool::Recovery> Spool::recover() {
  Recovery recovery;
  auto& pending = recovery.results;
  std::error_code scan_ec;
  std::error_code ec;  // removals are best effort: a leftover is tidied next start
  // Every dispatch with a directory, and every recorded one (a machine crash
  // may have lost the directory of a durable record).
  std::vector<int64_t> ids = journal_->dispatch_ids();
  for (const auto& entry : fs::directory_iterator(dir_ / "dispatches", scan_ec)) {
    int64_t id = 0;
    if (entry.is_directory() && parse_id(entry.path().filename().string(), id) && !journal_->contains(id))
      ids.push_back(id);
  }
  if (scan_ec) return make_error(ErrorCode::unavailable, "spool scan: " + scan_ec.message());
  for (int64_t id : ids) {
    const fs::path dir = dispatch_dir(id);
    switch (state(id)) {
      case DispatchState::done:
        fs::remove_all(dir, ec);
        break;
      case DispatchState::has_result: {
        auto r = load_result(id);
        if (r) pending.push_back(std::move(*r));
        break;
      }
      case DispatchState::recorded: {
        if (supervisor_alive(dir)) {
          recovery.supervised.push_back(id);
          break;
        }
        MEND_ASSIGN_OR_RETURN(auto r, result_or_lost(id, kLostMessage));
        recovery.results.push_back(std::move(r));
        break;
      }
      case DispatchState::unknown:
        // A directory without record or result: a crash before record_assign,
        // before the script could start. Nothing ran; forget it.
        fs::remove_all(dir, ec);
        break;
    }
  }
  // Only dispatches still running need their record now; the others have a
  // result or a tombstone. Done at every start, so tombstones pruned later
  // never leave a record behind that would read as "recorded, no result".
  if (journal_->used() > 0) {
    MEND_TRY(journal_->compact([this](int64_t id) { return !settled(id); }));
  }
  return recovery;
}

size_t Spool::prune_tombstones(fs::file_time_type now, std::chrono::hours max_age) {
  size_t pruned = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir_ / "done", ec)) {
    auto t = fs::last_write_time(entry.path(), ec);
    if (ec) continue;
    if (now - t > max_age && fs::remove(entry.path(), ec)) ++pruned;
  }
  return pruned;
}

}  // namespace mend::agent
