/* One engine shared by several threads doing many checks while the main thread keeps
 * replacing its policy (rampart_engine_reload), alternating report and block.
 *
 * Every verdict must be exactly that of one of the two policies (never an allow for
 * the attack, never a wrong span), every check is counted, all checks between two
 * resets of a request see one policy, and a bad policy changes nothing. Run under
 * AddressSanitizer/LeakSanitizer and valgrind (no leak: every replaced policy is freed)
 * and ThreadSanitizer (scripts/tsan: no data race).
 *
 * usage: reload [THREADS [ITERATIONS]] */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "check.h"

#define MAX_THREADS 16
#define CHECKS_PER_REQUEST 20

static const char REPORT_POLICY[] = "{\"mode\": \"block\", \"protections\": {\"sql_injection\": {\"action\": \"report\"}}}";
static const char BLOCK_POLICY[] = "{\"mode\": \"block\", \"protections\": {\"sql_injection\": {\"action\": \"block\"}}}";
static const char PAYLOAD[] = "x' OR '1'='1";
static const char ATTACK[] = "SELECT * FROM users WHERE email = 'x' OR '1'='1' AND active = 1";
static const char SAFE[] = "SELECT * FROM users WHERE note = 'x OR 1=1; --' AND active = 1";

struct worker {
  const rampart_engine *engine;
  long iterations;
  unsigned long checks, blocked, reported, wrong, errors, mixed;
};

static void *work(void *arg) {
  struct worker *w = (struct worker *)arg;
  rampart_request *request = NULL;
  uint32_t first_action = 0;
  long i;

  if (rampart_request_new(w->engine, &request) != RAMPART_STATUS_OK) {
    w->errors++;
    return NULL;
  }
  for (i = 0; i < w->iterations; i++) {
    rampart_verdict v;
    if (i % CHECKS_PER_REQUEST == 0) {
      /* The next HTTP request: the request takes up the policy in force now. */
      if (rampart_request_reset(request) != RAMPART_STATUS_OK ||
          rampart_request_add_input(request, RAMPART_SOURCE_QUERY, BYTES("page"), BYTES("2")) != RAMPART_STATUS_OK ||
          rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("email"), BYTES(PAYLOAD)) !=
              RAMPART_STATUS_OK ||
          rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("note"), BYTES("x OR 1=1; --")) !=
              RAMPART_STATUS_OK)
        w->errors++;
      first_action = 0;
    }
    if (rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK), &v) != RAMPART_STATUS_OK) {
      w->errors++;
    } else if (v.threat != RAMPART_THREAT_SQL_INJECTION || v.input_index != 1 || v.span_start != 35 ||
               v.span_end != 47) {
      w->wrong++;
    } else if (v.action == RAMPART_ACTION_BLOCK) {
      w->blocked++;
    } else if (v.action == RAMPART_ACTION_REPORT) {
      w->reported++;
    } else {
      w->wrong++;
    }
    if (first_action == 0) first_action = v.action;
    else if (first_action != v.action) w->mixed++;
    if (rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(SAFE), &v) != RAMPART_STATUS_OK) w->errors++;
    else if (v.action != RAMPART_ACTION_ALLOW) w->wrong++;
    w->checks += 2;
  }
  rampart_request_free(request);
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  long iterations = argc > 2 ? atol(argv[2]) : 20000;
  pthread_t ids[MAX_THREADS];
  struct worker workers[MAX_THREADS];
  const rampart_engine *engine = NULL;
  rampart_request *request = NULL;
  unsigned long checks = 0, blocked = 0, reported = 0, reloads = 0;
  char err[256];
  rampart_verdict v;
  int t;

  if (threads < 1 || threads > MAX_THREADS || iterations < 1) {
    fprintf(stderr, "usage: reload [1-%d [ITERATIONS]]\n", MAX_THREADS);
    return 2;
  }
  CHECK_STATUS(rampart_engine_new(BYTES(BLOCK_POLICY), &engine, NULL, 0), RAMPART_STATUS_OK);
  for (t = 0; t < threads; t++) {
    memset(&workers[t], 0, sizeof workers[t]);
    workers[t].engine = engine;
    workers[t].iterations = iterations;
    CHECK(pthread_create(&ids[t], NULL, work, &workers[t]) == 0);
  }
  /* Reload for as long as the traffic runs: poll the workers' completion between
   * reloads. */
  {
    int joined[MAX_THREADS] = {0};
    int running = threads;
    while (running > 0) {
      struct timespec pause = {0, 200 * 1000};
      CHECK_STATUS(rampart_engine_reload(engine, BYTES(reloads % 2 == 0 ? REPORT_POLICY : BLOCK_POLICY), err, sizeof err),
                   RAMPART_STATUS_OK);
      reloads++;
      nanosleep(&pause, NULL);
      for (t = 0; t < threads; t++) {
        if (!joined[t] && pthread_tryjoin_np(ids[t], NULL) == 0) {
          joined[t] = 1;
          running--;
        }
      }
    }
  }
  for (t = 0; t < threads; t++) {
    CHECK(workers[t].errors == 0);
    CHECK(workers[t].wrong == 0);
    CHECK(workers[t].mixed == 0);
    CHECK(workers[t].checks == 2 * (unsigned long)iterations);
    CHECK(workers[t].blocked + workers[t].reported == (unsigned long)iterations);
    checks += workers[t].checks;
    blocked += workers[t].blocked;
    reported += workers[t].reported;
  }
  CHECK(reloads > 0);

  /* A bad policy is refused with a message and changes nothing. */
  CHECK_STATUS(rampart_engine_reload(engine, BYTES(BLOCK_POLICY), NULL, 0), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_engine_reload(engine, BYTES("{\"mode\": \"bogus\"}"), err, sizeof err),
               RAMPART_STATUS_INVALID_POLICY);
  CHECK(strstr(err, "mode") != NULL);
  CHECK_STATUS(rampart_engine_reload(NULL, BYTES(BLOCK_POLICY), NULL, 0), RAMPART_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("email"), BYTES(PAYLOAD)),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK);

  /* From the environment: RAMPART_MODE=report caps the default policy's actions. The
   * request keeps its policy until its next reset. */
  setenv("RAMPART_POLICY", "", 1);
  setenv("RAMPART_MODE", "report", 1);
  CHECK_STATUS(rampart_engine_reload_from_env(engine, NULL, 0), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_BLOCK);
  CHECK_STATUS(rampart_request_reset(request), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("email"), BYTES(PAYLOAD)),
               RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_check_sql(request, RAMPART_DIALECT_MYSQL, BYTES(ATTACK), &v), RAMPART_STATUS_OK);
  CHECK(v.action == RAMPART_ACTION_REPORT);
  setenv("RAMPART_MODE", "nonsense", 1);
  CHECK_STATUS(rampart_engine_reload_from_env(engine, NULL, 0), RAMPART_STATUS_INVALID_POLICY);
  rampart_request_free(request);
  rampart_engine_free(engine);

  printf("reload: %d threads, %lu checks (%lu blocked, %lu reported), %lu reloads\n", threads, checks, blocked,
         reported, reloads);
  return check_summary("reload");
}
