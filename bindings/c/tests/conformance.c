/* Runs every conformance vector (the .jsonl files of testdata/vectors) through
 * the C ABI and checks the verdict against the case's `expect`.
 *
 * Each kind the C ABI can check has one row in KINDS; a case of any other kind is
 * counted as unsupported and reported, not failed. Cases listed in the skip file (one
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

typedef rampart_status (*check_fn)(const rampart_request *request, json_t *vector, struct resource resource,
                                   rampart_verdict *verdict_out);

static rampart_status check_sql(const rampart_request *request, json_t *vector, struct resource resource,
                                rampart_verdict *verdict_out) {
  json_t *name = json_object_get(vector, "dialect");
  uint32_t dialect = RAMPART_DIALECT_GENERIC;
  rampart_status status;
  if (json_is_string(name)) {
    status = rampart_dialect_from_name((const uint8_t *)json_string_value(name), json_string_length(name), &dialect);
    if (status != RAMPART_STATUS_OK) return status;
  }
  if (resource.text == NULL) return RAMPART_STATUS_INVALID_ARGUMENT;
  return rampart_check_sql(request, dialect, (const uint8_t *)resource.text, resource.len, verdict_out);
}

/* The kinds the C ABI checks. Adding a detector's rampart_check_<kind> adds a row. */
static const struct kind {
  const char *name;
  uint32_t sink;   /* for rampart_event_json */
  uint32_t threat; /* what an attack of this kind is */
  check_fn check;
} KINDS[] = {
    {"sql", RAMPART_SINK_SQL, RAMPART_THREAT_SQL_INJECTION, check_sql},
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

static int fill_request(rampart_request *request, json_t *inputs, const char *id) {
  size_t i;
  json_t *input;
  if (rampart_request_reset(request) != RAMPART_STATUS_OK) return 0;
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

/* Beyond attack/safe: a found attack must name an input of the case, whose value sits
 * at the verdict's span, and format into an event naming the kind's threat. */
static int attack_is_consistent(const struct kind *kind, const rampart_request *request, const rampart_verdict *v,
                                json_t *inputs, struct resource resource) {
  json_t *input = json_array_get(inputs, v->input_index);
  json_t *value = json_object_get(input, "value");
  char event[16384];
  size_t len;
  rampart_status status;
  if (v->action != RAMPART_ACTION_BLOCK || v->threat != kind->threat || v->reason == RAMPART_REASON_NONE) return 0;
  if (v->input_index == RAMPART_NONE || !json_is_string(value)) return 0;
  if (resource.text != NULL) {
    if (v->span_end > resource.len || v->span_end - v->span_start != json_string_length(value)) return 0;
    if (memcmp(resource.text + v->span_start, json_string_value(value), json_string_length(value)) != 0) return 0;
  }
  status = rampart_event_json(request, v, kind->sink, (const uint8_t *)resource.text, resource.len, NULL, 0, event,
                              sizeof event, &len);
  return status == RAMPART_STATUS_OK && strlen(event) == len && strstr(event, "\"action\":\"blocked\"") != NULL;
}

static void run_case(const rampart_engine *engine, rampart_request *request, json_t *vector, const char *where) {
  const char *id = json_string_value(json_object_get(vector, "id"));
  const char *kind_name = json_string_value(json_object_get(vector, "kind"));
  const char *expect = json_string_value(json_object_get(vector, "expect"));
  json_t *resource_json = json_object_get(vector, "resource");
  json_t *inputs = json_object_get(vector, "inputs");
  struct resource resource = {NULL, 0};
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
  if (!fill_request(request, inputs, id)) {
    CHECK(!"inputs load");
    return;
  }
  status = kind->check(request, vector, resource, &verdict);
  tally->checked++;
  if (status != RAMPART_STATUS_OK) {
    fprintf(stderr, "%s (%s): check returned %s\n", id, where, rampart_status_str(status));
    ok = 0;
  } else if (strcmp(expect, "attack") == 0) {
    ok = verdict.threat != RAMPART_THREAT_NONE && attack_is_consistent(kind, request, &verdict, inputs, resource);
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
  CHECK(checked >= 800); /* the SQL vectors at least */
  CHECK(failed == 0);
  return check_summary("conformance");
}
