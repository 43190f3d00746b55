#include "engine/reported_status.hpp"

namespace mend {

HostStatus reported_status(proto::RunOutcome outcome) {
  switch (outcome) {
    case proto::RunOutcome::success: return HostStatus::success;
    case proto::RunOutcome::failed: return HostStatus::failed;
    case proto::RunOutcome::timeout: return HostStatus::timeout;
    case proto::RunOutcome::killed: return HostStatus::killed;
    case proto::RunOutcome::killfailed: return HostStatus::killfailed;
    case proto::RunOutcome::lost: return HostStatus::lost;
  }
  return HostStatus::lost;
}

}  // namespace mend
