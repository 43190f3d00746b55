#include "store/sql_query.hpp"

#include <cctype>

namespace mend {

int64_t SqlRows::i64(size_t row, size_t col) const {
  const SqlValue& v = rows.at(row).at(col);
  if (const auto* i = std::get_if<int64_t>(&v)) return *i;
  if (const auto* s = std::get_if<std::string>(&v)) return s->empty() ? 0 : std::stoll(*s);
  return 0;
}

std::string SqlRows::text(size_t row, size_t col) const {
  const SqlValue& v = rows.at(row).at(col);
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  if (const auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  return "";
}

std::string sqlite_statement(std::string_view sql) {
  std::string out;
  for (size_t i = 0; i < sql.size();) {
    if (sql[i] == '$' && i + 1 < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i + 1]))) {
      out += '?';
      ++i;
      while (i < sql.size() && std::isdigit(static_cast<unsigned char>(sql[i]))) out += sql[i++];
      if (sql.substr(i, 2) == "::") {
        i += 2;
        while (i < sql.size() && (std::isalnum(static_cast<unsigned char>(sql[i])) || sql[i] == '_')) ++i;
      }
      continue;
    }
    out += sql[i++];
  }
  constexpr std::string_view kForUpdate = " FOR UPDATE";
  if (out.size() >= kForUpdate.size() && out.compare(out.size() - kForUpdate.size(), kForUpdate.size(), kForUpdate) == 0)
    out.resize(out.size() - kForUpdate.size());
  return out;
}

}  // namespace mend
