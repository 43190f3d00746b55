// pg::Connector: a connect attempt goes on on its own thread while the
// caller waits only as long as it chose. The database that never answers is
// a real TCP listener on 127.0.0.1 that takes libpq's startup message and
// says nothing; the one that answers is the test PostgreSQL (skipped without
// MEND_TEST_PG_URL).
#include "store/postgres/connector.hpp"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>

#include "store/test_backends.hpp"

namespace mend::pg {
namespace {

using namespace std::chrono_literals;

// Listens on 127.0.0.1 and never answers: the kernel completes the TCP
// handshake, libpq sends its startup message and waits for a reply until
// its connect_timeout.
class SilentServer {
 public:
  SilentServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    EXPECT_EQ(::listen(fd_, 8), 0);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
  }
  ~SilentServer() { ::close(fd_); }
  std::string conninfo(int timeout_s) const {
    return "host=127.0.0.1 port=" + std::to_string(port_) + " user=mend dbname=mend connect_timeout=" +
           std::to_string(timeout_s);
  }
  // Takes the first connection made to it and waits up to `limit` for the
  // other side to close it; true when it did.
  bool first_connection_closed_within(std::chrono::milliseconds limit) {
    int conn = ::accept(fd_, nullptr, nullptr);
    if (conn < 0) return false;
    auto deadline = std::chrono::steady_clock::now() + limit;
    bool closed = false;
    while (!closed && std::chrono::steady_clock::now() < deadline) {
      pollfd p{conn, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buf[512];
      ssize_t n = ::read(conn, buf, sizeof buf);  // libpq's startup message, then EOF
      closed = n == 0;
      if (n < 0) break;
    }
    ::close(conn);
    return closed;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

TEST(ConnectorTest, TheCallerDoesNotWaitForADatabaseThatDoesNotAnswer) {
  SilentServer silent;
  Connector connector(silent.conninfo(2), "mend@127.0.0.1/mend");
  EXPECT_FALSE(connector.in_flight());
  EXPECT_FALSE(connector.take(0ms).has_value()) << "nothing was started";

  connector.start();
  ASSERT_TRUE(connector.in_flight());
  // The silent server keeps the attempt going for 2 s: a short wait comes
  // back empty-handed, and the attempt is still there to wait for.
  EXPECT_FALSE(connector.take(20ms).has_value());
  EXPECT_FALSE(connector.take(0ms).has_value());
  EXPECT_TRUE(connector.in_flight());
  connector.start();  // one attempt at a time: this one is not doubled

  auto outcome = connector.take(60s);
  ASSERT_TRUE(outcome.has_value());
  ASSERT_FALSE(outcome->ok());
  EXPECT_EQ(outcome->error().code, ErrorCode::unavailable);
  EXPECT_NE(outcome->error().message.find("cannot connect to PostgreSQL mend@127.0.0.1/mend"), std::string::npos)
      << outcome->error().message;
  EXPECT_FALSE(connector.in_flight()) << "the outcome was taken";
  EXPECT_EQ(still_connecting("mend@db:5432/mend").message, "still connecting to PostgreSQL mend@db:5432/mend");
}

TEST(ConnectorTest, AnAttemptOutlivesItsConnectorAndClosesItsConnection) {
  SilentServer silent;
  {
    Connector connector(silent.conninfo(1), "mend@127.0.0.1/mend");
    connector.start();
    EXPECT_FALSE(connector.take(10ms).has_value());
  }  // destroyed with the attempt under way: the destructor does not wait
  // The attempt's own thread gives up at its connect_timeout and closes.
  EXPECT_TRUE(silent.first_connection_closed_within(30s));
}

TEST(ConnectorTest, AReachableDatabaseGivesAWorkingConnection) {
  if (testing::test_pg_url() == nullptr) GTEST_SKIP() << "MEND_TEST_PG_URL is not set; run under scripts/with-postgres.sh";
  Connector connector(testing::test_pg_url(), "the test database");
  connector.start();
  auto outcome = connector.take(60s);
  ASSERT_TRUE(outcome.has_value());
  ASSERT_TRUE(outcome->ok()) << outcome->error().message;
  std::unique_ptr<Connection> conn = std::move(*outcome).value();
  auto rows = conn->exec("SELECT 41 + 1");
  ASSERT_TRUE(rows.ok()) << rows.error().message;
  EXPECT_EQ(rows->i64(0, 0), 42);
  // The next attempt is a new one.
  connector.start();
  auto second = connector.take(60s);
  ASSERT_TRUE(second.has_value());
  EXPECT_TRUE(second->ok());
}

}  // namespace
}  // namespace mend::pg
