// The randomized soak: many tasks on three agents, with batches, while the
// server is kill -9'd and restarted at random moments and agents are kill -9'd
// in the middle of a script or at any moment. At the end every task is done, every (task, host)
// ran exactly once (each script logs its run), every result is what the
// script printed, and the repair loop finds nothing.
//
// The seed is printed; replay a failure with MEND_SOAK_SEED=<seed>.
// MEND_SOAK_TASKS changes the number of tasks (default 50).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "support/cluster_fixture.hpp"
#include "support/wait.hpp"

namespace mend::it {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

uint64_t env_or(const char* name, uint64_t fallback) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  return std::strtoull(v, nullptr, 10);
}

class SoakTest : public ClusterTest {
 protected:
  std::mt19937_64 rng_;
  int server_kills_ = 0;
  int agent_kills_mid_script_ = 0;
  int agent_kills_anywhere_ = 0;

  int uniform(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
  void sleep_ms(int lo, int hi) { std::this_thread::sleep_for(milliseconds(uniform(lo, hi))); }

  std::map<int64_t, std::vector<std::string>> task_hosts_;
  int created_ = 0;
  uint64_t seed_ = 0;

  void add_task(const json& form) {
    int64_t id = create_with_retries(form, "soak-" + std::to_string(seed_) + "-" + std::to_string(created_++));
    ASSERT_GT(id, 0);
    ASSERT_EQ(task_hosts_.count(id), 0u) << "two creations returned task " << id;
    task_hosts_[id] = form["hosts"].get<std::vector<std::string>>();
  }

  std::string runs_log() const { return dir_->file("runs.log").string(); }

  json random_task() {
    std::vector<std::string> hosts;
    for (const auto& h : kHosts)
      if (uniform(0, 1)) hosts.push_back(h);
    if (hosts.empty()) hosts.push_back(kHosts[uniform(0, 2)]);
    // Each run logs itself first, then works a while, then prints its answer.
    char pause[16];
    std::snprintf(pause, sizeof pause, "%.3f", uniform(50, 600) / 1000.0);
    std::string script = sh_script("echo \"$MEND_TASK_ID $MEND_HOST\" >> " + runs_log() + "\n" +
                                   "sleep " + pause + "\n" +
                                   "echo \"out-$MEND_TASK_ID-$MEND_HOST\"\n");
    json form = task_form(hosts, script);
    form["batch"] = uniform(0, 2);
    form["timeout"] = 120;
    return form;
  }

  // POST with an Idempotency-Key, retried until the server answers: a retry
  // after a crash must return the task the first attempt created, if any.
  int64_t create_with_retries(const json& form, const std::string& key) {
    int64_t id = 0;
    bool ok = wait_until([&] {
      auto r = api().http().request("POST", "/ibex/v1/tasks", form.dump(), {{"Idempotency-Key", key}});
      if (r.status != 200) return false;
      auto j = json::parse(r.body, nullptr, false);
      if (!j.is_object() || !j["dat"].is_number_integer()) return false;
      id = j["dat"].get<int64_t>();
      return true;
    }, milliseconds(60000), milliseconds(100));
    EXPECT_TRUE(ok) << "task " << key << " was never accepted";
    return id;
  }

  void crash_server() {
    sleep_ms(0, 400);
    server_->kill9();
    ++server_kills_;
    sleep_ms(0, 300);
    server_->restart();
  }

  // True while a supervisor on this agent runs a script that has no result
  // yet (a supervisor writes its pid file just before it starts the script).
  static bool script_running(const AgentProcess& a) {
    std::error_code ec;
    for (const auto& d : std::filesystem::directory_iterator(a.spool_dir() / "dispatches", ec)) {
      if (std::filesystem::exists(d.path() / "supervisor.pid") && !std::filesystem::exists(d.path() / "result.json"))
        return true;
    }
    return false;
  }

  void crash_an_agent_mid_script() {
    const std::string host = kHosts[uniform(0, 2)];
    AgentProcess& a = agent(host);
    if (!wait_until([&] { return script_running(a); }, milliseconds(1000), milliseconds(5))) {
      // Nothing runs there now: give it a task of its own (checked like the rest).
      json form = random_task();
      form["hosts"] = json::array({host});
      add_task(form);
      if (!wait_until([&] { return script_running(a); }, milliseconds(10000), milliseconds(5))) return;
    }
    a.kill9();
    ++agent_kills_mid_script_;
    sleep_ms(0, 500);
    a.start();
  }

  // At any moment at all: between taking a dispatch's lock, launching its
  // supervisor, recording it and letting the supervisor go, too.
  void crash_an_agent_anywhere() {
    AgentProcess& a = agent(kHosts[uniform(0, 2)]);
    sleep_ms(0, 100);
    a.kill9();
    ++agent_kills_anywhere_;
    sleep_ms(0, 500);
    a.start();
  }

  void chaos() {
    switch (uniform(0, 3)) {
      case 0: crash_an_agent_mid_script(); break;
      case 1: crash_an_agent_anywhere(); break;
      default: crash_server(); break;
    }
  }
};

TEST_F(SoakTest, KillNineAtRandomMomentsNothingLostNothingRunTwice) {
  const uint64_t seed = env_or("MEND_SOAK_SEED", std::random_device{}());
  const int tasks = static_cast<int>(env_or("MEND_SOAK_TASKS", 50));
  rng_.seed(seed);
  std::cout << "[soak] seed " << seed << " (replay: MEND_SOAK_SEED=" << seed << ")\n";
  const auto start = std::chrono::steady_clock::now();

  seed_ = seed;
  const auto& task_hosts = task_hosts_;
  for (int i = 0; i < tasks; ++i) {
    add_task(random_task());
    if (uniform(0, 9) == 0) chaos();
  }
  // Keep crashing while the tasks run, until both kinds of crash happened a few times.
  while (server_kills_ < 3 || agent_kills_mid_script_ < 2 || agent_kills_anywhere_ < 1) {
    sleep_ms(100, 600);
    if (server_kills_ < 3 && uniform(0, 1)) crash_server();
    else if (agent_kills_mid_script_ < 2) crash_an_agent_mid_script();
    else if (agent_kills_anywhere_ < 1) crash_an_agent_anywhere();
    else crash_server();
    if (std::chrono::steady_clock::now() - start > std::chrono::minutes(2)) break;
  }
  // The chaos must really have happened, or the checks below prove little.
  EXPECT_GE(server_kills_, 3);
  EXPECT_GE(agent_kills_mid_script_, 2);
  EXPECT_GE(agent_kills_anywhere_, 1);
  ASSERT_TRUE(api().wait_agents_connected(3));

  IbexApi ibex = api();
  for (const auto& [id, hosts] : task_hosts) ASSERT_TRUE(ibex.wait_task_done(id)) << "task " << id;

  std::map<std::pair<int64_t, std::string>, int> runs;
  {
    std::istringstream in(read_file(runs_log()));
    int64_t task = 0;
    std::string host;
    while (in >> task >> host) ++runs[{task, host}];
  }
  size_t host_runs = 0, never_ran = 0, ran_twice = 0, lost = 0;
  for (const auto& [id, hosts] : task_hosts) {
    for (const auto& h : hosts) {
      int n = runs[{id, h}];
      never_ran += n == 0;
      ran_twice += n > 1;
      lost += ibex.host_status(id, h) == "lost";
      EXPECT_EQ(n, 1) << "task " << id << " host " << h;
      EXPECT_EQ(ibex.host_status(id, h), "success") << "task " << id << " host " << h;
      EXPECT_EQ(ibex.host_stdout(id, h), "out-" + std::to_string(id) + "-" + h + "\n") << "task " << id;
      ++host_runs;
    }
  }
  for (const auto& [key, n] : runs) {
    auto it = task_hosts.find(key.first);
    bool expected = it != task_hosts.end() &&
                    std::find(it->second.begin(), it->second.end(), key.second) != it->second.end();
    EXPECT_TRUE(expected) << "unexpected run: task " << key.first << " host " << key.second;
  }

  auto doctor = api().http().get("/api/v1/doctor");
  ASSERT_EQ(doctor.status, 200) << doctor.body;
  EXPECT_EQ(json::parse(doctor.body)["dat"]["findings"].size(), 0u) << doctor.body;

  auto seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::cout << "[soak] seed " << seed << ": " << task_hosts.size() << " tasks, " << host_runs
            << " (task, host) runs expected; never ran " << never_ran << ", ran twice " << ran_twice << ", lost "
            << lost << "; server kill -9 x" << server_kills_ << ", agent kill -9 mid-script x" << agent_kills_mid_script_
            << " and at random moments x" << agent_kills_anywhere_
            << "; doctor findings at the end " << json::parse(doctor.body)["dat"]["findings"].size() << "; "
            << seconds << " s\n";
}

}  // namespace
}  // namespace mend::it
