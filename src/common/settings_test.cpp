#include "common/settings.hpp"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <string>
#include <vector>

#include "testing/temp_dir.hpp"

namespace mend {
namespace {

struct Demo {
  std::string http = "0.0.0.0:1";
  int64_t lease_ms = 15000;
  std::vector<std::string> tokens;
  bool dry = false;
  std::string secret;
  std::string ready;
};

const std::vector<Setting<Demo>>& demo_table() {
  static const std::vector<Setting<Demo>> t = {
      {.key = "http", .field = &Demo::http, .help = "listen"},
      {.key = "lease_ms", .field = &Demo::lease_ms, .help = "lease", .min = 1000},
      {.key = "api_tokens",
       .field = &Demo::tokens,
       .help = "tokens",
       .flag = "--api-token",
       .from_file = true},
      {.key = "dry", .field = &Demo::dry, .help = "dry run"},
      {.key = "secret",
       .field = &Demo::secret,
       .help = "secret",
       .env = "MEND_SETTINGS_TEST_SECRET",
       .from_file = true},
      {.key = "ready_file", .field = &Demo::ready, .help = "ready", .in_file = false},
  };
  return t;
}

SettingsRead<Demo> read(std::vector<std::string> args) {
  args.insert(args.begin(), "demo");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  return read_settings(SettingsProgram{"demo", "a test", "1"}, demo_table(),
                       static_cast<int>(argv.size()), argv.data());
}

class SettingsTest : public ::testing::Test {
 protected:
  std::string config(const std::string& text) {
    testing::write_file(dir_.file("c.toml"), text);
    return dir_.file("c.toml").string();
  }
  testing::TempDir dir_;
};

TEST_F(SettingsTest, DefaultsStandWhenNothingIsGiven) {
  auto r = read({});
  ASSERT_TRUE(r.settings);
  EXPECT_EQ(r.settings->http, "0.0.0.0:1");
  EXPECT_EQ(r.settings->lease_ms, 15000);
  EXPECT_FALSE(r.settings->dry);
}

TEST_F(SettingsTest, FlagsAndKeysComeFromTheSameRow) {
  auto r =
      read({"--http", ":2", "--lease-ms", "2000", "--api-token", "a", "--api-token", "b", "--dry"});
  ASSERT_TRUE(r.settings);
  EXPECT_EQ(r.settings->http, ":2");
  EXPECT_EQ(r.settings->lease_ms, 2000);
  EXPECT_EQ(r.settings->tokens, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(r.settings->dry);

  auto f = read(
      {"--config", config("http = \":3\"\nlease_ms = 3000\napi_tokens = [\"c\"]\ndry = true\n")});
  ASSERT_TRUE(f.settings);
  EXPECT_EQ(f.settings->http, ":3");
  EXPECT_EQ(f.settings->lease_ms, 3000);
  EXPECT_EQ(f.settings->tokens, (std::vector<std::string>{"c"}));
  EXPECT_TRUE(f.settings->dry);
}

TEST_F(SettingsTest, FlagsWinOverTheFileAndReplaceItsLists) {
  auto r =
      read({"--config", config("http = \":3\"\nlease_ms = 3000\napi_tokens = [\"c\", \"d\"]\n"),
            "--lease-ms", "4000", "--api-token", "e"});
  ASSERT_TRUE(r.settings);
  EXPECT_EQ(r.settings->http, ":3");
  EXPECT_EQ(r.settings->lease_ms, 4000);
  EXPECT_EQ(r.settings->tokens, (std::vector<std::string>{"e"}));
}

TEST_F(SettingsTest, TheEnvironmentWinsOverTheFileAndLosesToTheFlag) {
  ::setenv("MEND_SETTINGS_TEST_SECRET", "from-env", 1);
  auto file = read({"--config", config("secret = \"from-file\"\n")});
  auto flag = read({"--config", config("secret = \"from-file\"\n"), "--secret", "from-flag"});
  ::unsetenv("MEND_SETTINGS_TEST_SECRET");
  ASSERT_TRUE(file.settings);
  EXPECT_EQ(file.settings->secret, "from-env");
  ASSERT_TRUE(flag.settings);
  EXPECT_EQ(flag.settings->secret, "from-flag");
}

TEST_F(SettingsTest, ASecretComesFromAFileByFlagOrByKey) {
  testing::write_file(dir_.file("secret"), "s3cret\n");
  const std::string secret_file = dir_.file("secret").string();
  auto flag = read({"--secret-file", secret_file});
  ASSERT_TRUE(flag.settings);
  EXPECT_EQ(flag.settings->secret, "s3cret");
  auto key = read({"--config", config("secret_file = \"" + secret_file + "\"\n")});
  ASSERT_TRUE(key.settings);
  EXPECT_EQ(key.settings->secret, "s3cret");
  // The flag's file outranks the config's value, as any flag does.
  auto both_levels =
      read({"--config", config("secret = \"in-config\"\n"), "--secret-file", secret_file});
  ASSERT_TRUE(both_levels.settings);
  EXPECT_EQ(both_levels.settings->secret, "s3cret");
}

TEST_F(SettingsTest, ASecretGivenTwiceAtOneLevelOrInAMissingFileIsRefused) {
  testing::write_file(dir_.file("secret"), "s3cret");
  const std::string secret_file = dir_.file("secret").string();
  EXPECT_EQ(read({"--secret", "x", "--secret-file", secret_file}).exit_code, 2);
  EXPECT_EQ(read({"--config", config("secret = \"x\"\nsecret_file = \"" + secret_file + "\"\n")})
                .exit_code,
            2);
  EXPECT_EQ(read({"--secret-file", dir_.file("missing").string()}).exit_code, 2);
  // Only rows marked from_file have the form.
  EXPECT_EQ(read({"--http-file", secret_file}).exit_code, 2);
  EXPECT_EQ(read({"--config", config("http_file = \"" + secret_file + "\"\n")}).exit_code, 2);
}

TEST_F(SettingsTest, AListSecretsFileHoldsOneValueALine) {
  testing::write_file(dir_.file("tokens"), "t1\n\nt2\n");
  ::chmod(dir_.file("tokens").c_str(), 0600);
  const std::string tokens = dir_.file("tokens").string();
  auto flag = read({"--api-token-file", tokens});
  ASSERT_TRUE(flag.settings);
  EXPECT_EQ(flag.settings->tokens, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_TRUE(flag.warnings.empty()) << flag.warnings.front();
  auto key = read({"--config", config("api_tokens_file = \"" + tokens + "\"\n")});
  ASSERT_TRUE(key.settings);
  EXPECT_EQ(key.settings->tokens, (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(read({"--api-token", "x", "--api-token-file", tokens}).exit_code, 2);
}

TEST_F(SettingsTest, TheFileFormHasAnEnvironmentVariableToo) {
  testing::write_file(dir_.file("secret"), "from-env-file\n");
  ::chmod(dir_.file("secret").c_str(), 0600);
  ::setenv("MEND_SETTINGS_TEST_SECRET_FILE", dir_.file("secret").c_str(), 1);
  auto env = read({});
  auto flag = read({"--secret", "from-flag"});
  ::setenv("MEND_SETTINGS_TEST_SECRET", "from-env", 1);
  auto both = read({});
  ::unsetenv("MEND_SETTINGS_TEST_SECRET");
  ::unsetenv("MEND_SETTINGS_TEST_SECRET_FILE");
  ASSERT_TRUE(env.settings);
  EXPECT_EQ(env.settings->secret, "from-env-file");
  ASSERT_TRUE(flag.settings);
  EXPECT_EQ(flag.settings->secret, "from-flag");
  EXPECT_EQ(both.exit_code, 2);
}

TEST_F(SettingsTest, SecretsOthersCanSeeWorkWithAWarning) {
  auto flag = read({"--secret", "x", "--api-token", "t"});
  ASSERT_TRUE(flag.settings);
  ASSERT_EQ(flag.warnings.size(), 2u);
  EXPECT_NE(flag.warnings[0].find("--api-token on the command line is visible"), std::string::npos)
      << flag.warnings[0];
  EXPECT_NE(flag.warnings[1].find("use --secret-file"), std::string::npos) << flag.warnings[1];
  // From the environment it is not on the command line.
  ::setenv("MEND_SETTINGS_TEST_SECRET", "from-env", 1);
  auto env = read({});
  ::unsetenv("MEND_SETTINGS_TEST_SECRET");
  EXPECT_TRUE(env.warnings.empty());

  testing::write_file(dir_.file("open"), "s3cret\n");
  ::chmod(dir_.file("open").c_str(), 0644);
  auto open_file = read({"--secret-file", dir_.file("open").string()});
  ASSERT_TRUE(open_file.settings);
  ASSERT_EQ(open_file.warnings.size(), 1u);
  EXPECT_NE(open_file.warnings[0].find("mode 0644"), std::string::npos) << open_file.warnings[0];

  const std::string c = config("secret = \"s3cret\"\n");
  ::chmod(c.c_str(), 0644);
  auto open_config = read({"--config", c});
  ASSERT_EQ(open_config.warnings.size(), 1u);
  EXPECT_NE(open_config.warnings[0].find("config: " + c), std::string::npos)
      << open_config.warnings[0];
  ::chmod(c.c_str(), 0600);
  EXPECT_TRUE(read({"--config", c}).warnings.empty());
  // A config without secrets may be read by anyone.
  const std::string plain = config("http = \":3\"\n");
  ::chmod(plain.c_str(), 0644);
  EXPECT_TRUE(read({"--config", plain}).warnings.empty());
}

TEST_F(SettingsTest, UnknownKeysWrongTypesAndFlagOnlyKeysAreRefused) {
  for (const char* bad :
       {"htp = \":1\"\n", "ready_file = \"x\"\n", "lease_ms = \"1000\"\n", "http = 1\n",
        "api_tokens = \"one\"\n", "api_tokens = [1]\n", "dry = 1\n", "http = \n"}) {
    auto r = read({"--config", config(bad)});
    EXPECT_FALSE(r.settings) << bad;
    EXPECT_EQ(r.exit_code, 2) << bad;
  }
}

TEST_F(SettingsTest, BoundsAreCheckedWhateverTheSource) {
  EXPECT_EQ(read({"--lease-ms", "999"}).exit_code, 2);
  EXPECT_EQ(read({"--config", config("lease_ms = 10\n")}).exit_code, 2);
  Demo d;
  d.lease_ms = 5;
  auto bad = check_settings(bind_settings(demo_table(), d));
  ASSERT_TRUE(bad);
  EXPECT_EQ(*bad, "lease_ms must be at least 1000");
}

TEST_F(SettingsTest, HelpAndVersionExitZeroAndBadFlagsTwo) {
  EXPECT_EQ(read({"--help"}).exit_code, 0);
  EXPECT_FALSE(read({"--help"}).settings);
  EXPECT_EQ(read({"--version"}).exit_code, 0);
  EXPECT_EQ(read({"--no-such-flag"}).exit_code, 2);
  EXPECT_EQ(read({"--lease-ms", "soon"}).exit_code, 2);
  EXPECT_EQ(read({"--config", dir_.file("missing.toml").string()}).exit_code, 2);
}

TEST_F(SettingsTest, TheUnknownKeyMessageListsTheFileKeys) {
  Demo d;
  auto r = read_settings_file(config("nope = 1\n"), bind_settings(demo_table(), d));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find(
                "unknown key 'nope' (known: http, lease_ms, api_tokens, api_tokens_file, dry, secret, "
                "secret_file)"),
            std::string::npos)
      << r.error().message;
}

}  // namespace
}  // namespace mend

namespace mend {
namespace {

TEST_F(SettingsTest, AListMayBeATableOfStringsInTheFile) {
  auto r = read({"--config", config("http = \":3\"\n[api_tokens]\nenv = \"prod\"\nteam = \"db=x\"\n")});
  ASSERT_TRUE(r.settings);
  EXPECT_EQ(r.settings->tokens, (std::vector<std::string>{"env=prod", "team=db=x"}));
  EXPECT_FALSE(read({"--config", config("[api_tokens]\nenv = 1\n")}).settings);
  EXPECT_FALSE(read({"--config", config("[http]\nenv = \"x\"\n")}).settings) << "only lists take a table";
}

}  // namespace
}  // namespace mend
