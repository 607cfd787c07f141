<?php
/**
 * IDE stub of the rampart PHP extension (extension=rampart.so). Not loaded at run time.
 *
 * Every check asks rampart's engine about the current request (collected from $_GET,
 * $_POST, $_COOKIE, the HTTP_* headers and a JSON body, or set with request_add_input())
 * and returns the verdict; it reports nothing and throws nothing on a finding. The hooked
 * sink functions (PDO::query, shell_exec, fopen, curl_setopt, header, ...) and the payload
 * inspection at request start are what report and block. bindings/php/tests/stub.phpt
 * fails when this file and the extension disagree.
 *
 * @phpstan-type Verdict array{
 *   action: 'allow'|'report'|'block',
 *   attack: bool,
 *   threat: ?string,
 *   reason: ?string,
 *   message: ?string,
 *   input_index: ?int,
 *   input_source: ?string,
 *   input_key: ?string,
 *   span: ?array{0: int, 1: int},
 *   rule_id: int
 * }
 */

namespace Rampart;

/** Thrown by a hooked sink the policy blocks; uncaught, the response is the policy's block page. Its code is the block status. */
class BlockedException extends \Exception {}

/** Thrown by this API: no policy could be loaded, or a bad argument. */
class RampartException extends \Exception {}

/**
 * Did an input of the current request change the structure of $query?
 * @param string $dialect mysql, postgresql, sqlite, mssql, oracle or generic
 * @return Verdict
 */
function check_sql(string $dialect, string $query): array {}

/** A string about to be run by `sh -c` (shell_exec, system, exec, passthru, popen). @return Verdict */
function check_shell(string $command): array {}

/** @param list<string> $argv An argv run without a shell (proc_open with an array). @return Verdict */
function check_exec(array $argv): array {}

/** A file system path about to be opened, written, deleted or included. @return Verdict */
function check_path(string $path): array {}

/** A URL about to be fetched (server-side request forgery). @return Verdict */
function check_url(string $url): array {}

/** The address a connection to $host really uses (DNS rebinding). @return Verdict */
function check_resolved_ip(string $host, string $ip): array {}

/** A MongoDB-style filter, as JSON. @return Verdict */
function check_nosql(string $filter): array {}

/** A redirect target (Location header). @return Verdict */
function check_redirect(string $location): array {}

/** A response header about to be sent (CR/LF injection). @return Verdict */
function check_header(string $name, string $value): array {}

/**
 * Payload inspection of the current request itself (inputs, method, path, uploads), with no sink:
 * what the extension does at request start when the policy's malicious_payload protection is on
 * (report by default). Returns the verdict; reports nothing.
 * @return Verdict
 */
function inspect(): array {}

/** Forgets the current request's inputs (for workers, scripts and tests). */
function request_reset(): void {}

/** @param string $source query, body, path, header, cookie, other or file (an upload's file name) */
function request_add_input(string $source, string $key, string $value): void {}

/** Sets the request's own host (what the open-redirect check compares against). */
function request_set_host(string $host): void {}

/** Sets the request's method (GET, ...), which inspect() judges and events show. */
function request_set_method(string $method): void {}

/** Sets the request's path, without the query string (route exclusions and inspect()). */
function request_set_path(string $path): void {}

/** Adds an uploaded file: form field, the client's file name, declared content type and first bytes (512 kept), for inspect()'s upload rules. */
function request_add_file(string $field, string $filename, string $content_type, string $head): void {}

/** @return list<array{0: string, 1: string, 2: string}> The current request's inputs as [source, key, value]. */
function request_inputs(): array {}

/** The policy's mode: off, report or block. */
function mode(): string {}

/** rampart's version. */
function version(): string {}

/** @internal Panics inside the extension's boundary (tests prove it becomes a RampartException). */
function _panic_for_test(): void {}
