// Type declarations of the `rampart` package. Written by hand and checked against the
// package's runtime exports by scripts/generate.d/node.sh --check (CI fails on drift).

/// <reference types="node" />

/** Where in the HTTP request an input came from. */
export type Source = 'query' | 'body' | 'path' | 'header' | 'cookie' | 'other' | 'file';

/** SQL dialects (aliases such as `mariadb`, `postgres`, `sqlite3`, `sqlserver` are accepted too). */
export type Dialect = 'mysql' | 'postgresql' | 'sqlite' | 'mssql' | 'oracle' | 'generic' | (string & {});

/** Text or bytes: a string is checked as its UTF-8 encoding. */
export type Text = string | Buffer | Uint8Array;

export type Action = 'allow' | 'report' | 'block';

/** The policy document (see docs/policy.md); every field is optional. */
export interface Policy {
  version?: 1;
  mode?: 'off' | 'report' | 'block';
  protections?: Record<string, { action?: 'off' | 'report' | 'block'; allow_hosts?: string[] }>;
  exclusions?: Array<{ route?: string; input?: string; protections?: string[] }>;
  block_response?: { status?: number; content_type?: string; body?: string };
  fail_closed?: boolean;
}

/** The outcome of a check. Immutable. */
export declare class Verdict {
  /** Nothing found. */
  static readonly ALLOW: Verdict;
  readonly action: Action;
  /** The policy's protection name (`sql_injection`), or null when nothing was found. */
  readonly threat: string | null;
  /** Stable reason name (`sql_literal_escape`), or null. */
  readonly reason: string | null;
  /** Index of the offending input in its Request, or null. */
  readonly inputIndex: number | null;
  /** Where the input sits in the resource, in bytes of its UTF-8 encoding, or null. */
  readonly span: { readonly start: number; readonly end: number } | null;
  /** Rule id for rule-engine findings, 0 for built-in detection. */
  readonly ruleId: number;
  /** True when the check found an attack (whatever the action). */
  get isAttack(): boolean;
  /** True when the call must be stopped. */
  get isBlock(): boolean;
  private constructor(fields: object);
  /** @internal */
  static fromNative(found: object | null): Verdict;
  /** @internal */
  toNative(): object;
}

/** The user inputs of one HTTP request, flattened. Reusable with reset(). */
export declare class Request {
  constructor();
  /** Adds one input: `key` is the dotted path (`user.address.city`, `ids[2]`). */
  addInput(source: Source, key: string, value: Text): this;
  setMethod(method: string): this;
  setPath(path: string): this;
  /** The framework's route template (`/users/:id`), used by route exclusions. */
  setRoute(route: string): this;
  /** The `Host` header the request came with: redirects to it are not open redirects. */
  setHost(host: Text): this;
  /** Forgets every input, keeping the buffers. */
  reset(): this;
  readonly length: number;
  input(index: number): { source: Source; key: string; value: string } | null;
}

/** What a hook knows about a finding beyond the request's inputs. */
export interface EventContext {
  operation?: string;
  eventId?: string;
  clientIp?: string;
  userAgent?: string;
  requestId?: string;
  /** Frames, innermost first. */
  stack?: string[];
}

export interface BlockResponse {
  status: number;
  contentType: string;
  body: string;
}

/** A compiled policy. Build once, share everywhere; every check is synchronous. */
export declare class Engine {
  /** `policy`: an object, its JSON text, or nothing for the default policy (report mode). */
  constructor(policy?: Policy | string | null);
  /** The policy of RAMPART_POLICY (a file) with RAMPART_MODE applied. */
  static fromEnv(): Engine;
  readonly mode: 'off' | 'report' | 'block';
  readonly failClosed: boolean;
  /** The policy's `version` (events carry it as `engine.policy_version`). */
  readonly policyVersion: number;
  /** Did an input of `request` change the structure of `query`? */
  checkSql(request: Request, dialect: Dialect, query: Text): Verdict;
  /** Did an input change the structure of `command`, about to run through `sh -c`? */
  checkShell(request: Request, command: Text): Verdict;
  /** Did an input choose the program or inject an option of `argv` (program first, no shell)? */
  checkExec(request: Request, argv: readonly Text[]): Verdict;
  /** Did an input bring a query operator into `filter`, a MongoDB filter as JSON text? */
  checkNosql(request: Request, filter: Text): Verdict;
  /** Did an input take `path` out of the directory the application meant? */
  checkPath(request: Request, path: Text): Verdict;
  /** Did an input point `url`, about to be fetched, somewhere internal (SSRF)? */
  checkUrl(request: Request, url: Text): Verdict;
  /** At connect time: `host` (from an input) resolved to the internal address `ip`? */
  checkResolvedIp(request: Request, host: Text, ip: Text): Verdict;
  /** Did an input send the redirect `location` to another site (open redirect)? */
  checkRedirect(request: Request, location: Text): Verdict;
  /** Did an input bring a line break into the response header `name: value`? */
  checkHeader(request: Request, name: Text, value: Text): Verdict;
  /** Does an input of `request` (or its method and path) carry a malicious payload or match a rule? No sink needed. */
  inspect(request: Request): Verdict;
  /** The event JSON line (no newline) of a finding; null for an allow verdict. */
  eventJson(request: Request, verdict: Verdict, sinkKind: string, resource: Text, context?: EventContext): string | null;
  /** The policy's block page for an event. */
  blockResponse(eventId: string): BlockResponse;
}

/** Base class of rampart's errors: `code` is a stable name, `errno` a stable number. */
export declare class RampartError extends Error {
  readonly code: string;
  readonly errno: number | undefined;
  constructor(message: string, code: string, errno: number | undefined, options?: { cause?: unknown });
}
/** The policy is invalid; the message names the field. code `invalid_policy`, errno 1. */
export declare class InvalidPolicyError extends RampartError {
  constructor(message: string, options?: { cause?: unknown });
}
/** The policy file cannot be read. code `policy_io`, errno 2. */
export declare class PolicyIoError extends RampartError {
  constructor(message: string, options?: { cause?: unknown });
}
/** An argument is outside its domain. code `invalid_argument`, errno 3. */
export declare class InvalidArgumentError extends RampartError {
  constructor(message: string, options?: { cause?: unknown });
}
/** A bug inside rampart (a Rust panic, say). code `internal`. */
export declare class InternalError extends RampartError {
  constructor(message: string, options?: { cause?: unknown });
}
/**
 * The error a refused sink call fails with (thrown, passed to its callback or rejected,
 * as the library reports its own errors). The HTTP request has already been answered
 * with the policy's block page. code `blocked`.
 */
export declare class RampartBlockedError extends RampartError {
  readonly threat: string;
  readonly reason: string | null;
  readonly operation: string;
  readonly eventId: string;
  constructor(details: { threat: string; reason: string | null; operation: string; eventId: string });
}

export interface StartOptions {
  /** A policy object or JSON text; default: RAMPART_POLICY / RAMPART_MODE. */
  policy?: Policy | string;
  /** An Engine to use as is. */
  engine?: Engine;
}

/** Starts protecting the process (done on require). Returns false when the policy could not be loaded. */
export declare function start(options?: StartOptions): boolean;
/** Stops checking; hooked libraries let every call through. */
export declare function stop(): void;
/** Replaces the policy in force. */
export declare function configure(policy: Policy | string | Engine): boolean;
/** The engine in force, or null when stopped. */
export declare function engine(): Engine | null;
/**
 * Checks SQL about to run in a sink rampart does not hook, against the current request.
 * Returns null, or the RampartBlockedError to fail the call with.
 */
export declare function checkSql(operation: string, dialect: Dialect, query: Text): RampartBlockedError | null;
/** The same for a command about to run through `sh -c`. */
export declare function checkShell(operation: string, command: Text): RampartBlockedError | null;
/** The same for a program and its arguments about to run without a shell. */
export declare function checkExec(operation: string, argv: readonly Text[]): RampartBlockedError | null;
/** The same for a MongoDB-style filter as JSON text. */
export declare function checkNosql(operation: string, filterJson: Text): RampartBlockedError | null;
/** The same for a file path about to be opened, listed, written or deleted. */
export declare function checkPath(operation: string, path: Text): RampartBlockedError | null;
/** The same for a URL about to be fetched. */
export declare function checkUrl(operation: string, url: Text): RampartBlockedError | null;
/** The same for the `Location` of a redirect. */
export declare function checkRedirect(operation: string, location: Text): RampartBlockedError | null;
/** The same for a response header about to be set. */
export declare function checkHeader(operation: string, name: string, value: Text): RampartBlockedError | null;
/** Whether the caller runs inside an HTTP request rampart follows. */
export declare function inRequest(): boolean;
/** rampart's version. */
export declare const version: string;
