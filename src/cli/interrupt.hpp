#pragma once
// Ctrl-C while following a task: stop following, leave the task running.
#include <atomic>

namespace mend::cli {

// Installs a SIGINT handler that sets the returned flag; a second Ctrl-C
// ends the process at once (the default action is restored). Call once.
const std::atomic<bool>& install_interrupt_flag();

}  // namespace mend::cli
