#include "tls/join_token.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "tls/secrets.hpp"

namespace mend::tls {
namespace {

TEST(JoinToken, RoundTrips) {
  JoinTokenParts p{random_hex(8), random_hex(24), sha256_hex("ca")};
  auto back = parse_join_token(format_join_token(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->id, p.id);
  EXPECT_EQ(back->secret, p.secret);
  EXPECT_EQ(back->ca_fingerprint, p.ca_fingerprint);
}

TEST(JoinToken, RefusesOtherShapesWithoutRepeatingThem) {
  const std::string fp = sha256_hex("ca");
  const std::vector<std::string> bad_tokens = {"",
                                               "mendjoin1",
                                               "mendjoin1.ab.cd",
                                               "mendjoin2.ab.cd." + fp,
                                               "mendjoin1.AB.cd." + fp,
                                               "mendjoin1.ab.cd." + fp.substr(1),
                                               "mendjoin1..cd." + fp,
                                               "mendjoin1.ab.cd." + fp + ".x"};
  for (const auto& bad : bad_tokens) {
    auto r = parse_join_token(bad);
    ASSERT_FALSE(r.ok()) << bad;
    if (bad.size() > 20) {
      EXPECT_EQ(r.error().message.find(bad), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace mend::tls
