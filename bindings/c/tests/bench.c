/* Times rampart_check_sql called from C, on the request and queries of the criterion
 * benches (benches/lib.rs): 10 inputs and a ~200-byte PostgreSQL query; then
 * rampart_check_exec on the same benign request, for the cost of passing an argv as
 * rampart_bytes (inline, and beyond RAMPART_EXEC_INLINE_ARGS); rampart_inspect on the
 * benign and the attacking request (once per HTTP request); and the collection of a
 * typical query string and JSON body into a reset request. Prints the best of several
 * runs, in ns per call.
 *
 * usage: bench [ITERATIONS] -- under `valgrind --tool=callgrind` pass a small count. */
#include <stdlib.h>
#include <time.h>

#include "check.h"

static const char *INPUTS[][2] = {
    {"email", "alice.smith@example.com"}, {"password", "correct horse battery staple"},
    {"remember", "on"}, {"q", "red shoes size 42"}, {"page", "2"}, {"sort", "price"},
    {"utm_source", "newsletter-2024/11"}, {"lang", "en-GB,en;q=0.9"}, {"ref", "https://shop.example.com/cart?id=77"},
};

static rampart_request *typical_request(const rampart_engine *engine, const char *key, const char *value) {
  rampart_request *request = NULL;
  size_t i;
  CHECK_STATUS(rampart_request_new(engine, &request), RAMPART_STATUS_OK);
  for (i = 0; i < sizeof INPUTS / sizeof INPUTS[0]; i++)
    CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_QUERY, BYTES(INPUTS[i][0]), BYTES(INPUTS[i][1])),
                 RAMPART_STATUS_OK);
  if (key)
    CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_BODY, BYTES(key), BYTES(value)), RAMPART_STATUS_OK);
  else
    CHECK_STATUS(rampart_request_add_input(request, RAMPART_SOURCE_HEADER, BYTES("user-agent"),
                                           BYTES("Mozilla/5.0 (X11; Linux x86_64)")),
                 RAMPART_STATUS_OK);
  return request;
}

static void query_with(char *out, size_t cap, const char *value, int quoted) {
  snprintf(out, cap,
           "SELECT u.id, u.name, u.email, u.created_at FROM users u JOIN orders o ON o.user_id = u.id "
           "WHERE u.name = %s%s%s AND o.status IN ('paid', 'shipped') ORDER BY o.created_at DESC LIMIT 20",
           quoted ? "'" : "", value, quoted ? "'" : "");
}

static double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

static void bench(const char *name, const rampart_request *request, const char *query, long iterations,
                  uint32_t expect_threat) {
  double best = 1e300;
  int run;
  rampart_verdict v;
  size_t len = strlen(query);
  for (run = 0; run < 7; run++) {
    long i;
    double start = now_ns(), ns;
    for (i = 0; i < iterations; i++) rampart_check_sql(request, RAMPART_DIALECT_POSTGRESQL, (const uint8_t *)query, len, &v);
    ns = (now_ns() - start) / (double)iterations;
    if (ns < best) best = ns;
  }
  CHECK(v.threat == expect_threat);
  printf("c_abi/%-32s %8.1f ns per check (best of 7 runs of %ld)\n", name, best, iterations);
}

static void bench_exec(const char *name, const rampart_request *request, const rampart_bytes *args, size_t argc,
                       long iterations) {
  double best = 1e300;
  int run;
  rampart_verdict v;
  for (run = 0; run < 7; run++) {
    long i;
    double start = now_ns(), ns;
    for (i = 0; i < iterations; i++) rampart_check_exec(request, args, argc, &v);
    ns = (now_ns() - start) / (double)iterations;
    if (ns < best) best = ns;
  }
  CHECK(v.threat == RAMPART_THREAT_NONE);
  printf("c_abi/%-32s %8.1f ns per check (best of 7 runs of %ld)\n", name, best, iterations);
}

static void bench_inspect(const char *name, const rampart_request *request, long iterations, uint32_t expect_threat) {
  double best = 1e300;
  int run;
  rampart_verdict v;
  for (run = 0; run < 7; run++) {
    long i;
    double start = now_ns(), ns;
    for (i = 0; i < iterations; i++) rampart_inspect(request, &v);
    ns = (now_ns() - start) / (double)iterations;
    if (ns < best) best = ns;
  }
  CHECK(v.threat == expect_threat);
  printf("c_abi/%-32s %8.1f ns per inspection (best of 7 runs of %ld)\n", name, best, iterations);
}

/* Reset, then a 9-field query string, 3 headers and a small JSON body: what a host does
 * once per HTTP request. */
static void bench_collect(rampart_request *request, long iterations) {
  static const char QUERY[] = "email=alice.smith%40example.com&password=correct+horse+battery+staple&remember=on"
                              "&q=red+shoes+size+42&page=2&sort=price&utm_source=newsletter-2024%2F11&lang=en-GB"
                              "&ref=https%3A%2F%2Fshop.example.com%2Fcart%3Fid%3D77";
  static const char JSON[] = "{\"user\": {\"name\": \"Anne-Marie\", \"tags\": [\"a\", \"b\"]}, \"qty\": 2}";
  double best = 1e300;
  int run;
  for (run = 0; run < 7; run++) {
    long i;
    double start = now_ns(), ns;
    for (i = 0; i < iterations; i++) {
      rampart_request_reset(request);
      rampart_request_add_urlencoded(request, RAMPART_SOURCE_QUERY, (const uint8_t *)QUERY, sizeof QUERY - 1, NULL);
      rampart_request_add_header(request, BYTES("User-Agent"), BYTES("Mozilla/5.0 (X11; Linux x86_64)"), NULL);
      rampart_request_add_header(request, BYTES("Accept-Encoding"), BYTES("gzip, br"), NULL);
      rampart_request_add_header(request, BYTES("Cookie"), BYTES("sid=abc123; theme=dark"), NULL);
      rampart_request_add_json(request, (const uint8_t *)JSON, sizeof JSON - 1, NULL);
    }
    ns = (now_ns() - start) / (double)iterations;
    if (ns < best) best = ns;
  }
  printf("c_abi/%-32s %8.1f ns per request (best of 7 runs of %ld)\n", "collect_query_headers_json", best, iterations);
}

int main(int argc, char **argv) {
  long iterations = argc > 1 ? atol(argv[1]) : 200000;
  const rampart_engine *engine = NULL;
  rampart_request *empty = NULL, *benign, *safe, *attack;
  char parameterised[512], literal[512], injected[512];

  CHECK_STATUS(rampart_engine_new(BYTES("{\"mode\": \"block\"}"), &engine, NULL, 0), RAMPART_STATUS_OK);
  CHECK_STATUS(rampart_request_new(engine, &empty), RAMPART_STATUS_OK);
  benign = typical_request(engine, NULL, NULL);
  safe = typical_request(engine, "name", "Anne-Marie d Arc");
  attack = typical_request(engine, "name", "x' OR '1'='1");
  query_with(parameterised, sizeof parameterised, "?", 0);
  query_with(literal, sizeof literal, "Anne-Marie d Arc", 1);
  query_with(injected, sizeof injected, "x' OR '1'='1", 1);

  /* No input: the check is a few branches, so this is mostly the ABI's own cost. */
  bench("no_inputs", empty, injected, iterations * 4, RAMPART_THREAT_NONE);
  bench("benign_10_inputs_not_in_query", benign, parameterised, iterations, RAMPART_THREAT_NONE);
  bench("occurrence_inside_literal", safe, literal, iterations / 4, RAMPART_THREAT_NONE);
  bench("attack_found", attack, injected, iterations / 4, RAMPART_THREAT_SQL_INJECTION);
  {
    static const char *ARGV[] = {"/usr/bin/convert", "-resize", "50%", "in.png", "-quality", "85", "out.jpg", "-strip"};
    rampart_bytes args[4 * RAMPART_EXEC_INLINE_ARGS];
    size_t i;
    for (i = 0; i < sizeof args / sizeof args[0]; i++) {
      const char *arg = ARGV[i % (sizeof ARGV / sizeof ARGV[0])];
      args[i].data = (const uint8_t *)arg;
      args[i].len = strlen(arg);
    }
    bench_exec("exec_benign_8_args", benign, args, 8, iterations);
    bench_exec("exec_benign_64_args", benign, args, RAMPART_EXEC_INLINE_ARGS, iterations / 4);
    bench_exec("exec_benign_256_args_heap", benign, args, sizeof args / sizeof args[0], iterations / 8);
  }

  bench_inspect("inspect_benign_10_inputs", benign, iterations / 4, RAMPART_THREAT_NONE);
  bench_inspect("inspect_attack", attack, iterations / 4, RAMPART_THREAT_MALICIOUS_PAYLOAD);
  bench_collect(empty, iterations / 8);

  rampart_request_free(attack);
  rampart_request_free(safe);
  rampart_request_free(benign);
  rampart_request_free(empty);
  rampart_engine_free(engine);
  return check_summary("bench");
}
