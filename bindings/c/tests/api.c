/* Every function of rampart.h, its success path and each of its error paths: NULL
 * arguments, unknown codes, malformed text, too-small buffers. Outputs must be left
 * untouched on failure, so each is pre-filled with a sentinel and checked after. */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"

#define QUERY_PREFIX "SELECT * FROM users WHERE email = '"
#define PAYLOAD "' OR 1=1-- "
#define ATTACK_QUERY QUERY_PREFIX PAYLOAD "' AND pw = 'x'"
#define SAFE_QUERY "SELECT * FROM users WHERE email = ?"

static const rampart_engine *engine_from(const char *policy) {
  const rampart_engine *engine = NULL;
  char err[256] = "";
  CHECK_STATUS(rampart_engine_new(BYTES(policy), &engine, err, sizeof err), RAMPART_STATUS_OK);
  CHECK(engine != NULL && err[0] == '\0');
  return engine;
}

static rampart_request *login_request(const rampart_engine *engine, const char *email) {
  rampart_request *request = NULL;
  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_set_method(request, BYTES("POST")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_set_path(request, BYTES("/login")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("email"), BYTES(email)),
               RAMPART_STATUS_OK);
  return request;
}

static rampart_verdict sentinel_verdict(void) {
  rampart_verdict v;
  memset(&v, 0xab, sizeof v);
  return v;
}

static int untouched(const rampart_verdict *v) {
  rampart_verdict s = sentinel_verdict();
  return memcmp(v, &s, sizeof s) == 0;
}

static void test_versions_and_statuses(void) {
  CHECK(strcmp(rampart_version(), RAMPART_VERSION) == 0);
  CHECK(rampart_abi_version() == RAMPART_ABI_VERSION);
  CHECK(strcmp(rampart_status_str(RAMPART_STATUS_OK), "ok") == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_INVALID_POLICY), "invalid_policy:", 15) == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_POLICY_IO), "policy_io:", 10) == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_INVALID_ARGUMENT), "invalid_argument:", 17) == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_NULL_ARGUMENT), "null_argument:", 14) == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_BUFFER_TOO_SMALL), "buffer_too_small:", 17) == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_NO_EVENT), "no_event:", 9) == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_UNKNOWN_ERROR), "unknown_error:", 14) == 0);
  CHECK(strncmp(rampart_status_str(RAMPART_STATUS_PANIC), "panic:", 6) == 0);
  CHECK(strcmp(rampart_status_str(4), "unknown status") == 0);
  CHECK(strcmp(rampart_status_str(0xffffffffu), "unknown status") == 0);
}

static void test_engine_new(void) {
  const rampart_engine *sentinel = (const rampart_engine *)&sentinel;
  const rampart_engine *engine = sentinel;
  char err[256];

  /* An invalid policy: the status, a message naming the field, no engine. */
  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"blok\"}"), &engine, err, sizeof err),
               RAMPART_STATUS_INVALID_POLICY);
  CHECK(engine == sentinel);
  CHECK(strstr(err, "mode") != NULL);
  CHECK_STATUS(rampart_engine_new(BYTES("{\"protections\": {\"sql_injection\": {\"action\": 1}}}"), &engine, err,
                                  sizeof err),
               RAMPART_STATUS_INVALID_POLICY);
  CHECK(strstr(err, "protections.sql_injection.action") != NULL);
  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"block\"} trailing"), &engine, err, sizeof err),
               RAMPART_STATUS_INVALID_POLICY);
  /* The empty document (NULL, 0) is read, and is not a policy. */
  CHECK_STATUS(rampart_engine_new(NULL, 0, &engine, err, sizeof err), RAMPART_STATUS_INVALID_POLICY);
  CHECK(engine == sentinel);

  /* A message cut to a small buffer stays NUL-terminated; NULL/0 error buffers work. */
  memset(err, 'x', sizeof err);
  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"blok\"}"), &engine, err, 8), RAMPART_STATUS_INVALID_POLICY);
  CHECK(strlen(err) == 7 && err[8] == 'x');
  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"blok\"}"), &engine, NULL, 0), RAMPART_STATUS_INVALID_POLICY);
  memset(err, 'x', sizeof err);
  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"blok\"}"), &engine, err, 0), RAMPART_STATUS_INVALID_POLICY);
  CHECK(err[0] == 'x');

  /* NULL where a value is required. */
  CHECK_STATUS(rampart_engine_new(BYTES("{}"), NULL, err, sizeof err), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(strncmp(err, "null_argument", 13) == 0);
  CHECK_STATUS(rampart_engine_new(NULL, 5, &engine, err, sizeof err), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(engine == sentinel);

  /* A policy need not be NUL-terminated: only `len` bytes are read. */
  {
    const char doc[] = {'{', '}', '!', '!'};
    CHECK_STATUS(rampart_engine_new((const uint8_t *)doc, 2, &engine, err, sizeof err), RAMPART_STATUS_OK);
    CHECK(engine != sentinel && engine != NULL);
    rampart_engine_free(engine);
  }
  rampart_engine_free(NULL);
}

static void test_engine_from_env(void) {
  const rampart_engine *engine = NULL;
  char err[512];
  char path[] = "/tmp/rampart-api-policy-XXXXXX";
  const char *policy = "{\"mode\": \"report\", \"block_response\": {\"status\": 451}}";
  int fd = mkstemp(path);
  FILE *file = fdopen(fd, "w");
  uint16_t status = 0;
  size_t ct_len = 0, body_len = 0;
  char ct[64], body[1024];
  rampart_request *request;
  rampart_verdict v;

  CHECK(file != NULL);
  fputs(policy, file);
  fclose(file);

  unsetenv("RAMPART_POLICY");
  unsetenv("RAMPART_MODE");
  CHECK_STATUS(rampart_engine_from_env(&engine, err, sizeof err), RAMPART_STATUS_OK);
  rampart_engine_free(engine);

  /* The file, then RAMPART_MODE over its mode. */
  setenv("RAMPART_POLICY", path, 1);
  setenv("RAMPART_MODE", "block", 1);
  engine = NULL;
  CHECK_STATUS(rampart_engine_from_env(&engine, err, sizeof err), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_block_response(engine, BYTES("id1"), &status, ct, sizeof ct, &ct_len, body, sizeof body,
                                      &body_len),
               RAMPART_STATUS_OK);
  CHECK(status == 451);
  request = login_request(engine, PAYLOAD);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK);
  rampart_request_free(request);
  rampart_engine_free(engine);

  setenv("RAMPART_MODE", "bogus", 1);
  CHECK_STATUS(rampart_engine_from_env(&engine, err, sizeof err), RAMPART_STATUS_INVALID_POLICY);
  CHECK(strstr(err, "RAMPART_MODE") != NULL);
  unsetenv("RAMPART_MODE");
  setenv("RAMPART_POLICY", "/nonexistent/rampart.json", 1);
  CHECK_STATUS(rampart_engine_from_env(&engine, err, sizeof err), RAMPART_STATUS_POLICY_IO);
  CHECK(strstr(err, "/nonexistent/rampart.json") != NULL);
  CHECK_STATUS(rampart_engine_from_env(NULL, err, sizeof err), RAMPART_STATUS_NULL_ARGUMENT);
  unsetenv("RAMPART_POLICY");
  remove(path);
}

static void test_names_and_fail_closed(void) {
  uint32_t code = 12345;
  bool fail_closed = true;
  const rampart_engine *engine = engine_from("{}");
  const rampart_engine *closed = engine_from("{\"fail_closed\": true}");
  const uint8_t not_utf8[] = {0xff, 0xfe};

  CHECK_STATUS(rampart_engine_fail_closed(engine, &fail_closed), RAMPART_STATUS_OK);
  CHECK(fail_closed == false);
  CHECK_STATUS(rampart_engine_fail_closed(closed, &fail_closed), RAMPART_STATUS_OK);
  CHECK(fail_closed == true);
  CHECK_STATUS(rampart_engine_fail_closed(NULL, &fail_closed), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_engine_fail_closed(engine, NULL), RAMPART_STATUS_NULL_ARGUMENT);

  CHECK_STATUS(rampart_dialect_from_name(BYTES("MySQL"), &code), RAMPART_STATUS_OK);
  CHECK(code == RAMPART_DIALECT_MYSQL);
  CHECK_STATUS(rampart_dialect_from_name(BYTES("postgres"), &code), RAMPART_STATUS_OK);
  CHECK(code == RAMPART_DIALECT_POSTGRESQL);
  CHECK_STATUS(rampart_dialect_from_name(BYTES("sqlserver"), &code), RAMPART_STATUS_OK);
  CHECK(code == RAMPART_DIALECT_MSSQL);
  code = 12345;
  CHECK_STATUS(rampart_dialect_from_name(BYTES("db2"), &code), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_dialect_from_name(not_utf8, sizeof not_utf8, &code), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_dialect_from_name(NULL, 3, &code), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_dialect_from_name(BYTES("mysql"), NULL), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(code == 12345);

  CHECK_STATUS(rampart_source_from_name(BYTES("cookie"), &code), RAMPART_STATUS_OK);
  CHECK(code == RAMPART_SOURCE_COOKIE);
  code = 12345;
  CHECK_STATUS(rampart_source_from_name(BYTES("Cookie "), &code), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_source_from_name(NULL, 0, &code), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_source_from_name(NULL, 1, &code), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_source_from_name(BYTES("body"), NULL), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(code == 12345);

  rampart_engine_free(closed);
  rampart_engine_free(engine);
}

static void test_request_and_check(void) {
  const rampart_engine *block = engine_from("{\"mode\": \"block\"}");
  const rampart_engine *report = engine_from("{\"mode\": \"report\"}");
  const rampart_engine *off = engine_from("{\"mode\": \"off\"}");
  rampart_request *sentinel = (rampart_request *)&sentinel;
  rampart_request *request = sentinel;
  rampart_verdict v;
  const char binary[] = {'\'', ' ', 'O', 'R', '\0', '1', '-', '-'};

  CHECK_STATUS(rampart_request_new(NULL, &request), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_new(block, NULL), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(request == sentinel);

  request = login_request(block, PAYLOAD);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("password"), BYTES("hunter2")),
               RAMPART_STATUS_OK);

  /* An attack: every field of the verdict. */
  v = sentinel_verdict();
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK);
  CHECK(v.threat == RAMPART_THREAT_SQL_INJECTION);
  CHECK(v.reason == RAMPART_REASON_SQL_LITERAL_ESCAPE);
  CHECK(v.rule_id == 0);
  CHECK(v.input_index == 0);
  CHECK(v.span_start == strlen(QUERY_PREFIX) && v.span_end == strlen(QUERY_PREFIX) + strlen(PAYLOAD));

  /* The parameterised query is safe. */
  v = sentinel_verdict();
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(SAFE_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_ALLOW && v.threat == RAMPART_THREAT_NONE && v.reason == RAMPART_REASON_NONE);
  CHECK(v.input_index == RAMPART_NONE && v.span_start == RAMPART_NONE && v.span_end == RAMPART_NONE);
  /* NULL with length 0 is the empty query. */
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_GENERIC, NULL, 0, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);

  /* Errors leave the verdict untouched. */
  v = sentinel_verdict();
  CHECK_STATUS(rampart_check_sql(NULL, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), NULL),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, NULL, 10, &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_sql(request, 0, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_check_sql(request, 7, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK(untouched(&v));

  /* add_input: errors change nothing; NULL/0 is the empty key; values are bytes. */
  CHECK_STATUS(rampart_request_add_input(request, 7, BYTES("k"), BYTES("' OR 1=1")), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_request_add_input(NULL, RAMPART_SOURCE_BODY, BYTES("k"), BYTES("v")),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, NULL, 1, BYTES("v")),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("k"), NULL, 1),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_QUERY, NULL, 0, NULL, 0), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_OTHER, NULL, 0, (const uint8_t *)binary,
                                         sizeof binary),
               RAMPART_STATUS_OK);
  {
    const char query[] = {'S', 'E', 'L', 'E', 'C', 'T', ' ', '\'', 'a', '\'', ' ', 'O', 'R', '\0', '1', '-', '-'};
    CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_SQLITE, (const uint8_t *)query, sizeof query, &v),
                 RAMPART_STATUS_OK);
    /* Inputs 0 (email), 1 (password), 2 (empty) came first: the NUL-bearing value is 3. */
    CHECK(v.threat == RAMPART_THREAT_SQL_INJECTION && v.input_index == 3 && v.span_start == 9);
  }

  /* set_method / set_path / set_route: NULL handling. */
  CHECK_STATUS(rampart_request_set_method(NULL, BYTES("GET")), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_method(request, NULL, 1), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_path(NULL, BYTES("/")), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_path(request, NULL, 1), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_route(NULL, BYTES("/")), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_route(request, NULL, 1), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_route(request, NULL, 0), RAMPART_STATUS_OK);

  /* reset forgets the inputs: the attack query no longer holds an input. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  CHECK_STATUS(rampart_request_reset(NULL), RAMPART_STATUS_NULL_ARGUMENT);
  rampart_request_free(request);
  rampart_request_free(NULL);

  /* The policy's mode decides the action. */
  request = login_request(report, PAYLOAD);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_REPORT && v.threat == RAMPART_THREAT_SQL_INJECTION);
  rampart_request_free(request);
  request = login_request(off, PAYLOAD);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_ALLOW && v.threat == RAMPART_THREAT_NONE);
  rampart_request_free(request);

  rampart_engine_free(off);
  rampart_engine_free(report);
  rampart_engine_free(block);
}

/* A request in block mode holding one input. */
static rampart_request *request_with(const rampart_engine *engine, const char *value) {
  rampart_request *request = NULL;
  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_QUERY, BYTES("q"), BYTES(value)), RAMPART_STATUS_OK);
  return request;
}

/* A found attack: action, threat, reason, the input and its span; and its event names
 * the sink. `spanned` is what the span points into. */
static void check_attack(const rampart_request *request, const rampart_verdict *v, uint32_t threat, uint32_t reason,
                         uint32_t sink, const char *sink_name, const char *spanned, size_t start, size_t end) {
  char event[8192], kind[64];
  size_t len;
  CHECK(v->action == RAMPART_ACTION_BLOCK && v->threat == threat && v->reason == reason);
  CHECK(v->input_index == 0 && v->span_start == start && v->span_end == end);
  CHECK_STATUS(rampart_event_json(request, v, sink, BYTES(spanned), NULL, 0, event, sizeof event, &len),
               RAMPART_STATUS_OK);
  snprintf(kind, sizeof kind, "\"kind\":\"%s\"", sink_name);
  CHECK(strstr(event, kind) != NULL && strstr(event, "\"action\":\"blocked\"") != NULL);
}

/* The NULL and error paths every (request, bytes, verdict) check shares. */
typedef rampart_status (*bytes_check)(const rampart_request *, const uint8_t *, size_t, rampart_verdict *);

static void check_error_paths(bytes_check check, const rampart_request *request) {
  rampart_verdict v = sentinel_verdict();
  CHECK_STATUS(check(NULL, BYTES("x"), &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(check(request, BYTES("x"), NULL), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(check(request, NULL, 4, &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(check(request, (const uint8_t *)"x", (size_t)-1, &v), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK(untouched(&v));
  /* NULL with length 0 is the empty resource: nothing to find. */
  CHECK_STATUS(check(request, NULL, 0, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE && v.action == RAMPART_ACTION_ALLOW && v.input_index == RAMPART_NONE);
}

static void test_shell_nosql_path_url(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  const rampart_engine *report = engine_from("{\"mode\": \"report\"}");
  const char *filter = "{\"username\": \"admin\", \"password\": {\"$ne\": \"\"}}";
  rampart_request *request;
  rampart_verdict v;

  /* Shell: the input ends the command and starts another. */
  request = request_with(engine, "x; rm -rf /");
  v = sentinel_verdict();
  CHECK_STATUS(rampart_check_shell(request, BYTES("ls -l x; rm -rf /"), &v), RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_COMMAND_INJECTION, RAMPART_REASON_SHELL_OPERATOR, RAMPART_SINK_SHELL,
               "shell", "ls -l x; rm -rf /", 6, 17);
  CHECK_STATUS(rampart_check_shell(request, BYTES("ls -l 'x; rm -rf /'"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  check_error_paths(rampart_check_shell, request);
  rampart_request_free(request);

  /* NoSQL: a user-supplied {"$ne": ""} reaches the filter; the span is the operator. */
  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("password[$ne]"), NULL, 0),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_nosql(request, BYTES(filter), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK && v.threat == RAMPART_THREAT_NOSQL_INJECTION &&
        v.reason == RAMPART_REASON_NOSQL_OPERATOR && v.input_index == 0);
  CHECK(v.span_end <= strlen(filter) && strncmp(filter + v.span_start, "\"$ne\"", v.span_end - v.span_start) == 0);
  CHECK_STATUS(rampart_check_nosql(request, BYTES("{\"username\": \"admin\", \"password\": \"\"}"), &v),
               RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  check_error_paths(rampart_check_nosql, request);
  rampart_request_free(request);

  /* Path: traversal to a sensitive file. A path need not be NUL-terminated, and a NUL
   * byte inside it is data. */
  request = request_with(engine, "../../etc/passwd");
  CHECK_STATUS(rampart_check_path(request, BYTES("/srv/files/../../etc/passwd"), &v), RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_PATH_TRAVERSAL, RAMPART_REASON_PATH_TRAVERSAL_SENSITIVE, RAMPART_SINK_PATH,
               "path", "/srv/files/../../etc/passwd", 11, 27);
  CHECK_STATUS(rampart_check_path(request, BYTES("/srv/files/report.pdf"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  check_error_paths(rampart_check_path, request);
  rampart_request_free(request);
  {
    const char value[] = {'a', '.', 't', 'x', 't', '\0', '.', 'p', 'n', 'g'};
    const char path[] = {'/', 's', 'r', 'v', '/', 'a', '.', 't', 'x', 't', '\0', '.', 'p', 'n', 'g'};
    CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
    CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_QUERY, BYTES("f"), (const uint8_t *)value,
                                           sizeof value),
                 RAMPART_STATUS_OK);
    CHECK_STATUS(rampart_check_path(request, (const uint8_t *)path, sizeof path, &v), RAMPART_STATUS_OK);
    CHECK(v.threat == RAMPART_THREAT_PATH_TRAVERSAL && v.reason == RAMPART_REASON_PATH_NUL_BYTE && v.span_start == 5);
    rampart_request_free(request);
  }

  /* URL: the input chooses an internal host; report mode reports it. */
  request = request_with(engine, "http://169.254.169.254/latest/meta-data/");
  CHECK_STATUS(rampart_check_url(request, BYTES("http://169.254.169.254/latest/meta-data/"), &v), RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_SSRF, RAMPART_REASON_SSRF_CLOUD_METADATA, RAMPART_SINK_URL, "url",
               "http://169.254.169.254/latest/meta-data/", 0, 40);
  rampart_request_free(request);
  request = request_with(report, "http://localhost:8080/admin");
  CHECK_STATUS(rampart_check_url(request, BYTES("http://localhost:8080/admin"), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_REPORT && v.threat == RAMPART_THREAT_SSRF &&
        v.reason == RAMPART_REASON_SSRF_INTERNAL_HOST);
  CHECK_STATUS(rampart_check_url(request, BYTES("https://api.example.com/v1?next=http://localhost:8080/admin"), &v),
               RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  check_error_paths(rampart_check_url, request);
  rampart_request_free(request);

  rampart_engine_free(report);
  rampart_engine_free(engine);
}

static void test_resolved_ip(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = request_with(engine, "https://rebind.example/hook");
  rampart_verdict v;

  /* check_url sees a public name; at connect time it resolved to loopback. */
  CHECK_STATUS(rampart_check_url(request, BYTES("https://rebind.example/hook"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  CHECK_STATUS(rampart_check_resolved_ip(request, BYTES("rebind.example"), BYTES("127.0.0.1"), &v),
               RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_SSRF, RAMPART_REASON_SSRF_RESOLVED_INTERNAL, RAMPART_SINK_URL, "url",
               "rebind.example", 0, 14);
  CHECK_STATUS(rampart_check_resolved_ip(request, BYTES("rebind.example"), BYTES("[fd00:ec2::254]"), &v),
               RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_SSRF && v.reason == RAMPART_REASON_SSRF_RESOLVED_METADATA);
  /* A public address, a name no input chose, or text that is not an address: allowed. */
  CHECK_STATUS(rampart_check_resolved_ip(request, BYTES("rebind.example"), BYTES("93.184.216.34"), &v),
               RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  CHECK_STATUS(rampart_check_resolved_ip(request, BYTES("db.internal.corp"), BYTES("10.0.0.7"), &v),
               RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  CHECK_STATUS(rampart_check_resolved_ip(request, BYTES("rebind.example"), BYTES("not an ip"), &v),
               RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  CHECK_STATUS(rampart_check_resolved_ip(request, NULL, 0, NULL, 0, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);

  v = sentinel_verdict();
  CHECK_STATUS(rampart_check_resolved_ip(NULL, BYTES("rebind.example"), BYTES("127.0.0.1"), &v),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_resolved_ip(request, BYTES("rebind.example"), BYTES("127.0.0.1"), NULL),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_resolved_ip(request, NULL, 3, BYTES("127.0.0.1"), &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_resolved_ip(request, BYTES("rebind.example"), NULL, 3, &v),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(untouched(&v));
  rampart_request_free(request);
  rampart_engine_free(engine);
}

static void test_redirect_and_host(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = request_with(engine, "https://shop.example.com/cart");
  rampart_verdict v;

  /* Without the request's own host, an absolute redirect to it looks foreign. */
  CHECK_STATUS(rampart_check_redirect(request, BYTES("https://shop.example.com/cart"), &v), RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_OPEN_REDIRECT, RAMPART_REASON_REDIRECT_FOREIGN_HOST,
               RAMPART_SINK_REDIRECT, "redirect", "https://shop.example.com/cart", 0, 29);
  CHECK_STATUS(rampart_request_set_host(request, BYTES("shop.example.com")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_redirect(request, BYTES("https://shop.example.com/cart"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  /* reset forgets the host too. */
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_QUERY, BYTES("next"),
                                         BYTES("https://shop.example.com/cart")),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_redirect(request, BYTES("https://shop.example.com/cart"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_OPEN_REDIRECT);
  rampart_request_free(request);

  request = request_with(engine, "javascript:alert(1)");
  CHECK_STATUS(rampart_request_set_host(request, BYTES("shop.example.com")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_redirect(request, BYTES("javascript:alert(1)"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_OPEN_REDIRECT && v.reason == RAMPART_REASON_REDIRECT_SCRIPT_SCHEME);
  CHECK_STATUS(rampart_check_redirect(request, BYTES("/search?q=javascript:alert(1)"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  check_error_paths(rampart_check_redirect, request);

  CHECK_STATUS(rampart_request_set_host(NULL, BYTES("shop.example.com")), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_host(request, NULL, 3), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_set_host(request, NULL, 0), RAMPART_STATUS_OK);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

static void test_header(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = request_with(engine, "en\r\nSet-Cookie: session=evil");
  const char *value = "en\r\nSet-Cookie: session=evil";
  rampart_verdict v;

  CHECK_STATUS(rampart_check_header(request, BYTES("Content-Language"), BYTES(value), &v), RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_HEADER_INJECTION, RAMPART_REASON_HEADER_LINE_BREAK, RAMPART_SINK_HEADER,
               "header", value, 0, strlen(value));
  /* In the name: the span is in the name. */
  CHECK_STATUS(rampart_check_header(request, BYTES(value), BYTES("1"), &v), RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_HEADER_INJECTION, RAMPART_REASON_HEADER_NAME_INJECTION,
               RAMPART_SINK_HEADER, "header", value, 0, strlen(value));
  CHECK_STATUS(rampart_check_header(request, BYTES("Content-Language"), BYTES("en"), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  CHECK_STATUS(rampart_check_header(request, NULL, 0, NULL, 0, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);

  v = sentinel_verdict();
  CHECK_STATUS(rampart_check_header(NULL, BYTES("X-A"), BYTES(value), &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_header(request, BYTES("X-A"), BYTES(value), NULL), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_header(request, NULL, 3, BYTES(value), &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_header(request, BYTES("X-A"), NULL, 3, &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(untouched(&v));
  rampart_request_free(request);
  rampart_engine_free(engine);
}

#define LONG_ARGC (RAMPART_EXEC_INLINE_ARGS * 3)

static void test_exec(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = request_with(engine, "whoami");
  rampart_bytes argv[LONG_ARGC];
  rampart_verdict v;
  size_t i;

  /* The input is the program. */
  argv[0].data = (const uint8_t *)"whoami";
  argv[0].len = 6;
  CHECK_STATUS(rampart_check_exec(request, argv, 1, &v), RAMPART_STATUS_OK);
  check_attack(request, &v, RAMPART_THREAT_COMMAND_INJECTION, RAMPART_REASON_EXEC_PROGRAM, RAMPART_SINK_EXEC, "exec",
               "whoami", 0, 6);
  /* The input as an argument of a harmless program; empty arguments (NULL, 0) are fine. */
  argv[0].data = (const uint8_t *)"/usr/bin/id";
  argv[0].len = 11;
  argv[1].data = (const uint8_t *)"whoami";
  argv[1].len = 6;
  argv[2].data = NULL;
  argv[2].len = 0;
  CHECK_STATUS(rampart_check_exec(request, argv, 3, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);
  /* No argv at all. */
  CHECK_STATUS(rampart_check_exec(request, NULL, 0, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);

  /* Beyond RAMPART_EXEC_INLINE_ARGS the verdict is the same (one allocation). Here the
   * program is the input, followed by many plain arguments; spans stay offsets into
   * the joined argv. */
  argv[0].data = (const uint8_t *)"whoami";
  argv[0].len = 6;
  for (i = 1; i < LONG_ARGC; i++) {
    argv[i].data = (const uint8_t *)"a";
    argv[i].len = 1;
  }
  CHECK_STATUS(rampart_check_exec(request, argv, RAMPART_EXEC_INLINE_ARGS, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_COMMAND_INJECTION && v.reason == RAMPART_REASON_EXEC_PROGRAM && v.span_end == 6);
  CHECK_STATUS(rampart_check_exec(request, argv, RAMPART_EXEC_INLINE_ARGS + 1, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_COMMAND_INJECTION && v.reason == RAMPART_REASON_EXEC_PROGRAM && v.span_end == 6);
  CHECK_STATUS(rampart_check_exec(request, argv, LONG_ARGC, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_COMMAND_INJECTION && v.reason == RAMPART_REASON_EXEC_PROGRAM && v.span_end == 6);
  /* ... and the input found late in a long argv: an option for git after many paths. */
  rampart_request_free(request);
  request = request_with(engine, "--upload-pack=id");
  argv[0].data = (const uint8_t *)"git";
  argv[0].len = 3;
  argv[1].data = (const uint8_t *)"fetch";
  argv[1].len = 5;
  argv[LONG_ARGC - 1].data = (const uint8_t *)"--upload-pack=id";
  argv[LONG_ARGC - 1].len = 16;
  CHECK_STATUS(rampart_check_exec(request, argv, LONG_ARGC, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_COMMAND_INJECTION && v.reason == RAMPART_REASON_EXEC_OPTION);
  /* "git fetch" then LONG_ARGC - 3 times " a", then " ": the option's offset. */
  CHECK(v.span_start == 3 + 1 + 5 + 2 * (LONG_ARGC - 3) + 1 && v.span_end == v.span_start + 16);
  CHECK_STATUS(rampart_check_exec(request, argv, LONG_ARGC - 1, &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_NONE);

  /* Errors leave the verdict untouched, short argv or long. */
  v = sentinel_verdict();
  CHECK_STATUS(rampart_check_exec(NULL, argv, 1, &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_exec(request, argv, 1, NULL), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_exec(request, NULL, 2, &v), RAMPART_STATUS_NULL_ARGUMENT);
  argv[1].data = NULL;
  argv[1].len = 4;
  CHECK_STATUS(rampart_check_exec(request, argv, 2, &v), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_check_exec(request, argv, LONG_ARGC, &v), RAMPART_STATUS_NULL_ARGUMENT);
  argv[1].data = (const uint8_t *)"a";
  argv[1].len = (size_t)-1;
  CHECK_STATUS(rampart_check_exec(request, argv, 2, &v), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_check_exec(request, argv, (size_t)-1, &v), RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK(untouched(&v));

  rampart_request_free(request);
  rampart_engine_free(engine);
}

static void test_route_exclusion(void) {
  const rampart_engine *engine = engine_from(
      "{\"mode\": \"block\", \"exclusions\": [{\"route\": \"/admin/*\", \"protections\": [\"sql_injection\"]}]}");
  rampart_request *request = login_request(engine, PAYLOAD);
  rampart_verdict v;

  CHECK_STATUS(rampart_request_set_route(request, BYTES("/admin/sql-console")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_ALLOW);
  CHECK_STATUS(rampart_request_set_route(request, BYTES("/login")), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

/* A request keeps its engine alive: the engine may be freed first. */
static void test_engine_outlived_by_request(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = login_request(engine, PAYLOAD);
  rampart_verdict v;

  rampart_engine_free(engine);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK);
  rampart_request_free(request);
}

static void test_event_json(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = login_request(engine, PAYLOAD);
  const char *meta = "{\"operation\": \"mysql_real_query\", \"event_id\": \"evt-42\", \"client_ip\": \"127.0.0.1\","
                     " \"stack\": [\"app.c:12 login\"]}";
  rampart_verdict v, allow;
  char small[16], *buf;
  size_t len = 12345, needed;
  json_t *event;
  json_error_t error;

  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK_QUERY), &v), RAMPART_STATUS_OK);

  /* Ask for the size, then a buffer too small by one byte (the NUL), then enough. */
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), BYTES(meta), NULL, 0, &len),
               RAMPART_STATUS_BUFFER_TOO_SMALL);
  needed = len;
  CHECK(needed > 100);
  memset(small, 'x', sizeof small);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), BYTES(meta), small,
                                  sizeof small, &len),
               RAMPART_STATUS_BUFFER_TOO_SMALL);
  CHECK(len == needed && small[0] == 'x' && small[sizeof small - 1] == 'x');
  buf = (char *)malloc(needed + 1);
  memset(buf, 'x', needed + 1);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), BYTES(meta), buf, needed, &len),
               RAMPART_STATUS_BUFFER_TOO_SMALL);
  CHECK(buf[0] == 'x');
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), BYTES(meta), buf, needed + 1,
                                  &len),
               RAMPART_STATUS_OK);
  CHECK(len == needed && strlen(buf) == len);

  event = json_loadb(buf, len, 0, &error);
  CHECK(event != NULL);
  if (event) {
    CHECK(strcmp(json_string_value(json_object_get(event, "event_id")), "evt-42") == 0);
    CHECK(strcmp(json_string_value(json_object_get(event, "threat")), "sql_injection") == 0);
    CHECK(strcmp(json_string_value(json_object_get(event, "action")), "blocked") == 0);
    CHECK(strcmp(json_string_value(json_object_get(event, "reason")), "sql_literal_escape") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(event, "sink"), "kind")), "sql") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(event, "sink"), "operation")),
                 "mysql_real_query") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(event, "input"), "value")), PAYLOAD) == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(event, "request"), "path")), "/login") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(event, "request"), "client_ip")), "127.0.0.1") ==
          0);
    CHECK(strcmp(json_string_value(json_array_get(json_object_get(event, "stack"), 0)), "app.c:12 login") == 0);
    CHECK(strcmp(json_string_value(json_object_get(json_object_get(event, "engine"), "version")), RAMPART_VERSION) ==
          0);
    json_decref(event);
  }

  /* No meta (NULL, 0): a fresh 32-hex event id. */
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1, &len),
               RAMPART_STATUS_OK);
  event = json_loadb(buf, len, 0, &error);
  CHECK(event != NULL && strlen(json_string_value(json_object_get(event, "event_id"))) == RAMPART_EVENT_ID_LEN);
  json_decref(event);

  /* Errors. */
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(SAFE_QUERY), &allow), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_event_json(request, &allow, RAMPART_SINK_SQL, BYTES(SAFE_QUERY), NULL, 0, buf, needed + 1, &len),
               RAMPART_STATUS_NO_EVENT);
  CHECK_STATUS(rampart_event_json(request, &v, 0, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1, &len),
               RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_event_json(request, &v, 99, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1, &len),
               RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), BYTES("{\"operatoin\": \"x\"}"),
                                  buf, needed + 1, &len),
               RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), BYTES("{not json"), buf,
                                  needed + 1, &len),
               RAMPART_STATUS_INVALID_ARGUMENT);
  {
    rampart_verdict forged = v;
    forged.reason = 1;
    CHECK_STATUS(rampart_event_json(request, &forged, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1,
                                    &len),
                 RAMPART_STATUS_INVALID_ARGUMENT);
    forged = v;
    forged.span_end = forged.span_start - 1;
    CHECK_STATUS(rampart_event_json(request, &forged, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1,
                                    &len),
                 RAMPART_STATUS_INVALID_ARGUMENT);
    /* A span beyond the resource is not trusted: the event quotes no span. */
    forged = v;
    forged.span_end = 100000;
    CHECK_STATUS(rampart_event_json(request, &forged, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1,
                                    &len),
                 RAMPART_STATUS_OK);
  }
  len = 777;
  CHECK_STATUS(rampart_event_json(NULL, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1, &len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_event_json(request, NULL, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1, &len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, NULL, 3, NULL, 0, buf, needed + 1, &len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 3, buf, needed + 1, &len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, NULL, 10, &len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK(len == 777);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(ATTACK_QUERY), NULL, 0, buf, needed + 1, NULL),
               RAMPART_STATUS_NULL_ARGUMENT);

  free(buf);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

/* A cookie's value is a secret: the event masks it. */
static void test_event_masks_secrets(void) {
  const rampart_engine *engine = engine_from("{\"mode\": \"block\"}");
  rampart_request *request = NULL;
  const char *query = "SELECT * FROM sessions WHERE token = 'x' OR 'a'='a'";
  rampart_verdict v;
  char buf[4096];
  size_t len;

  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_COOKIE, BYTES("session"), BYTES("x' OR 'a'='a")),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_POSTGRESQL, BYTES(query), &v), RAMPART_STATUS_OK);
  CHECK(v.threat == RAMPART_THREAT_SQL_INJECTION);
  CHECK_STATUS(rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(query), NULL, 0, buf, sizeof buf, &len),
               RAMPART_STATUS_OK);
  CHECK(strstr(buf, "OR 'a'") == NULL && strstr(buf, "<masked: 12 bytes>") != NULL);
  rampart_request_free(request);
  rampart_engine_free(engine);
}

static void test_event_id_and_block_response(void) {
  const rampart_engine *engine = engine_from("{}");
  const rampart_engine *custom = engine_from(
      "{\"block_response\": {\"status\": 406, \"content_type\": \"text/plain; charset=utf-8\","
      " \"body\": \"\xe3\x83\x96\xe3\x83\xad\xe3\x83\x83\xe3\x82\xaf id={{event_id}}\"}}");
  char id[RAMPART_EVENT_ID_LEN + 1], other[RAMPART_EVENT_ID_LEN + 1], ct[64], body[2048], tiny[4];
  size_t ct_len = 0, body_len = 0, i;
  uint16_t status = 0;

  CHECK_STATUS(rampart_event_id_new(id, sizeof id), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_event_id_new(other, sizeof other), RAMPART_STATUS_OK);
  CHECK(strlen(id) == RAMPART_EVENT_ID_LEN && strcmp(id, other) != 0);
  for (i = 0; i < RAMPART_EVENT_ID_LEN; i++) CHECK(strchr("0123456789abcdef", id[i]) != NULL);
  CHECK_STATUS(rampart_event_id_new(other, RAMPART_EVENT_ID_LEN), RAMPART_STATUS_BUFFER_TOO_SMALL);
  CHECK_STATUS(rampart_event_id_new(NULL, 0), RAMPART_STATUS_BUFFER_TOO_SMALL);
  CHECK_STATUS(rampart_event_id_new(NULL, 33), RAMPART_STATUS_NULL_ARGUMENT);

  /* The default page quotes the id. */
  CHECK_STATUS(rampart_block_response(engine, (const uint8_t *)id, strlen(id), &status, ct, sizeof ct, &ct_len, body,
                                      sizeof body, &body_len),
               RAMPART_STATUS_OK);
  CHECK(status == 403 && strcmp(ct, "text/html; charset=utf-8") == 0 && ct_len == strlen(ct));
  CHECK(strstr(body, id) != NULL && body_len == strlen(body) && strstr(body, "{{event_id}}") == NULL);

  /* A custom UTF-8 page. */
  CHECK_STATUS(rampart_block_response(custom, BYTES("abc"), &status, ct, sizeof ct, &ct_len, body, sizeof body,
                                      &body_len),
               RAMPART_STATUS_OK);
  CHECK(status == 406 && strcmp(ct, "text/plain; charset=utf-8") == 0);
  CHECK(strcmp(body, "\xe3\x83\x96\xe3\x83\xad\xe3\x83\x83\xe3\x82\xaf id=abc") == 0);

  /* Too small: both lengths, nothing else. */
  status = 1;
  ct_len = body_len = 0;
  memset(tiny, 'x', sizeof tiny);
  CHECK_STATUS(rampart_block_response(custom, BYTES("abc"), &status, ct, sizeof ct, &ct_len, tiny, sizeof tiny,
                                      &body_len),
               RAMPART_STATUS_BUFFER_TOO_SMALL);
  CHECK(status == 1 && ct_len == strlen("text/plain; charset=utf-8") && body_len == 12 + 7 && tiny[0] == 'x');
  CHECK_STATUS(rampart_block_response(custom, NULL, 0, &status, NULL, 0, &ct_len, NULL, 0, &body_len),
               RAMPART_STATUS_BUFFER_TOO_SMALL);
  CHECK(body_len == 12 + 4);

  /* Errors. */
  CHECK_STATUS(rampart_block_response(engine, BYTES("<script>"), &status, ct, sizeof ct, &ct_len, body, sizeof body,
                                      &body_len),
               RAMPART_STATUS_INVALID_ARGUMENT);
  CHECK_STATUS(rampart_block_response(NULL, BYTES("a"), &status, ct, sizeof ct, &ct_len, body, sizeof body, &body_len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_block_response(engine, BYTES("a"), NULL, ct, sizeof ct, &ct_len, body, sizeof body, &body_len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_block_response(engine, BYTES("a"), &status, ct, sizeof ct, NULL, body, sizeof body, &body_len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_block_response(engine, BYTES("a"), &status, ct, sizeof ct, &ct_len, body, sizeof body, NULL),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_block_response(engine, BYTES("a"), &status, NULL, 5, &ct_len, body, sizeof body, &body_len),
               RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_block_response(engine, NULL, 1, &status, ct, sizeof ct, &ct_len, body, sizeof body, &body_len),
               RAMPART_STATUS_NULL_ARGUMENT);

  rampart_engine_free(custom);
  rampart_engine_free(engine);
}

int main(void) {
  test_versions_and_statuses();
  test_engine_new();
  test_engine_from_env();
  test_names_and_fail_closed();
  test_request_and_check();
  test_shell_nosql_path_url();
  test_resolved_ip();
  test_redirect_and_host();
  test_header();
  test_exec();
  test_route_exclusion();
  test_engine_outlived_by_request();
  test_event_json();
  test_event_masks_secrets();
  test_event_id_and_block_response();
  return check_summary("api");
}
