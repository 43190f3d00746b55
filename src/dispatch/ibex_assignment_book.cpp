#include "dispatch/ibex_assignment_book.hpp"

namespace mend {

Result<void> IbexAssignmentBook::attach(const std::string& ident, const Loader& load) {
  if (auto it = idents_.find(ident); it != idents_.end()) {
    ++it->second.connections;
    return ok();
  }
  MEND_ASSIGN_OR_RETURN(std::vector<proto::Message> pending, load());
  Ident entry;
  entry.connections = 1;
  for (const auto& m : pending) {
    if (auto* a = std::get_if<proto::Assign>(&m)) {
      entry.by_task[a->task_id] = IbexWanted{a->task_id, a->dispatch_id, false, false};
    } else if (auto* k = std::get_if<proto::Kill>(&m)) {
      entry.by_task[k->task_id] = IbexWanted{k->task_id, k->dispatch_id, true, false};
    }
  }
  idents_.emplace(ident, std::move(entry));
  return ok();
}

void IbexAssignmentBook::detach(const std::string& ident) {
  auto it = idents_.find(ident);
  if (it == idents_.end()) return;
  if (--it->second.connections <= 0) idents_.erase(it);
}

std::vector<IbexWanted> IbexAssignmentBook::wanted(const std::string& ident) const {
  std::vector<IbexWanted> out;
  auto it = idents_.find(ident);
  if (it == idents_.end()) return out;
  out.reserve(it->second.by_task.size());
  for (const auto& [task, w] : it->second.by_task) out.push_back(w);
  return out;
}

std::optional<IbexWanted> IbexAssignmentBook::find(const std::string& ident,
                                                   int64_t task_id) const {
  auto it = idents_.find(ident);
  if (it == idents_.end()) return std::nullopt;
  auto w = it->second.by_task.find(task_id);
  if (w == it->second.by_task.end()) return std::nullopt;
  return w->second;
}

void IbexAssignmentBook::settle(const std::string& ident, int64_t task_id, int64_t dispatch_id) {
  auto it = idents_.find(ident);
  if (it == idents_.end()) return;
  auto w = it->second.by_task.find(task_id);
  if (w != it->second.by_task.end() && w->second.dispatch_id == dispatch_id)
    it->second.by_task.erase(w);
}

bool IbexAssignmentBook::mark_handed_out(const std::string& ident, int64_t task_id,
                                         int64_t dispatch_id) {
  auto it = idents_.find(ident);
  if (it == idents_.end()) return false;
  auto w = it->second.by_task.find(task_id);
  if (w == it->second.by_task.end() || w->second.dispatch_id != dispatch_id || w->second.handed_out)
    return false;
  w->second.handed_out = true;
  return true;
}

void IbexAssignmentBook::push_assign(const std::string& host, const proto::Assign& assign) {
  auto it = idents_.find(host);
  if (it == idents_.end()) return;
  // A redo replaces the task's earlier dispatch: the agent sees a new Clock.
  it->second.by_task[assign.task_id] = IbexWanted{assign.task_id, assign.dispatch_id, false, false};
}

void IbexAssignmentBook::push_kill(const std::string& host, const proto::Kill& kill) {
  auto it = idents_.find(host);
  if (it == idents_.end()) return;
  IbexWanted& w = it->second.by_task[kill.task_id];
  // Keep handed_out: a kill for the dispatch already started is the same run.
  bool same = w.dispatch_id == kill.dispatch_id;
  w = IbexWanted{kill.task_id, kill.dispatch_id, true, same && w.handed_out};
}

}  // namespace mend
