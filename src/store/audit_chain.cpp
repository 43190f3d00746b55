#include "store/audit_chain.hpp"

#include <openssl/evp.h>

namespace mend {

std::string sha256_hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out += kHex[md[i] >> 4];
    out += kHex[md[i] & 15];
  }
  return out;
}

std::string audit_record_hash(const AuditRecord& r) {
  std::string buf = r.prev_hash;
  auto field = [&](std::string_view v) {
    buf += std::to_string(v.size());
    buf += ':';
    buf += v;
  };
  field(std::to_string(r.seq));
  field(std::to_string(r.at_ms));
  for (const std::string* f : {&r.actor, &r.actor_kind, &r.auth_method, &r.remote, &r.action, &r.target, &r.summary,
                               &r.outcome})
    field(*f);
  return sha256_hex(buf);
}

std::vector<AuditBreak> verify_audit_chain(const std::vector<AuditRecord>& records, const AuditHead& head) {
  std::vector<AuditBreak> out;
  int64_t expect_seq = head.pruned_seq + 1;
  std::string expect_prev = head.pruned_hash;
  for (const auto& r : records) {
    if (r.seq != expect_seq)
      out.push_back({r.seq, "expected record " + std::to_string(expect_seq) + " here: records " +
                                std::to_string(expect_seq) + ".." + std::to_string(r.seq - 1) +
                                " are missing"});
    if (r.prev_hash != expect_prev)
      out.push_back({r.seq, "prev_hash does not match the hash of the record before it"});
    if (audit_record_hash(r) != r.hash) out.push_back({r.seq, "hash does not match the record's contents (edited)"});
    expect_seq = r.seq + 1;
    expect_prev = r.hash;
  }
  if (head.last_seq != expect_seq - 1)
    out.push_back({head.last_seq, "the chain's head is record " + std::to_string(head.last_seq) +
                                      " but the records end at " + std::to_string(expect_seq - 1) +
                                      " (newest records deleted)"});
  else if (head.last_seq > 0 && head.last_hash != expect_prev)
    out.push_back({head.last_seq, "the newest record's hash does not match the chain's head"});
  return out;
}

}  // namespace mend
