/* A minimal test harness for the C tests: CHECK counts and reports, never aborts, so
 * one run lists every failure. Each program ends with
 *   return check_summary("name");
 * which prints "name: N passed, M failed" and returns non-zero on any failure. */
#ifndef RAMPART_TEST_CHECK_H
#define RAMPART_TEST_CHECK_H

#include <stdio.h>
#include <string.h>

#include "rampart.h"

static unsigned long check_passed, check_failed;

#define CHECK(cond)                                                             \
  do {                                                                          \
    if (cond) {                                                                 \
      check_passed++;                                                           \
    } else {                                                                    \
      check_failed++;                                                           \
      fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);  \
    }                                                                           \
  } while (0)

/* Checks a call's status, naming both statuses on failure. */
#define CHECK_STATUS(call, expected)                                            \
  do {                                                                          \
    rampart_status check_got_ = (call);                                         \
    if (check_got_ == (rampart_status)(expected)) {                             \
      check_passed++;                                                           \
    } else {                                                                    \
      check_failed++;                                                           \
      fprintf(stderr, "%s:%d: %s\n  returned %s\n  expected %s\n", __FILE__,    \
              __LINE__, #call, rampart_status_str(check_got_),                  \
              rampart_status_str(expected));                                    \
    }                                                                           \
  } while (0)

#define BYTES(s) ((const uint8_t *)(s)), strlen(s)

static int check_summary(const char *name) {
  printf("%s: %lu passed, %lu failed\n", name, check_passed, check_failed);
  return check_failed == 0 && check_passed > 0 ? 0 : 1;
}

#endif
