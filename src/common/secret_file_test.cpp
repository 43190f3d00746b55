#include "common/secret_file.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "testing/temp_dir.hpp"

namespace mend {
namespace {

class SecretFileTest : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& text, mode_t mode) {
    std::string path = tmp_.file(name).string();
    std::ofstream(path) << text;
    ::chmod(path.c_str(), mode);
    return path;
  }

  mend::testing::TempDir tmp_;
};

TEST_F(SecretFileTest, ReadsEachLineWithoutLineEndings) {
  auto r = read_secret_lines(write("users", "alice:pw1\r\n\nbob:pw2\n", 0600), "--basic-auth-file");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->lines, (std::vector<std::string>{"alice:pw1", "bob:pw2"}));
  EXPECT_EQ(r->warning, "");
}

TEST_F(SecretFileTest, AFileOthersCanReadWorksWithAWarning) {
  auto r = read_secret_lines(write("token", "s3cret\n", 0644), "--api-token-file");
  ASSERT_TRUE(r.ok());
  EXPECT_NE(r->warning.find("mode 0644"), std::string::npos) << r->warning;
  EXPECT_NE(r->warning.find("chmod 600"), std::string::npos) << r->warning;
}

TEST_F(SecretFileTest, AFileItsGroupCanReadIsFine) {
  // The packaged layout: root:mend 0640, read by the service (group mend) and root.
  auto r = read_secret_lines(write("token", "s3cret\n", 0640), "--agent-token-file");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->warning, "");
}

TEST_F(SecretFileTest, MissingAndEmptyFilesAreErrorsThatSayWhy) {
  auto missing = read_secret_lines(tmp_.file("nope").string(), "--agent-token-file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("--agent-token-file: cannot read"), std::string::npos);
  EXPECT_NE(missing.error().message.find("No such file"), std::string::npos);
  auto empty = read_secret_lines(write("empty", "\n \n", 0600), "--agent-token-file");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.error().message.find("is empty"), std::string::npos);
}

TEST_F(SecretFileTest, OneSecretFileMustHoldOneLine) {
  std::string warning = "x";
  auto one = read_one_secret(write("one", "tok\n", 0600), "--token-file", &warning);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, "tok");
  EXPECT_EQ(warning, "");
  auto two = read_one_secret(write("two", "a\nb\n", 0600), "--token-file", nullptr);
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.error().message.find("must hold one line"), std::string::npos);
}

}  // namespace
}  // namespace mend
