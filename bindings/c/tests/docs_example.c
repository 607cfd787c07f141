/* Drives the complete example of docs/c-api.md (extracted by the Makefile) through one
 * benign and one blocked query, so the documented code is known to work. */
#include <stdlib.h>

#include "check.h"

int protection_start(void);
void protection_begin_request(const char *method, const char *path, const char *route);
void protection_add_input(rampart_source source, const char *key, const char *value, size_t len);
int protection_check_sql(const char *query, size_t len, int *status, char *type, size_t type_cap, char *body,
                         size_t body_cap);

int main(void) {
  const char *email = "' OR 1=1-- ";
  const char *attack = "SELECT * FROM users WHERE email = '' OR 1=1-- ' AND pw = 'x'";
  const char *safe = "SELECT * FROM users WHERE email = $1";
  char type[64] = "", body[2048] = "";
  int status = 0;

  setenv("RAMPART_MODE", "block", 1);
  unsetenv("RAMPART_POLICY");
  CHECK(protection_start() == 1);
  protection_begin_request("POST", "/login", "/login");
  protection_add_input(RAMPART_SOURCE_BODY, "email", email, strlen(email));
  CHECK(protection_check_sql(safe, strlen(safe), &status, type, sizeof type, body, sizeof body) == 0);
  CHECK(protection_check_sql(attack, strlen(attack), &status, type, sizeof type, body, sizeof body) == 1);
  CHECK(status == 403 && strcmp(type, "text/html; charset=utf-8") == 0 && strstr(body, "Request blocked") != NULL);
  return check_summary("docs example");
}
