/* rampart from C: build an engine, check one SQL query with one user input, print the
 * event. Build: cc minimal.c -Iinclude -Ltarget/release -lrampart (docs/c-api.md). */
#include <stdio.h>
#include <string.h>

#include "rampart.h"

#define BYTES(s) (const uint8_t *)(s), strlen(s)

int main(void) {
  const char *policy = "{\"mode\": \"block\"}";
  const char *email = "' OR 1=1-- "; /* what the user typed */
  const char *query = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";
  const rampart_engine *engine = NULL;
  rampart_request *request = NULL;
  rampart_verdict verdict;
  char err[256], event[4096];
  size_t len;
  rampart_status s;

  /* Once per process: compile the policy. */
  if ((s = rampart_engine_new(BYTES(policy), &engine, err, sizeof err)) != RAMPART_STATUS_OK) {
    fprintf(stderr, "rampart: %s\n", err);
    return 1;
  }
  /* Per HTTP request: its user inputs (reuse the request with rampart_request_reset). */
  s = rampart_request_new(engine, &request);
  if (s == RAMPART_STATUS_OK) s = rampart_request_set_path(request, BYTES("/login"));
  if (s == RAMPART_STATUS_OK) s = rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("email"), BYTES(email));
  /* Per sink call: right before the query reaches the database. */
  if (s == RAMPART_STATUS_OK) s = rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(query), &verdict);
  if (s != RAMPART_STATUS_OK) {
    /* Fail open: a hook that cannot check lets the call proceed, and says so. */
    fprintf(stderr, "rampart: %s\n", rampart_status_str(s));
  } else if (verdict.threat != RAMPART_THREAT_NONE) {
    s = rampart_event_json(request, &verdict, RAMPART_SINK_SQL, BYTES(query), BYTES("{\"operation\": \"mysql_query\"}"),
                           event, sizeof event, &len);
    if (s == RAMPART_STATUS_OK) printf("%s\n", event);
    if (verdict.action == RAMPART_ACTION_BLOCK) printf("blocked: the query was not sent\n");
  }
  rampart_request_free(request);
  rampart_engine_free(engine);
  return s == RAMPART_STATUS_OK ? 0 : 1;
}
