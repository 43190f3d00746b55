#pragma once
// The host status an agent's result gives: the one bridge between what the
// wire may carry (proto/run_outcome.hpp) and the host states
// (store/host_states.hpp), which decide what the status then means.
#include "proto/run_outcome.hpp"
#include "store/host_states.hpp"

namespace mend {

HostStatus reported_status(proto::RunOutcome outcome);

}  // namespace mend
