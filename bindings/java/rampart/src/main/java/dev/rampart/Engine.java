package dev.rampart;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;

/**
 * A compiled policy: build it once, share it between every thread, and call a check at
 * each sink with the current {@link Request}. Checks take no lock and allocate nothing
 * on the native side.
 *
 * <pre>{@code
 * try (Engine engine = Engine.fromEnv(); Request request = new Request()) {
 *     request.addInput(Source.BODY, "email", "' OR 1=1-- ");
 *     Verdict v = engine.checkSql(request, Dialect.MYSQL, query);
 *     if (v.isBlock()) { ... refuse the call ... }
 * }
 * }</pre>
 *
 * <p>Thread-safe. {@link #close()} releases the native engine; it must not race with
 * checks still running on other threads (like closing a connection pool in use). An
 * engine that is never closed is released when it becomes unreachable.
 */
public final class Engine implements AutoCloseable {
    private final long handle;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    private Engine(long handle) {
        this.handle = handle;
        this.cleanable = Native.CLEANER.register(this, () -> Native.engineFree(handle));
    }

    /** The default policy: every protection on, mode report. */
    public Engine() {
        this(create(null));
    }

    private static long create(String json) {
        Native.ensureLoaded();
        return Native.engineNew(json);
    }

    /**
     * Compiles a policy given as JSON.
     *
     * @throws InvalidPolicyException the policy is malformed; the message names the field
     */
    public static Engine fromJson(String policyJson) {
        return new Engine(create(Objects.requireNonNull(policyJson)));
    }

    /**
     * The policy of the file named by {@code RAMPART_POLICY} (the default policy when unset),
     * with {@code RAMPART_MODE} applied.
     *
     * @throws PolicyIoException the file cannot be read
     * @throws InvalidPolicyException the policy is malformed
     */
    public static Engine fromEnv() {
        Native.ensureLoaded();
        return new Engine(Native.engineFromEnv());
    }

    private long engine() {
        if (closed) {
            throw new InvalidArgumentException("invalid_argument: the engine is closed");
        }
        return handle;
    }

    /** A resource as the library reads it; a lone surrogate becomes {@code ?}. */
    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static int[] out() {
        return new int[7];
    }

    private Verdict done(int found, int[] out, Request request) {
        Reference.reachabilityFence(this);
        request.keepAlive();
        return Verdict.of(found, out);
    }

    /** Did an input change the structure of {@code query}, a SQL statement about to run? */
    public Verdict checkSql(Request request, Dialect dialect, String query) {
        int[] out = out();
        int found = Native.checkSql(engine(), request.handle(), dialect.code, utf8(query), out);
        return done(found, out, request);
    }

    /** Did an input change the structure of {@code command}, a string about to run through {@code sh -c}? */
    public Verdict checkShell(Request request, String command) {
        int[] out = out();
        return done(Native.checkShell(engine(), request.handle(), utf8(command), out), out, request);
    }

    /**
     * Did an input choose the program of {@code argv} (program first, run without a shell),
     * inject a dangerous option, or reach a shell through it?
     */
    public Verdict checkExec(Request request, List<String> argv) {
        return checkExec(request, argv.toArray(new String[0]));
    }

    /** {@link #checkExec(Request, List)} with an array. */
    public Verdict checkExec(Request request, String... argv) {
        int[] out = out();
        return done(Native.checkExec(engine(), request.handle(), argv, out), out, request);
    }

    /** Did a user-supplied object bring a query operator into {@code filterJson}, a MongoDB-style filter? */
    public Verdict checkNosql(Request request, String filterJson) {
        int[] out = out();
        return done(Native.checkNosql(engine(), request.handle(), utf8(filterJson), out), out,
                request);
    }

    /** Did an input take {@code path}, about to be opened, out of the directory the application meant? */
    public Verdict checkPath(Request request, String path) {
        int[] out = out();
        return done(Native.checkPath(engine(), request.handle(), utf8(path), out), out, request);
    }

    /** Did an input point {@code url}, about to be fetched, at an internal host or a metadata service? */
    public Verdict checkUrl(Request request, String url) {
        int[] out = out();
        return done(Native.checkUrl(engine(), request.handle(), utf8(url), out), out, request);
    }

    /**
     * At connect time: {@code host} (as the client resolved it) came from an input and
     * {@code ip}, the address the socket really connects to, is internal?
     */
    public Verdict checkResolvedIp(Request request, String host, String ip) {
        int[] out = out();
        int found = Native.checkResolvedIp(engine(), request.handle(), utf8(host), utf8(ip), out);
        return done(found, out, request);
    }

    /**
     * Payload inspection: does an input of the request (or its method and path) carry a
     * malicious payload (SQL injection, XSS, shell, traversal, SSRF URL) or match a rule?
     * No sink needed; findings are {@link Threat#MALICIOUS_PAYLOAD}, reported by default.
     */
    public Verdict inspect(Request request) {
        int[] out = out();
        return done(Native.inspect(engine(), request.handle(), out), out, request);
    }

    /** Did an input send this redirect ({@code Location}) to another site? */
    public Verdict checkRedirect(Request request, String location) {
        int[] out = out();
        return done(Native.checkRedirect(engine(), request.handle(), utf8(location), out), out,
                request);
    }

    /** Did an input bring a line break or NUL into a response header? */
    public Verdict checkHeader(Request request, String name, String value) {
        int[] out = out();
        int found = Native.checkHeader(engine(), request.handle(), utf8(name), utf8(value), out);
        return done(found, out, request);
    }

    /**
     * The event of a finding as one JSON line (the schema of docs/events.md, the same in
     * every language); {@code null} when {@code verdict} found nothing.
     */
    public String eventJson(Request request, Verdict verdict, String sinkKind, String resource, EventContext context) {
        EventContext c = context == null ? EventContext.of("") : context;
        String line = Native.eventJson(engine(), request.handle(), verdict.fields(), sinkKind, resource,
                c.operation, c.eventId, c.clientIp, c.userAgent, c.requestId, c.stack);
        Reference.reachabilityFence(this);
        request.keepAlive();
        return line;
    }

    /** The event of a hook that failed internally (action {@code failed_open} or {@code failed_closed}). */
    public String errorEventJson(Request request, String sinkKind, String errorKind, String message,
            EventContext context) {
        EventContext c = context == null ? EventContext.of("") : context;
        String line = Native.errorEventJson(engine(), request == null ? 0 : request.handle(), sinkKind, errorKind,
                message, c.operation, c.eventId, c.clientIp, c.userAgent, c.requestId, c.stack);
        Reference.reachabilityFence(this);
        if (request != null) {
            request.keepAlive();
        }
        return line;
    }

    /** The policy's block page, with {@code {{event_id}}} filled in. */
    public BlockResponse blockResponse(String eventId) {
        long e = engine();
        BlockResponse r = new BlockResponse(Native.blockStatus(e), Native.blockContentType(e),
                Native.blockBody(e, eventId));
        Reference.reachabilityFence(this);
        return r;
    }

    /** The policy's mode: {@code off}, {@code report} or {@code block}. */
    public String mode() {
        int mode = Native.engineMode(engine());
        Reference.reachabilityFence(this);
        return mode == 2 ? "block" : mode == 1 ? "report" : "off";
    }

    /**
     * What a finding of {@code threat} gets once the mode is applied: {@link Action#ALLOW}
     * when the protection or the mode is off (nothing need be checked for it),
     * otherwise {@link Action#REPORT} or {@link Action#BLOCK}.
     */
    public Action action(Threat threat) {
        int code = Native.engineAction(engine(), threat.code);
        Reference.reachabilityFence(this);
        return Action.fromCode(code);
    }

    /** Whether a hook that fails internally must stop the call. */
    public boolean failClosed() {
        boolean f = Native.engineFailClosed(engine());
        Reference.reachabilityFence(this);
        return f;
    }

    /** A fresh event id (32 hex digits). */
    public static String newEventId() {
        Native.ensureLoaded();
        return Native.newEventId();
    }

    /** rampart's version (the same for every package). */
    public static String version() {
        Native.ensureLoaded();
        return Native.version();
    }

    /** Releases the native engine; later checks throw {@link InvalidArgumentException}. */
    @Override
    public void close() {
        closed = true;
        cleanable.clean();
    }
}
