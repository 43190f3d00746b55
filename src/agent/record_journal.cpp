#include "agent/record_journal.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <string>

#include "agent/file_io.hpp"
#include "common/failpoint.hpp"

namespace mend::agent {

namespace fs = std::filesystem;

namespace {

constexpr uint32_t kMagic = 0x3143524d;  // "MRC1"

struct Entry {
  uint32_t magic = 0;
  uint32_t reserved = 0;
  int64_t dispatch_id = 0;
  int64_t task_id = 0;
  uint64_t check = 0;
};
static_assert(sizeof(Entry) == 32, "entries are 32 bytes: a torn write of one stays inside a sector");

uint64_t checksum(const Entry& e) {
  // FNV-1a over everything before the checksum: a torn or stale slot fails it.
  const auto* p = reinterpret_cast<const unsigned char*>(&e);
  uint64_t h = 1469598103934665603ull;
  for (size_t i = 0; i < offsetof(Entry, check); ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}

Entry make_entry(int64_t dispatch_id, int64_t task_id) {
  Entry e;
  e.magic = kMagic;
  e.dispatch_id = dispatch_id;
  e.task_id = task_id;
  e.check = checksum(e);
  return e;
}

bool all_zero(const Entry& e) {
  static const Entry zero{};
  return std::memcmp(&e, &zero, sizeof e) == 0;
}

Result<void> pwrite_all(int fd, const void* data, size_t size, off_t offset, const fs::path& p) {
  const char* c = static_cast<const char*>(data);
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::pwrite(fd, c + done, size - done, offset + static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("write", p, errno);
    done += static_cast<size_t>(n);
  }
  return ok();
}

// A new journal file at path holding `entries` then zeros up to `capacity`
// slots, durable before it replaces whatever was there.
Result<void> write_fresh(const fs::path& path, const std::map<int64_t, int64_t>& entries, size_t capacity) {
  fs::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error("create", tmp, errno);
  std::vector<Entry> slots(capacity);
  size_t i = 0;
  for (const auto& [id, task] : entries) slots[i++] = make_entry(id, task);
  auto w = pwrite_all(fd, slots.data(), slots.size() * sizeof(Entry), 0, tmp);
  if (w && ::fsync(fd) != 0) w = io_error("fsync", tmp, errno);
  ::close(fd);
  if (!w) return w;
  if (::rename(tmp.c_str(), path.c_str()) != 0) return io_error("rename", tmp, errno);
  return fsync_dir(path.parent_path());
}

}  // namespace

Result<RecordJournal> RecordJournal::open(const fs::path& path, size_t capacity) {
  std::error_code ec;
  if (!fs::exists(path, ec)) MEND_TRY(write_fresh(path, {}, capacity));
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return io_error("open", path, errno);
  RecordJournal j(path, fd, capacity);
  MEND_TRY(j.read_all());
  return j;
}

RecordJournal::RecordJournal(RecordJournal&& o) noexcept
    : path_(std::move(o.path_)),
      fd_(o.fd_),
      block_(o.block_),
      capacity_(o.capacity_),
      next_slot_(o.next_slot_),
      entries_(std::move(o.entries_)) {
  o.fd_ = -1;
}

RecordJournal& RecordJournal::operator=(RecordJournal&& o) noexcept {
  if (this != &o) {
    if (fd_ >= 0) ::close(fd_);
    path_ = std::move(o.path_);
    fd_ = o.fd_;
    block_ = o.block_;
    capacity_ = o.capacity_;
    next_slot_ = o.next_slot_;
    entries_ = std::move(o.entries_);
    o.fd_ = -1;
  }
  return *this;
}

RecordJournal::~RecordJournal() {
  if (fd_ >= 0) ::close(fd_);
}

Result<void> RecordJournal::read_all() {
  entries_.clear();
  next_slot_ = 0;
  off_t size = ::lseek(fd_, 0, SEEK_END);
  if (size < 0) return io_error("seek", path_, errno);
  std::vector<Entry> slots(static_cast<size_t>(size) / sizeof(Entry));
  size_t done = 0;
  char* buf = reinterpret_cast<char*>(slots.data());
  const size_t want = slots.size() * sizeof(Entry);
  while (done < want) {
    ssize_t n = ::pread(fd_, buf + done, want - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return io_error("read", path_, errno);
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  slots.resize(done / sizeof(Entry));
  capacity_ = slots.size();
  for (size_t i = 0; i < slots.size(); ++i) {
    const Entry& e = slots[i];
    if (all_zero(e)) continue;
    next_slot_ = i + 1;  // a torn slot is used too: never write over it
    if (e.magic == kMagic && e.check == checksum(e) && e.dispatch_id > 0) entries_[e.dispatch_id] = e.task_id;
  }
  return ok();
}

std::optional<int64_t> RecordJournal::task_of(int64_t dispatch_id) const {
  auto it = entries_.find(dispatch_id);
  if (it == entries_.end()) return std::nullopt;
  return it->second;
}

std::vector<int64_t> RecordJournal::dispatch_ids() const {
  std::vector<int64_t> ids;
  ids.reserve(entries_.size());
  for (const auto& [id, task] : entries_) ids.push_back(id);
  return ids;
}

Result<void> RecordJournal::append(int64_t dispatch_id, int64_t task_id,
                                   const std::function<bool(int64_t)>& still_needed) {
  // Tests make recording fail here without killing the agent.
  MEND_TRY(failpoint_error("agent.record"));
  if (next_slot_ >= capacity_) MEND_TRY(compact(still_needed));
  const Entry e = make_entry(dispatch_id, task_id);
  MEND_TRY(pwrite_all(fd_, &e, sizeof e, static_cast<off_t>(next_slot_ * sizeof(Entry)), path_));
  ++next_slot_;
  // The slot is taken even when the sync fails: what is on disk is unknown.
  entries_[dispatch_id] = task_id;
  return sync();
}

Result<void> RecordJournal::compact(const std::function<bool(int64_t)>& keep) {
  std::map<int64_t, int64_t> kept;
  for (const auto& [id, task] : entries_)
    if (keep(id)) kept[id] = task;
  size_t capacity = block_;
  while (capacity < 2 * kept.size()) capacity *= 2;
  MEND_TRY(write_fresh(path_, kept, capacity));
  return reload();
}

Result<void> RecordJournal::reload() {
  int fd = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return io_error("open", path_, errno);
  if (fd_ >= 0) ::close(fd_);
  fd_ = fd;
  return read_all();
}

Result<void> RecordJournal::sync() {
  if (::fdatasync(fd_) != 0) return io_error("fdatasync", path_, errno);
  return ok();
}

}  // namespace mend::agent
