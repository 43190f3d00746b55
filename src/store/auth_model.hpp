#pragma once
// Rows of users, sessions, API tokens and the audit log (src/auth decides;
// the store keeps). Times are milliseconds since the epoch.
#include <cstdint>
#include <string>

namespace mend {

struct StoredUser {
  int64_t id = 0;
  std::string name;
  std::string kind = "user";  // user | service (a service account: tokens only, no password)
  std::string role;
  std::string password_hash;  // argon2id, PHC string format; "" when it has no password
  bool disabled = false;
  int64_t created_ms = 0;
  int64_t updated_ms = 0;
};

// A browser session. The cookie's value is a random secret; only its SHA-256
// is stored, so a copy of the database signs nobody in.
struct StoredSession {
  std::string id_hash;
  int64_t user_id = 0;
  std::string csrf_token;
  std::string remote;
  int64_t created_ms = 0;
  int64_t expires_ms = 0;
  int64_t last_seen_ms = 0;
};

struct StoredToken {
  int64_t id = 0;
  int64_t user_id = 0;
  std::string user_name;  // filled by reads (joined)
  std::string name;       // what it is for: "alertmanager", "grafana-dashboard"
  std::string prefix;     // the first characters, shown in lists to tell tokens apart
  std::string hash;       // SHA-256 of the token (hex)
  std::string scopes;     // comma-separated permissions; "" means the owner's role
  int64_t created_ms = 0;
  int64_t expires_ms = 0;  // 0: never
  int64_t last_used_ms = 0;
  int64_t revoked_ms = 0;  // 0: not revoked
};

// One audit record. seq is 1, 2, 3... with no gaps; hash covers every other
// field and prev_hash, the hash of record seq-1, so an edit or a deletion
// breaks the chain (store/audit_chain.hpp).
struct AuditRecord {
  int64_t seq = 0;
  int64_t at_ms = 0;
  std::string actor;        // principal name
  std::string actor_kind;   // user | service | agent | anonymous | server (heal rules, repair)
  std::string auth_method;  // session | basic | bearer | open | none | rule
  std::string remote;       // peer address; "" for the server's own actions
  std::string action;       // "task.create", "session.create", "template.save", ...
  std::string target;       // what it acted on: "task:12", "user:alice", "rule:disk-full"
  std::string summary;      // JSON object: the change, in brief
  std::string outcome;      // ok | refused | failed
  std::string prev_hash;
  std::string hash;
};

struct AuditQuery {
  std::string actor;
  std::string action;   // exact, or a prefix ending in '.' ("task.")
  std::string target;
  std::string outcome;
  int64_t since_ms = 0;  // 0: no bound
  int64_t until_ms = 0;  // 0: no bound (exclusive)
  int64_t before_seq = 0;  // paging: records with seq below this; 0: from the newest
  int64_t after_seq = 0;   // records with seq above this
  bool oldest_first = false;  // export and verify read in chain order
  int limit = 100;
};

// Where the kept chain starts: records up to pruned_seq were removed by the
// retention setting, the last of them with hash pruned_hash.
struct AuditHead {
  int64_t last_seq = 0;
  std::string last_hash;
  int64_t pruned_seq = 0;
  std::string pruned_hash;
};

}  // namespace mend
