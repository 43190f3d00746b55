#pragma once
// For tests only: BackendStoreTest (a fresh store on each backend of the
// matrix) with an Engine on it, a fake clock and a recording push.
#include <memory>

#include "engine/engine.hpp"
#include "store/backend_store_test.hpp"
#include "testing/fake_clock.hpp"
#include "testing/recording_agent_push.hpp"

namespace mend::testing {

class BackendEngineTest : public BackendStoreTest {
 protected:
  void SetUp() override {
    BackendStoreTest::SetUp();
    if (HasFatalFailure()) return;
    engine = std::make_unique<Engine>(*store_, clock, push, metrics);
  }

  FakeClock clock;
  RecordingAgentPush push;
  EngineMetrics metrics;
  std::unique_ptr<Engine> engine;  // a test may replace it (other options)
};

}  // namespace mend::testing
