/* One engine, shared by several threads; each thread owns its request and runs many
 * checks (attacks and safe queries, several dialects, an argv), resetting and refilling its
 * request as a server would between HTTP requests. The engine is freed by the main
 * thread while the workers still run: their requests keep it alive.
 *
 * usage: threads [THREADS [ITERATIONS]] */
#include <pthread.h>
#include <stdlib.h>

#include "check.h"

#define MAX_THREADS 16

struct worker {
  const rampart_engine *engine;
  pthread_barrier_t *ready;
  long iterations;
  int id;
  unsigned long checks, wrong, errors;
};

static void fill(rampart_request *request, const char *payload, const char *note, struct worker *w) {
  if (rampart_request_reset(request) != RAMPART_STATUS_OK) w->errors++;
  if (rampart_request_add_input(request, RAMPART_SOURCE_QUERY, BYTES("page"), BYTES("2")) != RAMPART_STATUS_OK)
    w->errors++;
  if (rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("name"), BYTES(payload)) != RAMPART_STATUS_OK)
    w->errors++;
  if (rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES("note"), BYTES(note)) != RAMPART_STATUS_OK)
    w->errors++;
}

static void *work(void *arg) {
  struct worker *w = (struct worker *)arg;
  rampart_request *request = NULL;
  char payload[64], note[64], attack[256], safe[256], event[4096];
  const uint32_t dialects[] = {RAMPART_DIALECT_MYSQL, RAMPART_DIALECT_POSTGRESQL, RAMPART_DIALECT_SQLITE,
                               RAMPART_DIALECT_MSSQL, RAMPART_DIALECT_ORACLE, RAMPART_DIALECT_GENERIC};
  long i;

  /* Requests are made concurrently from the shared engine. */
  if (rampart_request_new(w->engine, &request) != RAMPART_STATUS_OK) {
    w->errors++;
    pthread_barrier_wait(w->ready);
    return NULL;
  }
  pthread_barrier_wait(w->ready); /* after this, the main thread frees the engine */

  snprintf(payload, sizeof payload, "x%d' OR '%d'='%d", w->id, w->id, w->id);
  snprintf(attack, sizeof attack, "SELECT * FROM t WHERE name = '%s' LIMIT 5", payload);
  snprintf(note, sizeof note, "x%d OR %d=%d; --", w->id, w->id, w->id);
  snprintf(safe, sizeof safe, "SELECT * FROM t WHERE note = '%s' LIMIT 5", note);
  for (i = 0; i < w->iterations; i++) {
    rampart_verdict v;
    uint32_t dialect = dialects[i % 6];
    if (i % 50 == 0) fill(request, payload, note, w);

    if (rampart_check_sql(request, dialect, BYTES(attack), &v) != RAMPART_STATUS_OK) w->errors++;
    if (v.action != RAMPART_ACTION_BLOCK || v.input_index != 1 || v.span_start != 30) w->wrong++;
    if (i % 1000 == 0) {
      size_t len;
      if (rampart_event_json(request, &v, RAMPART_SINK_SQL, BYTES(attack), NULL, 0, event, sizeof event, &len) !=
              RAMPART_STATUS_OK ||
          strstr(event, payload) == NULL)
        w->wrong++;
    }
    /* Operators and a comment marker inside a string literal are data. */
    if (rampart_check_sql(request, dialect, BYTES(safe), &v) != RAMPART_STATUS_OK)
      w->errors++;
    if (v.action != RAMPART_ACTION_ALLOW) w->wrong++;
    w->checks += 2;
    /* Another sink on the same request: the input run as a program. */
    if (i % 10 == 0) {
      rampart_bytes args[2];
      args[0].data = (const uint8_t *)payload;
      args[0].len = strlen(payload);
      args[1].data = (const uint8_t *)note;
      args[1].len = strlen(note);
      if (rampart_check_exec(request, args, 2, &v) != RAMPART_STATUS_OK) w->errors++;
      if (v.action != RAMPART_ACTION_BLOCK || v.reason != RAMPART_REASON_EXEC_PROGRAM || v.input_index != 1) w->wrong++;
    }
  }
  rampart_request_free(request);
  return NULL;
}

int main(int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 4;
  long iterations = argc > 2 ? atol(argv[2]) : 20000;
  pthread_t ids[MAX_THREADS];
  struct worker workers[MAX_THREADS];
  pthread_barrier_t ready;
  const rampart_engine *engine = NULL;
  unsigned long checks = 0;
  int t;

  if (threads < 1 || threads > MAX_THREADS || iterations < 1) {
    fprintf(stderr, "usage: threads [1-%d [ITERATIONS]]\n", MAX_THREADS);
    return 2;
  }
  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"block\"}"), &engine, NULL, 0), RAMPART_STATUS_OK);
  pthread_barrier_init(&ready, NULL, (unsigned)threads + 1);
  for (t = 0; t < threads; t++) {
    memset(&workers[t], 0, sizeof workers[t]);
    workers[t].engine = engine;
    workers[t].ready = &ready;
    workers[t].iterations = iterations;
    workers[t].id = t;
    CHECK(pthread_create(&ids[t], NULL, work, &workers[t]) == 0);
  }
  pthread_barrier_wait(&ready);
  rampart_engine_free(engine);
  for (t = 0; t < threads; t++) {
    CHECK(pthread_join(ids[t], NULL) == 0);
    CHECK(workers[t].errors == 0);
    CHECK(workers[t].wrong == 0);
    CHECK(workers[t].checks == 2 * (unsigned long)iterations);
    checks += workers[t].checks;
  }
  pthread_barrier_destroy(&ready);
  printf("threads: %d threads, %lu checks\n", threads, checks);
  return check_summary("threads");
}
