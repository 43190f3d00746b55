#include "heal/payloads.hpp"

#include <gtest/gtest.h>

#include "heal/test_fixtures.hpp"

namespace mend::heal {
namespace {

using test_data::fixture;

// The one event a payload must parse into; an empty one, and a failed test, otherwise.
AlertEvent one_event(const Result<std::vector<AlertEvent>>& r) {
  if (!r.ok()) {
    ADD_FAILURE() << r.error().message;
    return {};
  }
  EXPECT_EQ(r->size(), 1u);
  return r->empty() ? AlertEvent{} : r->front();
}

TEST(Payloads, AlertmanagerGroupBecomesOneEventPerAlert) {
  auto r = parse_alertmanager(fixture("alertmanager_firing.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const AlertEvent& e = (*r)[0];
  EXPECT_EQ(e.source, "alertmanager");
  EXPECT_FALSE(e.resolved);
  EXPECT_EQ(e.fingerprint, "a1b2c3d4e5f60718");
  EXPECT_EQ(e.name, "DiskFull");
  EXPECT_EQ(e.severity, "critical");
  EXPECT_EQ(e.labels.at("instance"), "web-01.example:9100");
  EXPECT_EQ(e.annotations.at("summary"), "Disk almost full");
  EXPECT_EQ(e.starts_ms, 1714557600123);
  EXPECT_EQ(e.ends_ms, 0);
  EXPECT_EQ((*r)[1].starts_ms, 1714557600000);  // 12:00+02:00 is 10:00Z
}

TEST(Payloads, AlertmanagerResolvedCarriesEndTime) {
  auto r = parse_alertmanager(fixture("alertmanager_resolved.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 1u);
  EXPECT_TRUE((*r)[0].resolved);
  EXPECT_EQ((*r)[0].ends_ms, 1714557900000);
}

TEST(Payloads, AlertmanagerRefusesWhatItCannotRead) {
  EXPECT_EQ(parse_alertmanager("{not json").error().message, "alertmanager payload: body is not valid JSON");
  EXPECT_EQ(parse_alertmanager(R"({"version":"4"})").error().message,
            "alertmanager payload: alerts must be a list of alerts");
  EXPECT_EQ(parse_alertmanager(R"({"version":"3","alerts":[]})").error().message,
            "alertmanager payload: version \"3\" is not supported (want \"4\")");
  auto bad_label = parse_alertmanager(R"({"alerts":[{"status":"firing","labels":{"a":"b"}},
      {"status":"firing","labels":{"instance":7}}]})");
  EXPECT_EQ(bad_label.error().message, "alertmanager payload: alerts[1].labels.instance must be a string");
  EXPECT_EQ(bad_label.error().code, ErrorCode::invalid_input);
  EXPECT_EQ(parse_alertmanager(R"({"alerts":[{"status":"pending","labels":{"a":"b"}}]})").error().message,
            "alertmanager payload: alerts[0].status must be \"firing\" or \"resolved\", not \"pending\"");
  EXPECT_EQ(parse_alertmanager(R"({"status":"firing","alerts":[{"labels":{"a":"b"},"startsAt":"yesterday"}]})").error().message,
            "alertmanager payload: alerts[0].startsAt is not an RFC 3339 time: \"yesterday\"");
}

TEST(Payloads, NightingaleSingleEvent) {
  const AlertEvent e = one_event(parse_nightingale(fixture("nightingale_event.json")));
  EXPECT_EQ(e.source, "nightingale");
  EXPECT_EQ(e.target, "db-07");
  EXPECT_EQ(e.name, "mem_used_high");
  EXPECT_EQ(e.severity, "2");
  EXPECT_EQ(e.trigger_value, "93.41");
  EXPECT_EQ(e.fingerprint, "2cb966f9ba1cdc7af94c3796e855955a");
  EXPECT_EQ(e.labels.at("service"), "mysql");
  EXPECT_EQ(e.starts_ms, 1714557540000);
  EXPECT_FALSE(e.resolved);
  auto m = matchable_labels(e);
  EXPECT_EQ(m.at("alertname"), "mem_used_high");
  EXPECT_EQ(m.at("severity"), "2");
}

TEST(Payloads, NightingaleListWithRecoveredEvent) {
  auto r = parse_nightingale(fixture("nightingale_events.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_FALSE((*r)[0].resolved);
  EXPECT_TRUE((*r)[1].resolved);
  EXPECT_EQ((*r)[1].ends_ms, 1714557900000);
}

TEST(Payloads, NightingaleTagsAsOneString) {
  auto r = parse_nightingale(R"({"rule_name":"x","tags":"a=1,,b=x=y","hash":"h"})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].labels.at("a"), "1");
  EXPECT_EQ((*r)[0].labels.at("b"), "x=y");
}

TEST(Payloads, NightingaleTagsMapAloneOrBesideTags) {
  auto r = parse_nightingale(R"({"rule_name":"x","tags_map":{"ident":"h1","a":"2"},"tags":["a=1"]})");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].labels, (std::map<std::string, std::string>{{"a", "1"}, {"ident", "h1"}}));
  EXPECT_FALSE(parse_nightingale(R"({"rule_name":"x","tags_map":{"a":1}})").ok());
}

// The event JSON of each major version, as models/alert_cur_event.go at
// v6.7.3, v7.7.2 and v8.5.1 marshals it (v8's Callback channel: a list).
TEST(Payloads, NightingaleV6V7V8Events) {
  for (const char* v : {"v6", "v7", "v8"}) {
    SCOPED_TRACE(v);
    const std::string host = std::string("web-0") + v[1];
    for (bool recovered : {false, true}) {
      const std::string file = std::string("nightingale_") + v + (recovered ? "_recovered" : "_firing") + ".json";
      const AlertEvent e = one_event(parse_nightingale(fixture(file)));
      EXPECT_EQ(e.resolved, recovered);
      EXPECT_EQ(e.name, "disk_used_high");
      EXPECT_EQ(e.target, host);
      EXPECT_EQ(e.severity, "2");
      EXPECT_EQ(e.trigger_value, recovered ? "71.2" : "93.41");
      EXPECT_EQ(e.fingerprint, "6e1d0e3a6c1b9f7c2d4e5f607182930" + std::string(1, v[1]));
      EXPECT_EQ(e.labels.at("ident"), host);
      EXPECT_EQ(e.labels.at("path"), "/");
      EXPECT_EQ(e.annotations.at("summary"), "disk / on " + host + " is 93% full");
      EXPECT_EQ(e.starts_ms, 1714557540000);
    }
  }
}

TEST(Payloads, NightingaleRefusals) {
  EXPECT_EQ(parse_nightingale(R"({"tags":["novalue"],"rule_name":"x"})").error().message,
            "nightingale payload: tags[0] \"novalue\" is not key=value");
  EXPECT_EQ(parse_nightingale(R"([{"rule_name":"x","is_recovered":"yes"}])").error().message,
            "nightingale payload: [0].is_recovered must be true or false");
  EXPECT_EQ(parse_nightingale(R"({"id": 3})").error().message,
            "nightingale payload: body has no tags, target_ident or rule_name");
  EXPECT_EQ(parse_nightingale("42").error().message, "nightingale payload: body must be an event object");
}

TEST(Payloads, Grafana) {
  const AlertEvent e = one_event(parse_grafana(fixture("grafana_firing.json")));
  EXPECT_EQ(e.source, "grafana");
  EXPECT_EQ(e.fingerprint, "7d1c1f23a9d1b2b3");
  EXPECT_EQ(e.labels.at("hostname"), "app-12");
  EXPECT_EQ(e.name, "High load");
  EXPECT_EQ(e.severity, "page");
  EXPECT_NE(e.trigger_value.find("value=9.25"), std::string::npos);
}

TEST(Payloads, GenericComputesAStableFingerprintFromLabels) {
  auto r = parse_generic(fixture("generic_firing.json"));
  ASSERT_TRUE(r.ok()) << r.error().message;
  const AlertEvent& e = (*r)[0];
  EXPECT_EQ(e.fingerprint.size(), 16u);
  auto again = parse_generic(R"({"labels":{"queue":"mail","host":"worker-5","alertname":"QueueStuck"}})");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ((*again)[0].fingerprint, e.fingerprint);  // label order does not matter
  auto other = parse_generic(R"({"labels":{"queue":"mail","host":"worker-6","alertname":"QueueStuck"}})");
  EXPECT_NE((*other)[0].fingerprint, e.fingerprint);
  auto given = parse_generic(R"([{"labels":{"a":"b"},"status":"resolved","fingerprint":"abc"}])");
  ASSERT_TRUE(given.ok());
  EXPECT_EQ((*given)[0].fingerprint, "abc");
  EXPECT_TRUE((*given)[0].resolved);
}

TEST(Payloads, GenericRefusals) {
  EXPECT_EQ(parse_generic(R"({"labels":{}})").error().message, "generic payload: labels must hold at least one label");
  EXPECT_EQ(parse_generic(R"({"labels":{"a":"b"},"lables":{}})").error().message,
            "generic payload: lables is not a known field (known: labels, annotations, status, fingerprint, value)");
  EXPECT_EQ(parse_generic("[]").error().message, "generic payload: body is an empty list");
  EXPECT_EQ(parse_alerts("zabbix", "{}").error().message, "unknown alert source 'zabbix'");
}

TEST(AlertTime, Rfc3339) {
  EXPECT_EQ(*parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(*parse_rfc3339_ms("2024-05-01T10:00:00.5Z"), 1714557600500);
  EXPECT_EQ(*parse_rfc3339_ms("2024-05-01T10:00:00.123456789-01:30"), 1714557600123 + 90 * 60 * 1000);
  EXPECT_EQ(*parse_rfc3339_ms("0001-01-01T00:00:00Z"), 0);
  EXPECT_FALSE(parse_rfc3339_ms("2024-05-01 10:00").ok());
  EXPECT_FALSE(parse_rfc3339_ms("2024-13-01T10:00:00Z").ok());
}

}  // namespace
}  // namespace mend::heal
