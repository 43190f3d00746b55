// Scripts run as the task's account.
#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include "support/cluster_fixture.hpp"

namespace mend::it {
namespace {

using nlohmann::json;

class AccountTest : public ClusterTest {
 protected:
  void TearDown() override {
    ClusterTest::TearDown();
    if (!user_.empty()) {
      TempDir scratch;
      run_command({"/usr/sbin/userdel", "-r", user_}, scratch.path(), "userdel");
    }
  }
  // Creates a throwaway account; returns "" (after GTEST_SKIP-worthy reason in why) if it cannot.
  std::string create_user(std::string& why) {
    if (::geteuid() != 0) {
      why = "creating an account needs root";
      return {};
    }
    if (!std::filesystem::exists("/usr/sbin/useradd")) {
      why = "/usr/sbin/useradd is missing";
      return {};
    }
    std::string name = "mendit" + std::to_string(::getpid() % 100000);
    RunResult r = run_command({"/usr/sbin/useradd", "-m", "-s", "/bin/sh", name}, dir_->path(), "useradd");
    if (!r.status.success()) {
      why = "useradd failed: " + r.err;
      return {};
    }
    user_ = name;
    return name;
  }
  std::string user_;
};

TEST_F(AccountTest, ScriptRunsAsTheRequestedAccountWithItsHome) {
  std::string why;
  std::string user = create_user(why);
  if (user.empty()) GTEST_SKIP() << why;
  passwd* pw = ::getpwnam(user.c_str());
  ASSERT_NE(pw, nullptr);
  std::string home = pw->pw_dir;

  IbexApi ibex = api();
  json form = task_form({"host-a"}, sh_script("id -un\necho \"$HOME\"\necho \"$(cat)\"\n"));
  form["account"] = user;
  form["stdin"] = "from stdin";
  form["args"] = "x";
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "success") << ibex.host_output(id, "host-a");
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), user + "\n" + home + "\nfrom stdin\n");
}

TEST_F(AccountTest, RootAccountRunsAsRoot) {
  if (::geteuid() != 0) GTEST_SKIP() << "the agent runs as root only when the tests do";
  IbexApi ibex = api();
  json form = task_form({"host-a"}, sh_script("id -un\n"));
  form["account"] = "root";
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_stdout(id, "host-a"), "root\n");
}

TEST_F(AccountTest, UnknownAccountFailsTheHostWithAClearMessage) {
  const std::string account = "no-such-account-mendit";
  ASSERT_EQ(::getpwnam(account.c_str()), nullptr);
  IbexApi ibex = api();
  std::string marker = dir_->file("ran").string();
  json form = task_form({"host-a"}, sh_script("touch " + marker + "\n"));
  form["account"] = account;
  int64_t id = ibex.create_task(form);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(ibex.wait_task_done(id));
  EXPECT_EQ(ibex.host_status(id, "host-a"), "failed");
  HttpResponse out = ibex.host_output(id, "host-a");
  std::string text = out.dat().value("stdout", "") + out.dat().value("stderr", "");
  EXPECT_NE(text.find(account), std::string::npos) << "the output should say which account is unknown: " << out;
  EXPECT_FALSE(std::filesystem::exists(marker)) << "the script must not run as someone else";
}

}  // namespace
}  // namespace mend::it
