/* rampart_inspect (payload inspection of the request itself) and the request collection
 * functions (rampart_request_add_urlencoded, _add_cookies, _add_header, _add_json,
 * _add_file), on ordinary and on hostile data: the input limit, deep JSON, invalid
 * UTF-8, megabyte values, NULL arguments. Inputs are observed the way a host sees them:
 * through the verdicts and events of checks. */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"

#define PAYLOAD "' OR 1=1-- "
#define ATTACK_QUERY "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'"
#define MEGABYTE (1024 * 1024)

static const rampart_engine *engine_from(const char *policy) {
  const rampart_engine *engine = NULL;
  char err[256] = "";
  CHECK_STATUS(rampart_engine_new(BYTES(policy), &engine, err, sizeof err), RAMPART_STATUS_OK);
  if (err[0] != '\0') fprintf(stderr, "policy: %s\n", err);
  return engine;
}

static rampart_request *new_request(const rampart_engine *engine, const char *method, const char *path) {
  rampart_request *request = NULL;
  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_set_method(request, BYTES(method)), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_set_path(request, BYTES(path)), RAMPART_STATUS_OK);
  return request;
}

/* The event of `v` as the host would write it, parsed; NULL when there is none. */
static json_t *event_of(const rampart_request *request, const rampart_verdict *v, uint32_t sink, const uint8_t *resource,
                        size_t resource_len) {
  char buf[8192];
  size_t len;
  json_error_t error;
  if (rampart_event_json(request, v, sink, resource, resource_len, NULL, 0, buf, sizeof buf, &len) !=
      RAMPART_STATUS_OK)
    return NULL;
  return json_loadb(buf, len, 0, &error);
}

static const char *field_of(json_t *event, const char *object, const char *name) {
  const char *text = json_string_value(json_object_get(object ? json_object_get(event, object) : event, name));
  return text ? text : "(missing)";
}

/* The SQL check finds the attack of ATTACK_QUERY in input `index`, from `source`. */
static void check_sql_finds(const rampart_request *request, size_t index, const char *source, const char *key) {
  rampart_verdict v;
  json_t *event;
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_SQL_INJECTION && v.input_index == index);
  event = event_of(request, &v, RAMPART_SINK_SQL, (const uint8_t *)ATTACK_QUERY, strlen(ATTACK_QUERY));
  CHECK(event != NULL);
  CHECK(strcmp(field_of(event, "input", "source"), source) == 0);
  CHECK(strcmp(field_of(event, "input", "key"), key) == 0);
  json_decref(event);
}

static void check_sql_finds_nothing(const rampart_request *request) {
  rampart_verdict v;
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE && v.input_index == RAMPART_NONE);
}

static void test_inspect(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  const rampart_engine *blocking =
      engine_from("{\"mode\": \"block\", \"protections\": {\"malicious_payload\": {\"action\": \"block\"}}}");
  const rampart_engine *off = engine_from("{\"mode\": \"block\", \"protections\": {\"malicious_payload\": {\"action\": \"off\"}}}");
  rampart_request *request = new_request(engine, "GET", "/search");
  rampart_request *blocked = new_request(blocking, "GET", "/search");
  rampart_request *ignored = new_request(off, "GET", "/search");
  rampart_verdict v;
  json_t *event;
  bool truncated = true;
  const char *query = "page=2&q=%27+OR+1%3D1--+";

  /* Nothing yet: allowed. */
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_ALLOW && v.threat == RAMPART_THREAT_NONE && v.input_index == RAMPART_NONE);

  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, BYTES(query), &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  /* Reported, not blocked: malicious_payload reports by default even in block mode. */
  CHECK(v.action == RAMPART_ACTION_REPORT && v.threat == RAMPART_THREAT_MALICIOUS_PAYLOAD);
  CHECK(v.reason == RAMPART_REASON_PAYLOAD_SQL_INJECTION && v.input_index == 1);
  CHECK(v.span_start == 0 && v.span_end == strlen(PAYLOAD));
  /* No sink: an empty resource makes the event quote the offending value. */
  event = event_of(request, &v, RAMPART_SINK_REQUEST, NULL, 0);
  CHECK(event != NULL);
  CHECK(strcmp(field_of(event, "sink", "resource"), PAYLOAD) == 0);
  CHECK(strcmp(field_of(event, NULL, "threat"), "malicious_payload") == 0);
  CHECK(strcmp(field_of(event, NULL, "action"), "reported") == 0);
  CHECK(strcmp(field_of(event, "sink", "kind"), "request") == 0);
  CHECK(strcmp(field_of(event, "input", "key"), "q") == 0);
  CHECK(strcmp(field_of(event, "input", "value"), PAYLOAD) == 0);
  CHECK(strcmp(field_of(event, "request", "path"), "/search") == 0);
  json_decref(event);

  /* The policy decides: block, or not looked at. */
  CHECK_STATUS(rampart_request_add_urlencoded(blocked, RAMPART_SOURCE_QUERY, BYTES(query), NULL), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_inspect(blocked, &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK && v.threat == RAMPART_THREAT_MALICIOUS_PAYLOAD);
  CHECK_STATUS(rampart_request_add_urlencoded(ignored, RAMPART_SOURCE_QUERY, BYTES(query), NULL), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_inspect(ignored, &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_ALLOW && v.threat == RAMPART_THREAT_NONE);

  /* A rule on the method alone names no input. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_set_method(request, BYTES("TRACE")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_set_path(request, BYTES("/search")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_MALICIOUS_PAYLOAD && v.reason == RAMPART_REASON_RULE_MATCH && v.rule_id != 0);
  CHECK(v.input_index == RAMPART_NONE);
  event = event_of(request, &v, RAMPART_SINK_REQUEST, NULL, 0);
  CHECK(event != NULL);
  CHECK(strcmp(field_of(event, "sink", "resource"), "/search") == 0);
  json_decref(event);

  /* Errors leave the verdict alone. */
  memset(&v, 0xab, sizeof v);
  CHECK_STATUS(rampart_inspect(NULL, &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(v.action == 0xabababab);
  CHECK_STATUS(rampart_inspect(request, NULL), RAMPART_STATUS_NULL_ARGUMENT);

  rampart_request_free(request);
  rampart_request_free(blocked);
  rampart_request_free(ignored);
  rampart_engine_free(engine);
  rampart_engine_free(blocking);
  rampart_engine_free(off);
}

static void test_uploads(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = new_request(engine, "POST", "/upload");
  rampart_verdict v;
  static const char jpeg[] = "\xff\xd8\xff\xe0";
  char head[2 * RAMPART_FILE_HEAD_LEN];

  CHECK_STATUS(rampart_request_add_file(request, BYTES("avatar"), BYTES("holiday photo.jpg"), BYTES("image/jpeg"),
                                        (const uint8_t *)jpeg, 4),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);

  /* More than RAMPART_FILE_HEAD_LEN bytes of head: the rest is not kept, not an error. */
  memset(head, 'A', sizeof head);
  CHECK_STATUS(rampart_request_add_file(request, BYTES("avatar"), BYTES("shell.php"), BYTES("image/jpeg"),
                                        (const uint8_t *)head, sizeof head),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_MALICIOUS_PAYLOAD && v.reason == RAMPART_REASON_RULE_MATCH && v.input_index == 1);

  CHECK_STATUS(rampart_request_add_file(NULL, BYTES("f"), BYTES("a.php"), NULL, 0, NULL, 0), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_file(request, NULL, 3, BYTES("a.php"), NULL, 0, NULL, 0),
               RAMPART_STATUS_NULL_ARGUMENT);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

static void test_urlencoded(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = new_request(engine, "POST", "/login");
  bool truncated = true;

  /* Numbered in order; a name that is not a plain word is an input too. */
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_BODY,
                                              BYTES("a=1&&f%5Bx%27%5D=2&email=%27+OR+1%3D1--+&c"), &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds(request, 3, "body", "email");

  /* Malformed escapes stay as they are; invalid UTF-8 is kept as bytes. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, BYTES("x=%zz%ff%fe%&y=%"), &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds_nothing(request);

  CHECK_STATUS(rampart_request_add_urlencoded(request, 99, BYTES("a=1"), &truncated), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_request_add_urlencoded(NULL, RAMPART_SOURCE_QUERY, BYTES("a=1"), &truncated),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, NULL, 4, &truncated),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, NULL, 0, NULL), RAMPART_STATUS_OK);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

/* A client that sends more than RAMPART_MAX_INPUTS fields gets the first ones checked,
 * and the host learns that the rest were left out. */
static void test_input_limit(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = new_request(engine, "GET", "/");
  size_t fields = RAMPART_MAX_INPUTS + 10, i, at = 0, count = 0;
  char *query = (char *)malloc(fields * 16 + 64);
  bool truncated = false;

  for (i = 0; i < RAMPART_MAX_INPUTS - 1; i++) at += (size_t)sprintf(query + at, "k%zu=v&", i);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, (const uint8_t *)query, at, &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  /* One more fits; the attack after it does not. */
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY,
                                              BYTES("last=x&email=%27+OR+1%3D1--+"), &truncated),
               RAMPART_STATUS_OK);
  CHECK(truncated);
  check_sql_finds_nothing(request);
  CHECK_STATUS(rampart_request_input_count(request, &count), RAMPART_STATUS_OK);
  CHECK(count == RAMPART_MAX_INPUTS);
  /* Full: every collector says so, and adds nothing. */
  CHECK_STATUS(rampart_request_add_header(request, BYTES("X-Search"), BYTES(PAYLOAD), &truncated), RAMPART_STATUS_OK);
  CHECK(truncated);
  CHECK_STATUS(rampart_request_add_cookies(request, BYTES("q=" PAYLOAD), &truncated), RAMPART_STATUS_OK);
  CHECK(truncated);
  CHECK_STATUS(rampart_request_add_json(request, BYTES("{\"q\": \"" PAYLOAD "\"}"), &truncated), RAMPART_STATUS_OK);
  CHECK(truncated);
  check_sql_finds_nothing(request);
  /* A skipped header is not an input: it fits in a full request. */
  CHECK_STATUS(rampart_request_add_header(request, BYTES("Content-Type"), BYTES("text/plain"), &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  /* rampart_request_add_input is the host's own choice: never refused. */
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_OTHER, BYTES("extra"), BYTES(PAYLOAD)),
               RAMPART_STATUS_OK);
  check_sql_finds(request, RAMPART_MAX_INPUTS, "other", "extra");
  CHECK_STATUS(rampart_request_input_count(request, &count), RAMPART_STATUS_OK);
  CHECK(count == RAMPART_MAX_INPUTS + 1);
  CHECK_STATUS(rampart_request_input_count(NULL, &count), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_input_count(request, NULL), RAMPART_STATUS_NULL_ARGUMENT);

  /* A reset request has room again. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, BYTES("email=%27+OR+1%3D1--+"),
                                              &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds(request, 0, "query", "email");
  free(query);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

static void test_cookies_and_headers(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = new_request(engine, "GET", "/");
  bool truncated = true;

  CHECK_STATUS(rampart_request_add_cookies(request, BYTES("sid=abc; broken; email=\"" PAYLOAD "\""), &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds(request, 1, "cookie", "email");

  /* Protocol headers are skipped, whatever their case. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_header(request, BYTES("Content-Type"), BYTES(PAYLOAD), &truncated),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_header(request, BYTES("SEC-FETCH-MODE"), BYTES(PAYLOAD), &truncated),
               RAMPART_STATUS_OK);
  check_sql_finds_nothing(request);
  /* Others are inputs keyed by the lower-case name; Cookie is split into cookies. */
  CHECK_STATUS(rampart_request_add_header(request, BYTES("X-Search"), BYTES(PAYLOAD), &truncated), RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds(request, 0, "header", "x-search");
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_header(request, BYTES("COOKIE"), BYTES("a=1; email=" PAYLOAD), &truncated),
               RAMPART_STATUS_OK);
  check_sql_finds(request, 1, "cookie", "email");

  CHECK_STATUS(rampart_request_add_header(NULL, BYTES("X"), BYTES("y"), &truncated), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_header(request, NULL, 1, BYTES("y"), &truncated), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_cookies(NULL, BYTES("a=b"), &truncated), RAMPART_STATUS_NULL_ARGUMENT);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

/* `depth` nested arrays around one string. */
static char *nested_json(size_t depth, size_t *len_out) {
  const char *leaf = "\"" PAYLOAD "\"";
  size_t leaf_len = strlen(leaf), len = 2 * depth + leaf_len;
  char *json = (char *)malloc(len);
  memset(json, '[', depth);
  memcpy(json + depth, leaf, leaf_len);
  memset(json + depth + leaf_len, ']', depth);
  *len_out = len;
  return json;
}

static void test_json(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = new_request(engine, "POST", "/api");
  bool truncated = true;
  size_t len;
  char *json;

  CHECK_STATUS(rampart_request_add_json(request, BYTES("{\"user\": {\"ok\": true, \"tags\": [1, \"" PAYLOAD "\"]}}"),
                                        &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds(request, 1, "body", "user.tags[1]");

  /* Invalid JSON (invalid UTF-8 included) adds nothing and is no error. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_json(request, BYTES("{\"q\": \"\xff\xfe" PAYLOAD "\"}"), &truncated),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_json(request, BYTES("{\"q\": "), &truncated), RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds_nothing(request);

  /* Nested within the limit: found. */
  json = nested_json(RAMPART_MAX_DEPTH, &len);
  CHECK_STATUS(rampart_request_add_json(request, (const uint8_t *)json, len, &truncated), RAMPART_STATUS_OK);
  CHECK(!truncated);
  check_sql_finds(request, 0, "body", "[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]");
  free(json);
  /* One level deeper: left out, and said so. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  json = nested_json(RAMPART_MAX_DEPTH + 1, &len);
  CHECK_STATUS(rampart_request_add_json(request, (const uint8_t *)json, len, &truncated), RAMPART_STATUS_OK);
  CHECK(truncated);
  check_sql_finds_nothing(request);
  free(json);
  /* A hundred thousand levels: no stack overflow, read as invalid. */
  json = nested_json(100000, &len);
  CHECK_STATUS(rampart_request_add_json(request, (const uint8_t *)json, len, &truncated), RAMPART_STATUS_OK);
  check_sql_finds_nothing(request);
  free(json);

  CHECK_STATUS(rampart_request_add_json(NULL, BYTES("{}"), &truncated), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_json(request, NULL, 2, &truncated), RAMPART_STATUS_NULL_ARGUMENT);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

/* Megabyte values and invalid UTF-8 through every collector, then inspection. */
static void test_large_and_invalid_values(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = new_request(engine, "POST", "/big");
  size_t len = MEGABYTE + 64, i;
  char *data = (char *)malloc(len);
  rampart_verdict v;
  bool truncated = true;
  json_t *event;

  /* A benign megabyte: allowed. */
  memcpy(data, "q=", 2);
  for (i = 2; i < len; i++) data[i] = (char)('a' + i % 26);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_BODY, (const uint8_t *)data, len, &truncated),
               RAMPART_STATUS_OK);
  CHECK(!truncated);
  CHECK_STATUS(rampart_request_add_header(request, BYTES("X-Big"), (const uint8_t *)data, len, &truncated),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_cookies(request, (const uint8_t *)data, len, &truncated), RAMPART_STATUS_OK);
  data[0] = '"';
  data[len - 1] = '"';
  CHECK_STATUS(rampart_request_add_json(request, (const uint8_t *)data, len, &truncated), RAMPART_STATUS_OK);
  CHECK(!truncated);
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);

  /* Invalid UTF-8 around an attack: still an attack, and the event is valid JSON. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, BYTES("q=%ff%c0%af%27+OR+1%3D1--+"),
                                              &truncated),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_MALICIOUS_PAYLOAD && v.input_index == 0);
  event = event_of(request, &v, RAMPART_SINK_REQUEST, NULL, 0);
  CHECK(event != NULL);
  CHECK(strstr(field_of(event, "input", "value"), PAYLOAD) != NULL);
  json_decref(event);

  /* The inspection buffers of this thread grew for the megabyte; a small request after
   * it is judged the same. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, BYTES("q=<script>alert(1)</script>"),
                                              &truncated),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_inspect(request, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_MALICIOUS_PAYLOAD && v.reason == RAMPART_REASON_PAYLOAD_XSS);
  free(data);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

int main(void) {
  test_inspect();
  test_uploads();
  test_urlencoded();
  test_input_limit();
  test_cookies_and_headers();
  test_json();
  test_large_and_invalid_values();
  return check_summary("inspect");
}
