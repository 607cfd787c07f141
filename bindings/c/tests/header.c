/* Compiled as C99, C11, C++11 and C++17 with -Wall -Wextra -Werror -pedantic: the
 * header must be clean in each, and may be included twice. Then checks that the
 * header's macros and enums match the library it is linked with. */
#include "rampart.h"
#include "rampart.h"

#include <stdio.h>
#include <string.h>

static int failures;

static void expect(int ok, const char *what) {
  if (!ok) {
    fprintf(stderr, "header: %s\n", what);
    failures++;
  }
}

int main(void) {
  char version[32];
  rampart_verdict verdict;
  rampart_status status = RAMPART_STATUS_OK;

  snprintf(version, sizeof version, "%d.%d.%d", RAMPART_VERSION_MAJOR, RAMPART_VERSION_MINOR,
           RAMPART_VERSION_PATCH);
  expect(strcmp(RAMPART_VERSION, version) == 0, "RAMPART_VERSION is MAJOR.MINOR.PATCH");
  expect(strcmp(rampart_version(), RAMPART_VERSION) == 0, "the library's version is the header's");
  expect(rampart_abi_version() == RAMPART_ABI_VERSION, "the library's ABI version is the header's");
  expect(sizeof(rampart_status) == 4, "rampart_status is 32 bits");
  expect(sizeof verdict.action == 4 && sizeof verdict.input_index == sizeof(size_t), "verdict field sizes");
  expect(RAMPART_NONE == (size_t)-1, "RAMPART_NONE is SIZE_MAX");
  expect(status == 0 && RAMPART_STATUS_PANIC == 199 && RAMPART_REASON_SQL_LITERAL_ESCAPE == 101,
         "enum values are the stable codes");
  printf("header (%s): %s\n",
#ifdef __cplusplus
         "C++",
#else
         "C",
#endif
         failures ? "FAILED" : "ok");
  return failures != 0;
}
