#pragma once
// A test client that speaks Ibex's agent protocol as the Go agent does
// (frames split across writes on purpose). Blocking POSIX sockets with a
// receive deadline, so a test never hangs. For unit and integration tests.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "proto/ibex_rpc_client_codec.hpp"
#include "proto/ibex_rpc_frame_splitter.hpp"

namespace mend::testing {

using namespace std::chrono_literals;
using namespace ibex_rpc;

// The first bytes of a raw Server.Report request (msgpack-rpc request, msgid
// 1, one argument: a map of two entries) up to its first key, "Ident": a test
// writes the value and the rest by hand, as an attacker would.
inline std::string raw_report_up_to_ident() {
  std::string f;
  f += '\x94';  // array of 4
  f += '\x00';  // type: request
  f += '\x01';  // msgid 1
  f += '\xad';
  f += "Server.Report";
  f += '\x91';  // one argument
  f += '\x82';  // map of 2
  f += '\xa5';
  f += "Ident";
  return f;
}

class TestAgent {
 public:
  explicit TestAgent(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~TestAgent() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return connected_; }

  void send_raw(std::string_view bytes) {
    while (!bytes.empty()) {
      ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
  }
  // Writes `bytes` in `pieces` separate writes with a pause between them, so
  // the server sees the frame arrive in parts.
  void send_split(std::string_view bytes, size_t pieces = 3) {
    size_t step = std::max<size_t>(1, bytes.size() / pieces);
    for (size_t off = 0; off < bytes.size(); off += step) {
      send_raw(bytes.substr(off, std::min(step, bytes.size() - off)));
      std::this_thread::sleep_for(2ms);
    }
  }

  // The next frame from the server; nullopt when the server closed the
  // connection or nothing came within `wait`.
  std::optional<std::string> read_frame(std::chrono::milliseconds wait = 5000ms) {
    auto deadline = std::chrono::steady_clock::now() + wait;
    for (;;) {
      auto f = splitter_.next();
      if (!f.ok()) return std::nullopt;
      if (f->has_value()) return **f;
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left <= 0ms) return std::nullopt;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
      char buf[65536];
      ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
      if (n <= 0) {
        closed_ = true;
        return std::nullopt;
      }
      splitter_.append(std::string_view(buf, static_cast<size_t>(n)));
    }
  }

  // True when the server closes the connection within `wait`.
  bool closed_by_server(std::chrono::milliseconds wait = 5000ms) {
    while (!closed_) {
      if (!read_frame(wait) && !closed_) return false;
    }
    return true;
  }

  DecodedResponse call(const Call& c, ReplyKind kind) {
    uint32_t id = next_id_++;
    send_split(encode_request(id, c));
    auto frame = read_frame();
    EXPECT_TRUE(frame.has_value()) << "no reply";
    if (!frame) return {};
    auto r = decode_response(*frame, kind);
    EXPECT_TRUE(r.ok()) << r.error().message;
    if (!r.ok()) return {};
    EXPECT_EQ(r->msgid, id);
    return std::move(r).value();
  }

  ReportReply report(const std::string& ident, std::vector<ReportTask> tasks = {}) {
    auto r = call(ReportRequest{ident, std::move(tasks)}, ReplyKind::report);
    EXPECT_EQ(r.error, "");
    auto* rr = std::get_if<ReportReply>(&r.reply);
    return rr ? *rr : ReportReply{};
  }

  TaskMetaReply meta(int64_t task_id) {
    auto r = call(TaskMetaRequest{task_id}, ReplyKind::task_meta);
    auto* m = std::get_if<TaskMetaReply>(&r.reply);
    return m ? *m : TaskMetaReply{"no reply"};
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool closed_ = false;
  uint32_t next_id_ = 0;
  FrameSplitter splitter_;
};

}  // namespace mend::testing
