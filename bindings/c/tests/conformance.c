/* Runs every conformance vector (the .jsonl files of testdata/vectors) through
 * the C ABI and checks the verdict against the case's `expect`.
 *
 * Each kind has one row in KINDS, and every kind of the vectors must have one: a case of
 * any other kind is counted as unsupported, which fails the run. Cases listed in the skip file (one
 * {"id": ..., "reason": ...} per line) may fail; a listed case that passes is an error
 * (remove it from the list). The total number of cases read must equal --expect.
 *
 * usage: conformance --expect N [--skip FILE] FILE.jsonl... */
#include <jansson.h>
#include <stdlib.h>

#include "check.h"

/* A case's resource, as the sink receives it. */
struct resource {
  const char *text; /* NULL when the resource is not a string (an argv) */
  size_t len;
};

/* A check runs the case through its rampart_check_<kind> and says which bytes the
 * verdict's span points into (what the host passes to rampart_event_json). */
typedef rampart_status (*check_fn)(const rampart_request *request, json_t *vector, struct resource resource,
                                   rampart_verdict *verdict_out, struct resource *spanned);

#define U8(text) ((const uint8_t *)(text))

/* An optional string field of the vector; NULL when absent. */
static int field(json_t *vector, const char *name, struct resource *out) {
  json_t *value = json_object_get(vector, name);
  if (!json_is_string(value)) return 0;
  out->text = json_string_value(value);
  out->len = json_string_length(value);
  return 1;
}

static rampart_status check_sql(const rampart_request *request, json_t *vector, struct resource resource,
                                rampart_verdict *verdict_out, struct resource *spanned) {
  json_t *name = json_object_get(vector, "dialect");
  uint32_t dialect = RAMPART_DIALECT_GENERIC;
  rampart_status status;
  if (json_is_string(name)) {
    status = rampart_dialect_from_name(U8(json_string_value(name)), json_string_length(name), &dialect);
    if (status != RAMPART_STATUS_OK) return status;
  }
  if (resource.text == NULL) return RAMPART_STATUS_INVALID_ARGUMENT;
  *spanned = resource;
  return rampart_check_sql(request, dialect, U8(resource.text), resource.len, verdict_out);
}

static rampart_status check_shell(const rampart_request *request, json_t *vector, struct resource resource,
                                  rampart_verdict *verdict_out, struct resource *spanned) {
  (void)vector;
  if (resource.text == NULL) return RAMPART_STATUS_INVALID_ARGUMENT;
  *spanned = resource;
  return rampart_check_shell(request, U8(resource.text), resource.len, verdict_out);
}

/* The argv joined by one space: what an exec verdict's span points into. */
static char joined_argv[1 << 16];

static rampart_status check_exec(const rampart_request *request, json_t *vector, struct resource resource,
                                 rampart_verdict *verdict_out, struct resource *spanned) {
  json_t *argv = json_object_get(vector, "resource");
  rampart_bytes args[256];
  size_t argc = json_array_size(argv), i, at = 0;
  json_t *arg;
  (void)resource;
  if (!json_is_array(argv) || argc > sizeof args / sizeof args[0]) return RAMPART_STATUS_INVALID_ARGUMENT;
  json_array_foreach(argv, i, arg) {
    size_t len = json_string_length(arg);
    if (!json_is_string(arg) || at + len + 1 > sizeof joined_argv) return RAMPART_STATUS_INVALID_ARGUMENT;
    args[i].data = U8(json_string_value(arg));
    args[i].len = len;
    if (i > 0) joined_argv[at++] = ' ';
    memcpy(joined_argv + at, json_string_value(arg), len);
    at += len;
  }
  spanned->text = joined_argv;
  spanned->len = at;
  return rampart_check_exec(request, args, argc, verdict_out);
}

static rampart_status check_nosql(const rampart_request *request, json_t *vector, struct resource resource,
                                  rampart_verdict *verdict_out, struct resource *spanned) {
  (void)vector;
  if (resource.text == NULL) return RAMPART_STATUS_INVALID_ARGUMENT;
  *spanned = resource;
  return rampart_check_nosql(request, U8(resource.text), resource.len, verdict_out);
}

static rampart_status check_path(const rampart_request *request, json_t *vector, struct resource resource,
                                 rampart_verdict *verdict_out, struct resource *spanned) {
  (void)vector;
  if (resource.text == NULL) return RAMPART_STATUS_INVALID_ARGUMENT;
  *spanned = resource;
  return rampart_check_path(request, U8(resource.text), resource.len, verdict_out);
}

/* The URL, then (as a client does at connect time) the address its host resolved to. */
static rampart_status check_url(const rampart_request *request, json_t *vector, struct resource resource,
                                rampart_verdict *verdict_out, struct resource *spanned) {
  struct resource host, ip;
  rampart_status status;
  if (resource.text == NULL) return RAMPART_STATUS_INVALID_ARGUMENT;
  *spanned = resource;
  status = rampart_check_url(request, U8(resource.text), resource.len, verdict_out);
  if (status != RAMPART_STATUS_OK || verdict_out->threat != RAMPART_THREAT_NONE || !field(vector, "ip", &ip))
    return status;
  if (!field(vector, "host", &host)) return RAMPART_STATUS_INVALID_ARGUMENT;
  *spanned = host;
  return rampart_check_resolved_ip(request, U8(host.text), host.len, U8(ip.text), ip.len, verdict_out);
}

static rampart_status check_redirect(const rampart_request *request, json_t *vector, struct resource resource,
                                     rampart_verdict *verdict_out, struct resource *spanned) {
  (void)vector;
  if (resource.text == NULL) return RAMPART_STATUS_INVALID_ARGUMENT;
  *spanned = resource;
  return rampart_check_redirect(request, U8(resource.text), resource.len, verdict_out);
}

static rampart_status check_header(const rampart_request *request, json_t *vector, struct resource resource,
                                   rampart_verdict *verdict_out, struct resource *spanned) {
  struct resource name;
  rampart_status status;
  if (resource.text == NULL || !field(vector, "name", &name)) return RAMPART_STATUS_INVALID_ARGUMENT;
  status = rampart_check_header(request, U8(name.text), name.len, U8(resource.text), resource.len, verdict_out);
  *spanned = status == RAMPART_STATUS_OK && verdict_out->reason == RAMPART_REASON_HEADER_NAME_INJECTION ? name
                                                                                                      : resource;
  return status;
}

/* Payload inspection judges the request itself (its method and path are set by
 * fill_request); the span covers the offending input's whole value, which is what the
 * event quotes, or the path for a rule on the method or path (no input). */
static rampart_status check_payload(const rampart_request *request, json_t *vector, struct resource resource,
                                    rampart_verdict *verdict_out, struct resource *spanned) {
  rampart_status status = rampart_inspect(request, verdict_out);
  json_t *value;
  *spanned = resource;
  if (status != RAMPART_STATUS_OK || verdict_out->input_index == RAMPART_NONE) return status;
  value = json_object_get(json_array_get(json_object_get(vector, "inputs"), verdict_out->input_index), "value");
  if (json_is_string(value)) {
    spanned->text = json_string_value(value);
    spanned->len = json_string_length(value);
  }
  return status;
}

/* What an attack's span covers, besides lying inside the bytes it points into. */
enum span_rule {
  SPAN_VALUE,            /* exactly the input's value */
  SPAN_VALUE_OR_DECODED, /* the value, or its percent-decoded form when it holds a '%' */
  SPAN_IN_VALUE,         /* bytes of the value (a resolved host: the part the input chose) */
  SPAN_ANY               /* the sink's own syntax (a NoSQL operator's key) */
};

/* The kinds the C ABI checks: every kind of the vectors. A detector's new
 * rampart_check_<kind> adds a row. */
static const struct kind {
  const char *name;
  uint32_t sink;   /* for rampart_event_json */
  uint32_t threat; /* what an attack of this kind is */
  uint32_t action; /* what the vectors' policy ({"mode": "block"}) does about it */
  enum span_rule span; /* where an attack's span must sit */
  check_fn check;
} KINDS[] = {
    {"sql", RAMPART_SINK_SQL, RAMPART_THREAT_SQL_INJECTION, RAMPART_ACTION_BLOCK, SPAN_VALUE, check_sql},
    {"shell", RAMPART_SINK_SHELL, RAMPART_THREAT_COMMAND_INJECTION, RAMPART_ACTION_BLOCK, SPAN_VALUE, check_shell},
    {"exec", RAMPART_SINK_EXEC, RAMPART_THREAT_COMMAND_INJECTION, RAMPART_ACTION_BLOCK, SPAN_VALUE, check_exec},
    {"nosql", RAMPART_SINK_NOSQL, RAMPART_THREAT_NOSQL_INJECTION, RAMPART_ACTION_BLOCK, SPAN_ANY, check_nosql},
    {"path", RAMPART_SINK_PATH, RAMPART_THREAT_PATH_TRAVERSAL, RAMPART_ACTION_BLOCK, SPAN_VALUE_OR_DECODED, check_path},
    {"url", RAMPART_SINK_URL, RAMPART_THREAT_SSRF, RAMPART_ACTION_BLOCK, SPAN_IN_VALUE, check_url},
    {"redirect", RAMPART_SINK_REDIRECT, RAMPART_THREAT_OPEN_REDIRECT, RAMPART_ACTION_BLOCK, SPAN_VALUE, check_redirect},
    {"header", RAMPART_SINK_HEADER, RAMPART_THREAT_HEADER_INJECTION, RAMPART_ACTION_BLOCK, SPAN_VALUE, check_header},
    /* malicious_payload reports by default, even in block mode. */
    {"payload", RAMPART_SINK_REQUEST, RAMPART_THREAT_MALICIOUS_PAYLOAD, RAMPART_ACTION_REPORT, SPAN_VALUE, check_payload},
};

#define MAX_KINDS 32

/* Counts per kind found in the files, supported or not. */
static struct tally {
  char name[32];
  unsigned long checked, unsupported, failed, skipped_failing;
} tallies[MAX_KINDS];
static size_t tally_count;

static struct tally *tally_for(const char *kind) {
  size_t i;
  for (i = 0; i < tally_count; i++)
    if (strcmp(tallies[i].name, kind) == 0) return &tallies[i];
  if (tally_count == MAX_KINDS) return NULL;
  snprintf(tallies[tally_count].name, sizeof tallies[tally_count].name, "%s", kind);
  return &tallies[tally_count++];
}

static json_t *skip_ids; /* object: id -> reason */

static void load_skip_list(const char *path) {
  FILE *file = fopen(path, "r");
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  skip_ids = json_object();
  if (file == NULL) return; /* no skip list: nothing may fail */
  while ((len = getline(&line, &cap, file)) > 0) {
    json_error_t error;
    json_t *entry = json_loadb(line, (size_t)len, 0, &error);
    json_t *id = json_object_get(entry, "id");
    json_t *reason = json_object_get(entry, "reason");
    CHECK(json_is_string(id) && json_is_string(reason));
    if (json_is_string(id)) json_object_set(skip_ids, json_string_value(id), reason ? reason : json_null());
    json_decref(entry);
  }
  free(line);
  fclose(file);
}

static int fill_request(rampart_request *request, json_t *vector, const char *id) {
  json_t *inputs = json_object_get(vector, "inputs");
  const char *kind = json_string_value(json_object_get(vector, "kind"));
  struct resource host;
  size_t i;
  json_t *input;
  if (rampart_request_reset(request) != RAMPART_STATUS_OK) return 0;
  /* A redirect case's host is the request's own (the Host header); a url case's host is
   * the name the client resolved, passed to rampart_check_resolved_ip instead. */
  if (strcmp(kind, "redirect") == 0 && field(vector, "host", &host) &&
      rampart_request_set_host(request, U8(host.text), host.len) != RAMPART_STATUS_OK)
    return 0;
  /* A payload case's resource is the request path; its method defaults to GET. */
  if (strcmp(kind, "payload") == 0) {
    struct resource path, method = {"GET", 3};
    field(vector, "method", &method);
    if (!field(vector, "resource", &path) || rampart_request_set_path(request, U8(path.text), path.len) != RAMPART_STATUS_OK ||
        rampart_request_set_method(request, U8(method.text), method.len) != RAMPART_STATUS_OK)
      return 0;
  }
  json_array_foreach(inputs, i, input) {
    json_t *source = json_object_get(input, "source");
    json_t *key = json_object_get(input, "key");
    json_t *value = json_object_get(input, "value");
    uint32_t code;
    if (!json_is_string(source) || !json_is_string(value) ||
        rampart_source_from_name((const uint8_t *)json_string_value(source), json_string_length(source), &code) !=
            RAMPART_STATUS_OK ||
        rampart_request_add_input(request, code, (const uint8_t *)(key ? json_string_value(key) : NULL),
                                  key ? json_string_length(key) : 0, (const uint8_t *)json_string_value(value),
                                  json_string_length(value)) != RAMPART_STATUS_OK) {
      fprintf(stderr, "%s: input %zu is malformed\n", id, i);
      return 0;
    }
  }
  return 1;
}

static int span_fits(enum span_rule rule, const char *span, size_t span_len, const char *value, size_t value_len) {
  size_t at;
  int exact = span_len == value_len && memcmp(span, value, value_len) == 0;
  switch (rule) {
    case SPAN_VALUE:
      return exact;
    case SPAN_VALUE_OR_DECODED:
      return exact || (span_len > 0 && memchr(value, '%', value_len) != NULL);
    case SPAN_IN_VALUE:
      for (at = 0; span_len > 0 && at + span_len <= value_len; at++)
        if (memcmp(value + at, span, span_len) == 0) return 1;
      return 0;
    case SPAN_ANY:
      return 1;
  }
  return 0;
}

/* Beyond attack/safe: a found attack must name an input of the case, sit inside the
 * bytes its span points into (for most kinds, exactly at the input's value), and
 * format into an event naming the kind's threat. */
static int attack_is_consistent(const struct kind *kind, const rampart_request *request, const rampart_verdict *v,
                                json_t *inputs, struct resource spanned) {
  json_t *input = json_array_get(inputs, v->input_index);
  json_t *value = json_object_get(input, "value");
  char event[16384];
  size_t len;
  rampart_status status;
  const char *action = kind->action == RAMPART_ACTION_BLOCK ? "\"action\":\"blocked\"" : "\"action\":\"reported\"";
  if (v->action != kind->action || v->threat != kind->threat || v->reason == RAMPART_REASON_NONE) return 0;
  /* Only a payload rule on the method or path names no input. */
  if (v->input_index == RAMPART_NONE && kind->sink == RAMPART_SINK_REQUEST) {
    if (v->reason != RAMPART_REASON_RULE_MATCH || v->rule_id == 0) return 0;
  } else if (v->input_index == RAMPART_NONE || !json_is_string(value)) {
    return 0;
  } else if (v->span_start > v->span_end || v->span_end > spanned.len) {
    return 0;
  } else if (!span_fits(kind->span, spanned.text + v->span_start, v->span_end - v->span_start, json_string_value(value),
                        json_string_length(value))) {
    return 0;
  }
  status = rampart_event_json(request, v, kind->sink, U8(spanned.text), spanned.len, NULL, 0, event, sizeof event,
                              &len);
  return status == RAMPART_STATUS_OK && strlen(event) == len && strstr(event, action) != NULL;
}

static void run_case(const rampart_engine *engine, rampart_request *request, json_t *vector, const char *where) {
  const char *id = json_string_value(json_object_get(vector, "id"));
  const char *kind_name = json_string_value(json_object_get(vector, "kind"));
  const char *expect = json_string_value(json_object_get(vector, "expect"));
  json_t *resource_json = json_object_get(vector, "resource");
  json_t *inputs = json_object_get(vector, "inputs");
  struct resource resource = {NULL, 0}, spanned;
  const struct kind *kind = NULL;
  struct tally *tally;
  rampart_verdict verdict;
  rampart_status status;
  size_t k;
  int ok, skipped;
  (void)engine;

  if (id == NULL || kind_name == NULL || expect == NULL || resource_json == NULL) {
    fprintf(stderr, "%s: not a vector (needs id, kind, resource, expect)\n", where);
    CHECK(0);
    return;
  }
  tally = tally_for(kind_name);
  if (tally == NULL) {
    CHECK(!"too many kinds");
    return;
  }
  for (k = 0; k < sizeof KINDS / sizeof KINDS[0]; k++)
    if (strcmp(KINDS[k].name, kind_name) == 0) kind = &KINDS[k];
  if (kind == NULL) {
    tally->unsupported++;
    return;
  }
  if (json_is_string(resource_json)) {
    resource.text = json_string_value(resource_json);
    resource.len = json_string_length(resource_json);
  }
  if (!fill_request(request, vector, id)) {
    CHECK(!"inputs load");
    return;
  }
  spanned = resource;
  status = kind->check(request, vector, resource, &verdict, &spanned);
  tally->checked++;
  if (status != RAMPART_STATUS_OK) {
    fprintf(stderr, "%s (%s): check returned %s\n", id, where, rampart_status_str(status));
    ok = 0;
  } else if (strcmp(expect, "attack") == 0) {
    ok = verdict.threat != RAMPART_THREAT_NONE && attack_is_consistent(kind, request, &verdict, inputs, spanned);
  } else {
    ok = strcmp(expect, "safe") == 0 && verdict.threat == RAMPART_THREAT_NONE &&
         verdict.action == RAMPART_ACTION_ALLOW && verdict.input_index == RAMPART_NONE;
  }
  skipped = json_object_get(skip_ids, id) != NULL;
  if (!ok && skipped) {
    tally->skipped_failing++;
  } else if (!ok) {
    tally->failed++;
    fprintf(stderr, "FAIL %s (%s): expected %s, got threat %u reason %u input %zu -- %s\n", id, where, expect,
            verdict.threat, verdict.reason, verdict.input_index,
            json_string_value(json_object_get(vector, "note")) ? json_string_value(json_object_get(vector, "note"))
                                                                : "");
  } else if (skipped) {
    fprintf(stderr, "%s passes: remove it from the skip list\n", id);
  }
  CHECK(ok || skipped);
  CHECK(!(ok && skipped));
}

int main(int argc, char **argv) {
  long expected = -1;
  const rampart_engine *engine = NULL;
  rampart_request *request = NULL;
  unsigned long total = 0, checked = 0, unsupported = 0, failed = 0, skipped_failing = 0;
  const char *skip_path = NULL;
  char err[256];
  int a;
  size_t i;

  for (a = 1; a < argc && strncmp(argv[a], "--", 2) == 0; a += 2) {
    if (a + 1 >= argc) break;
    if (strcmp(argv[a], "--expect") == 0) expected = atol(argv[a + 1]);
    if (strcmp(argv[a], "--skip") == 0) skip_path = argv[a + 1];
  }
  if (expected < 0 || a >= argc) {
    fprintf(stderr, "usage: conformance --expect N [--skip FILE] FILE.jsonl...\n");
    return 2;
  }
  load_skip_list(skip_path ? skip_path : "/nonexistent");

  /* The engine the vectors are written for: everything on, in block mode. */
  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"block\"}"), &engine, err, sizeof err), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  if (request == NULL) return check_summary("conformance");

  for (; a < argc; a++) {
    FILE *file = fopen(argv[a], "r");
    char *line = NULL, where[512];
    size_t cap = 0;
    ssize_t len;
    long number = 0;
    CHECK(file != NULL);
    if (file == NULL) continue;
    while ((len = getline(&line, &cap, file)) > 0) {
      json_error_t error;
      json_t *vector;
      number++;
      if (strspn(line, " \t\r\n") == (size_t)len) continue;
      total++;
      snprintf(where, sizeof where, "%s:%ld", argv[a], number);
      /* JSON_ALLOW_NUL: a value may hold \u0000; lengths come from json_string_length. */
      vector = json_loadb(line, (size_t)len, JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES, &error);
      if (vector == NULL) {
        fprintf(stderr, "%s: %s\n", where, error.text);
        CHECK(!"vector parses");
        continue;
      }
      run_case(engine, request, vector, where);
      json_decref(vector);
    }
    free(line);
    fclose(file);
  }
  rampart_request_free(request);
  rampart_engine_free(engine);
  json_decref(skip_ids);

  for (i = 0; i < tally_count; i++) {
    printf("conformance: %-9s %5lu checked, %5lu unsupported, %lu failed, %lu on the skip list\n", tallies[i].name,
           tallies[i].checked, tallies[i].unsupported, tallies[i].failed, tallies[i].skipped_failing);
    checked += tallies[i].checked;
    unsupported += tallies[i].unsupported;
    failed += tallies[i].failed;
    skipped_failing += tallies[i].skipped_failing;
  }
  printf("conformance: %lu cases: %lu checked through the C ABI, %lu of unsupported kinds, %lu failed\n", total,
         checked, unsupported, failed);
  CHECK(total == (unsigned long)expected);
  CHECK(checked + unsupported == total);
  CHECK(unsupported == 0); /* every kind of vector runs through the C ABI */
  CHECK(failed == 0);
  return check_summary("conformance");
}
