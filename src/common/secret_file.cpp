#include "common/secret_file.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/strings.hpp"

namespace mend {

Result<SecretLines> read_secret_lines(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorCode::invalid_input,
                      what + ": cannot read " + path + ": " + std::strerror(errno));
  }
  std::stringstream text;
  text << in.rdbuf();
  SecretLines out;
  for (const auto& line : split(text.str(), "\n")) {
    std::string t = trim(line);
    if (!t.empty()) out.lines.push_back(std::move(t));
  }
  if (out.lines.empty()) return make_error(ErrorCode::invalid_input, what + ": " + path + " is empty");
  out.warning = others_may_read(path, what);
  return out;
}

std::string others_may_read(const std::string& path, const std::string& what) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) return "";
  if ((st.st_mode & 007) == 0) return "";
  char mode[8];
  std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return what + ": " + path + " has mode " + mode + ", so other local users may read the secret; chmod 600 it";
}

Result<std::string> read_one_secret(const std::string& path, const std::string& what, std::string* warning) {
  auto lines = read_secret_lines(path, what);
  if (!lines.ok()) return lines.error();
  if (lines->lines.size() != 1) {
    return make_error(ErrorCode::invalid_input,
                      what + ": " + path + " must hold one line, it holds " + std::to_string(lines->lines.size()));
  }
  if (warning) *warning = lines->warning;
  return std::move(lines->lines.front());
}

std::string secret_flag_warning(const std::string& flag, const std::string& safer) {
  return flag + " on the command line is visible to every local user (ps, /proc); use " + safer + " instead";
}

}  // namespace mend
