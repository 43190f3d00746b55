#include "store/schema.hpp"

#include <gtest/gtest.h>

namespace mend {
namespace {

TEST(Schema, VersionsStartAtOneWithoutGaps) {
  int expected = 1;
  for (const Migration& m : schema_migrations()) {
    EXPECT_EQ(m.version, expected++);
    EXPECT_FALSE(m.statements.empty());
  }
  EXPECT_EQ(latest_schema_version(), expected - 1);
}

TEST(Schema, DialectsGetTheirOwnAutoIdAndNoLeftoverPlaceholders) {
  for (const Migration& m : schema_migrations()) {
    for (std::string_view statement : m.statements) {
      std::string pg = render_statement(SqlDialect::postgres, statement);
      std::string lite = render_statement(SqlDialect::sqlite, statement);
      EXPECT_EQ(pg.find("AUTOINCREMENT"), std::string::npos) << pg;
      EXPECT_EQ(pg.find("{{"), std::string::npos) << pg;
      EXPECT_EQ(lite.find("{{"), std::string::npos) << lite;
      if (statement.find("{{id_pk}}") != std::string_view::npos) {
        EXPECT_NE(pg.find("BIGSERIAL PRIMARY KEY"), std::string::npos);
        EXPECT_NE(lite.find("INTEGER PRIMARY KEY AUTOINCREMENT"), std::string::npos);
      }
    }
  }
}

}  // namespace
}  // namespace mend
