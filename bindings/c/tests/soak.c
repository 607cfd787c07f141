/* A long-running host: requests created, filled, checked and freed again and again,
 * events formatted, the policy reloaded now and then. Resident memory must stop growing
 * once the allocator has warmed up.
 *
 * The process's RSS is sampled after a warm-up and at the end; the test fails when it
 * grew by more than LIMIT_KB. (A leak of even one small allocation per request would
 * show: with the default 200,000 requests, 16 bytes each is 3 MB.)
 *
 * usage: soak [REQUESTS [LIMIT_KB]]   (LIMIT_KB -1: leaks only, as under a sanitizer
 *                                    whose quarantine holds freed memory) */
#include <stdlib.h>
#include <unistd.h>

#include "check.h"

#define DEFAULT_LIMIT_KB 1024

static long rss_kb(void) {
  long pages = 0, resident = 0;
  FILE *f = fopen("/proc/self/statm", "r");
  if (f == NULL) return -1;
  if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
  fclose(f);
  return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static const char POLICY[] = "{\"mode\": \"block\"}";
static const char REPORT[] = "{\"mode\": \"report\"}";

/* One HTTP request's worth of work: a fresh request every time (the worst case for a
 * leak; servers usually reuse one), several inputs, a few checks of each kind. */
static unsigned long serve(const rampart_engine *engine, long i) {
  rampart_request *request = NULL;
  rampart_verdict v;
  char value[64], query[256], event[4096];
  unsigned long bad = 0;
  size_t len;
  rampart_bytes argv[3];
  int n = snprintf(value, sizeof value, "x%ld' OR '1'='1", i % 1000);

  if (rampart_request_new(engine, &request) != RAMPART_STATUS_OK) return 1;
  rampart_request_set_method(request, BYTES("POST"));
  rampart_request_set_path(request, BYTES("/login"));
  rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("email"), (const uint8_t *)value, (size_t)n);
  rampart_request_add_input(request, RAMPART_SOURCE_QUERY, BYTES("page"), BYTES("2"));
  rampart_request_add_input(request, RAMPART_SOURCE_HEADER, BYTES("user-agent"), BYTES("curl/8.0 (soak)"));
  rampart_request_add_input(request, RAMPART_SOURCE_COOKIE, BYTES("session"), BYTES("abc123; path=/"));

  snprintf(query, sizeof query, "SELECT * FROM users WHERE email = '%s' AND active = 1", value);
  if (rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(query), &v) != RAMPART_STATUS_OK ||
      v.threat != RAMPART_THREAT_SQL_INJECTION)
    bad++;
  if (rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(query), NULL, 0, event, sizeof event, &len) !=
      RAMPART_STATUS_OK)
    bad++;
  if (rampart_check_sql(request, RAMPART_DIALECT_POSTGRESQL, BYTES("SELECT 1 WHERE a = $1"), &v) != RAMPART_STATUS_OK ||
      v.action != RAMPART_ACTION_ALLOW)
    bad++;
  if (rampart_check_shell(request, BYTES("ls -l /tmp"), &v) != RAMPART_STATUS_OK) bad++;
  if (rampart_check_path(request, BYTES("/srv/files/report.pdf"), &v) != RAMPART_STATUS_OK) bad++;
  if (rampart_check_url(request, BYTES("http://127.0.0.1:9/internal"), &v) != RAMPART_STATUS_OK) bad++;
  argv[0].data = (const uint8_t *)"git";
  argv[0].len = 3;
  argv[1].data = (const uint8_t *)"log";
  argv[1].len = 3;
  argv[2].data = (const uint8_t *)value;
  argv[2].len = (size_t)n;
  if (rampart_check_exec(request, argv, 3, &v) != RAMPART_STATUS_OK) bad++;
  /* A reused request: reset and refill once per iteration. */
  rampart_request_reset(request);
  rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("q"), BYTES("desk lamp"));
  if (rampart_check_sql(request, RAMPART_DIALECT_SQLITE, BYTES("SELECT * FROM p WHERE name = 'desk lamp'"), &v) !=
          RAMPART_STATUS_OK ||
      v.action != RAMPART_ACTION_ALLOW)
    bad++;
  rampart_request_free(request);
  return bad;
}

int main(int argc, char **argv) {
  long requests = argc > 1 ? atol(argv[1]) : 200000;
  long limit_kb = argc > 2 ? atol(argv[2]) : DEFAULT_LIMIT_KB;
  long warmup = requests / 10, i;
  const rampart_engine *engine = NULL;
  unsigned long bad = 0;
  long before, after;

  CHECK_STATUS(rampart_engine_new(BYTES(POLICY), &engine, NULL, 0), RAMPART_STATUS_OK);
  for (i = 0; i < warmup; i++) bad += serve(engine, i);
  before = rss_kb();
  for (; i < requests; i++) {
    bad += serve(engine, i);
    if (i % 20000 == 0)
      CHECK_STATUS(rampart_engine_reload(engine, BYTES(i % 40000 == 0 ? REPORT : POLICY), NULL, 0), RAMPART_STATUS_OK);
  }
  after = rss_kb();
  rampart_engine_free(engine);

  CHECK(bad == 0);
  CHECK(before > 0 && after > 0);
  if (limit_kb >= 0) CHECK(after - before <= limit_kb);
  printf("soak: %ld requests (%ld checks), RSS %ld KB after warm-up, %ld KB at the end (%+ld KB)\n", requests,
         requests * 8, before, after, after - before);
  return check_summary("soak");
}
