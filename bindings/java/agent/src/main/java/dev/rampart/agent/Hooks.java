package dev.rampart.agent;

import dev.rampart.BlockResponse;
import dev.rampart.Dialect;
import dev.rampart.Engine;
import dev.rampart.EventContext;
import dev.rampart.RampartBlockedException;
import dev.rampart.Verdict;
import java.io.File;
import java.lang.reflect.Method;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * What the instrumented methods call. Public because the advice is inlined into other
 * packages' classes; not an API.
 *
 * <p>Every entry point does nothing outside an HTTP request (one thread-local read), and
 * nothing when it is reached from another hook. It throws only
 * {@link RampartBlockedException}; anything else that goes wrong inside is written as an
 * error event and the application's call proceeds (fail open), or, when the policy says
 * {@code fail_closed}, is refused like a blocked attack.
 */
public final class Hooks {
    private Hooks() {}

    static volatile Engine engine;
    /** The policy's {@code fail_closed}: a hook that fails stops the call. */
    static volatile boolean failClosed;
    /**
     * The policy's {@code malicious_payload} is not off: every request is inspected as it
     * arrives (its inputs collected then instead of at the first sink).
     */
    static volatile boolean inspectsPayloads;

    // ---- request context (HttpServlet.service) ----

    /**
     * Sets up the request's context; true when payload inspection blocked the request, so
     * that the application's {@code service} is skipped and the exit writes the block page.
     */
    public static boolean servletEnter(Object req, Object resp) {
        Context c = Context.forThread();
        if (c.depth++ > 0 || engine == null || req == null) {
            return false;
        }
        try {
            c.begin(req, resp);
        } catch (Throwable t) {
            c.end();
            internalError(null, "request", "servlet.HttpServlet.service", t);
            if (failClosed) {
                // The request's inputs are unknown: its sinks cannot be checked, so they fail.
                c.unreadable();
            }
            return false;
        }
        return inspectsPayloads && inspect(c, req);
    }

    /**
     * The request the application's {@code service} gets: the container's, or the wrapper
     * that replays a body the agent read at start ({@link FormReplay}).
     */
    public static Object servletRequest(Object req) {
        Context c = Context.forThread();
        Object replacement = c.replacement;
        if (replacement == null) {
            return req;
        }
        c.replacement = null;
        return replacement;
    }

    /**
     * Payload inspection ({@link Engine#inspect}) of the request as it arrives, once: not
     * again for its async, error or include dispatches. A finding is an event with sink
     * kind {@code request} and no stack (no application code has run); under {@code block}
     * the application never sees the request. A failure inside is an error event and the
     * request goes on (fail open), or under {@code fail_closed} gets the block page.
     */
    private static boolean inspect(Context c, Object req) {
        c.busy = true;
        try {
            if (!c.access.isClientDispatch(req)) {
                return false;
            }
            c.collectForInspection();
            Verdict v = engine.inspect(c.request);
            if (!v.isAttack() || v.action() == dev.rampart.Action.ALLOW) {
                return false;
            }
            String eventId = Engine.newEventId();
            EventContext context = new EventContext("request", eventId, c.clientIp, c.userAgent, c.requestId,
                    List.of());
            // No sink: an empty resource, so the event quotes the offending value (or the path).
            Events.write(engine.eventJson(c.request, v, "request", "", context));
            if (v.isBlock()) {
                c.blockedEventId = eventId;
                return true;
            }
            return false;
        } catch (Throwable t) {
            String eventId = internalError(c, "request", "servlet.HttpServlet.service", t);
            if (failClosed) {
                c.blockedEventId = eventId;
                return true;
            }
            return false;
        } finally {
            c.busy = false;
        }
    }

    /** Returns the throwable {@code service} should end with; {@code null} when the block page answered. */
    public static Throwable servletExit(Object resp, Throwable thrown) {
        Context c = Context.forThread();
        // (Created by servletEnter already: this only reads it.)
        if (c.depth > 0) {
            c.depth--;
        }
        if (c.depth > 0 || !c.active) {
            return thrown;
        }
        try {
            String eventId = c.blockedEventId;
            if (eventId != null && (thrown == null || blockedBy(thrown))) {
                BlockResponse page = engine.blockResponse(eventId);
                c.busy = true;
                boolean written = ServletAccess.writeBlockPage(resp, page.status(), page.contentType(), page.body());
                return written ? null : thrown;
            }
            return thrown;
        } catch (Throwable t) {
            internalError(c, "request", "servlet.HttpServletResponse.block_page", t);
            return thrown;
        } finally {
            c.busy = false;
            c.end();
        }
    }

    private static boolean blockedBy(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RampartBlockedException) {
                return true;
            }
        }
        return false;
    }

    /** Bytes the application read from its request body (ServletInputStream.read). */
    public static void bodyRead(byte[] buffer, int offset, int count) {
        Context c = Context.current();
        if (c == null || !c.json || count <= 0 || buffer == null) {
            return;
        }
        c.appendBody(buffer, offset, count);
    }

    // ---- sinks ----

    private static final Map<Object, Dialect> DIALECTS = new WeakHashMap<>();
    private static volatile Method statementGetConnection;
    private static volatile Method connectionGetMetaData;
    private static volatile Method metaDataGetUrl;

    /** {@code Statement.execute*(sql)}, {@code addBatch(sql)}: {@code statement} is the Statement. */
    public static void statement(Object statement, String sql, String operation) {
        Context c = Context.current();
        if (c == null || sql == null) {
            return;
        }
        sql(c, statement, true, sql, operation);
    }

    /** {@code Connection.prepareStatement(sql)}, {@code prepareCall(sql)}. */
    public static void prepare(Object connection, String sql, String operation) {
        Context c = Context.current();
        if (c == null || sql == null) {
            return;
        }
        sql(c, connection, false, sql, operation);
    }

    private static void sql(Context c, Object target, boolean isStatement, String sql, String operation) {
        c.busy = true;
        try {
            c.prepare();
            if (c.request.size() == 0) {
                return;
            }
            Object connection = isStatement ? statementConnection(target) : target;
            Verdict v = engine.checkSql(c.request, dialect(connection), sql);
            if (v.isAttack()) {
                finding(c, v, "sql", sql, operation);
            }
        } catch (RampartBlockedException e) {
            throw e;
        } catch (Throwable t) {
            failed(c, "sql", operation, t);
        } finally {
            c.busy = false;
        }
    }

    private static Object statementConnection(Object statement) throws ReflectiveOperationException {
        Method m = statementGetConnection;
        if (m == null) {
            Class<?> type = Class.forName("java.sql.Statement", false, ClassLoader.getPlatformClassLoader());
            statementGetConnection = m = type.getMethod("getConnection");
        }
        // A class hooked for its JDBC signature alone may not be a Statement.
        return m.getDeclaringClass().isInstance(statement) ? m.invoke(statement) : null;
    }

    /** The dialect of a connection's JDBC URL, looked up once per connection. */
    private static Dialect dialect(Object connection) {
        if (connection == null) {
            return Dialect.GENERIC;
        }
        synchronized (DIALECTS) {
            Dialect d = DIALECTS.get(connection);
            if (d != null) {
                return d;
            }
        }
        Dialect d;
        try {
            if (connectionGetMetaData == null) {
                ClassLoader platform = ClassLoader.getPlatformClassLoader();
                connectionGetMetaData = Class.forName("java.sql.Connection", false, platform).getMethod("getMetaData");
                metaDataGetUrl = Class.forName("java.sql.DatabaseMetaData", false, platform).getMethod("getURL");
            }
            d = Dialect.fromJdbcUrl((String) metaDataGetUrl.invoke(connectionGetMetaData.invoke(connection)));
        } catch (ReflectiveOperationException | RuntimeException e) {
            d = Dialect.GENERIC;
        }
        synchronized (DIALECTS) {
            DIALECTS.put(connection, d);
        }
        return d;
    }

    /** {@code ProcessBuilder.start()} (and so {@code Runtime.exec}): the argv about to run. */
    public static void exec(ProcessBuilder builder) {
        Context c = Context.current();
        if (c == null) {
            return;
        }
        String operation = "java.lang.ProcessBuilder.start";
        c.busy = true;
        try {
            c.prepare();
            List<String> argv = builder.command();
            if (c.request.size() == 0 || argv.isEmpty()) {
                return;
            }
            Verdict v = engine.checkExec(c.request, argv);
            if (v.isAttack()) {
                finding(c, v, "exec", String.join(" ", argv), operation);
            }
        } catch (RampartBlockedException e) {
            throw e;
        } catch (Throwable t) {
            failed(c, "exec", operation, t);
        } finally {
            c.busy = false;
        }
    }

    /** A file about to be opened, written, listed or deleted ({@code File} or {@code Path}). */
    public static void path(Object file, String operation) {
        Context c = Context.current();
        if (c == null || file == null) {
            return;
        }
        c.busy = true;
        try {
            String path = file instanceof File ? ((File) file).getPath() : file.toString();
            c.prepare();
            if (c.request.size() == 0) {
                return;
            }
            Verdict v = engine.checkPath(c.request, path);
            if (v.isAttack()) {
                finding(c, v, "path", path, operation);
            }
        } catch (RampartBlockedException e) {
            throw e;
        } catch (Throwable t) {
            failed(c, "path", operation, t);
        } finally {
            c.busy = false;
        }
    }

    private static volatile Method httpRequestUri;

    /** {@code HttpClient.send/sendAsync(request, ...)}: the request's URI. */
    public static void httpRequest(Object request, String operation) {
        Context c = Context.current();
        if (c == null || request == null) {
            return;
        }
        String uri;
        try {
            Method m = httpRequestUri;
            if (m == null) {
                Class<?> type = Class.forName("java.net.http.HttpRequest", false, request.getClass().getClassLoader());
                httpRequestUri = m = type.getMethod("uri");
            }
            uri = String.valueOf(m.invoke(request));
        } catch (Throwable t) {
            failed(c, "url", operation, t);
            return;
        }
        url(uri, operation);
    }

    /** An outgoing URL about to be fetched ({@code URL.openConnection}, {@code HttpClient}). */
    public static void url(Object url, String operation) {
        Context c = Context.current();
        if (c == null || url == null) {
            return;
        }
        c.busy = true;
        try {
            String text = url.toString();
            if (text.startsWith("jar:") || text.startsWith("file:") || text.startsWith("jrt:")) {
                return; // class and resource loading, not an outgoing request
            }
            c.prepare();
            if (c.request.size() == 0) {
                return;
            }
            Verdict v = engine.checkUrl(c.request, text);
            if (v.isAttack()) {
                finding(c, v, "url", text, operation);
            }
        } catch (RampartBlockedException e) {
            throw e;
        } catch (Throwable t) {
            failed(c, "url", operation, t);
        } finally {
            c.busy = false;
        }
    }

    /** A socket about to connect: the host as resolved and the address really used. */
    public static void connect(Object address, String operation) {
        Context c = Context.current();
        if (c == null || !(address instanceof InetSocketAddress)) {
            return;
        }
        c.busy = true;
        try {
            InetSocketAddress socket = (InetSocketAddress) address;
            InetAddress ip = socket.getAddress();
            if (ip == null) {
                return;
            }
            c.prepare();
            if (c.request.size() == 0) {
                return;
            }
            String host = socket.getHostString();
            Verdict v = engine.checkResolvedIp(c.request, host, ip.getHostAddress());
            if (v.isAttack()) {
                finding(c, v, "url", host + " -> " + ip.getHostAddress(), operation);
            }
        } catch (RampartBlockedException e) {
            throw e;
        } catch (Throwable t) {
            failed(c, "url", operation, t);
        } finally {
            c.busy = false;
        }
    }

    /** {@code HttpServletResponse.sendRedirect(location)}. */
    public static void redirect(String location, String operation) {
        Context c = Context.current();
        if (c == null || location == null) {
            return;
        }
        c.busy = true;
        try {
            c.prepare();
            if (c.request.size() == 0) {
                return;
            }
            Verdict v = engine.checkRedirect(c.request, location);
            if (v.isAttack()) {
                finding(c, v, "redirect", location, operation);
            }
        } catch (RampartBlockedException e) {
            throw e;
        } catch (Throwable t) {
            failed(c, "redirect", operation, t);
        } finally {
            c.busy = false;
        }
    }

    /** {@code HttpServletResponse.setHeader/addHeader(name, value)}. */
    public static void header(String name, String value, String operation) {
        Context c = Context.current();
        if (c == null || name == null || value == null) {
            return;
        }
        c.busy = true;
        try {
            c.prepare();
            if (c.request.size() == 0) {
                return;
            }
            if (name.equalsIgnoreCase("Location")) {
                Verdict r = engine.checkRedirect(c.request, value);
                if (r.isAttack()) {
                    finding(c, r, "redirect", value, operation);
                }
            }
            Verdict v = engine.checkHeader(c.request, name, value);
            if (v.isAttack()) {
                finding(c, v, "header", value, operation);
            }
        } catch (RampartBlockedException e) {
            throw e;
        } catch (Throwable t) {
            failed(c, "header", operation, t);
        } finally {
            c.busy = false;
        }
    }

    // ---- verdicts ----

    private static void finding(Context c, Verdict v, String sinkKind, String resource, String operation) {
        if (!v.isBlock() && !c.firstReport(v, sinkKind)) {
            return; // the same input already reported at this kind of sink in this request
        }
        String eventId = Engine.newEventId();
        EventContext context = new EventContext(operation, eventId, c.clientIp, c.userAgent, c.requestId, stack());
        Events.write(engine.eventJson(c.request, v, sinkKind, resource, context));
        if (v.isBlock()) {
            c.blockedEventId = eventId;
            throw new RampartBlockedException(v, eventId);
        }
    }

    /**
     * A sink's hook failed inside: the error event, then the call proceeds, or under
     * {@code fail_closed} is refused like a blocked attack (the block page quotes the
     * error event's id).
     */
    private static void failed(Context c, String sinkKind, String operation, Throwable t) {
        String eventId = internalError(c, sinkKind, operation, t);
        if (failClosed && c != null && c.active) {
            c.blockedEventId = eventId;
            throw new RampartBlockedException(eventId, t);
        }
    }

    /** Writes the error event of a failure inside rampart; returns its id. */
    static String internalError(Context c, String sinkKind, String operation, Throwable t) {
        String eventId = null;
        try {
            eventId = Engine.newEventId();
        } catch (Throwable ignored) {
            eventId = java.util.UUID.randomUUID().toString().replace("-", "");
        }
        try {
            Engine e = engine;
            if (e == null) {
                return eventId;
            }
            String kind = t instanceof dev.rampart.RampartException ? ((dev.rampart.RampartException) t).kind()
                    : "internal";
            EventContext context = new EventContext(operation, eventId, c == null ? null : c.clientIp,
                    c == null ? null : c.userAgent, c == null ? null : c.requestId, stack());
            Events.write(e.errorEventJson(c == null || !c.active ? null : c.request, sinkKind, kind, String.valueOf(t),
                    context));
        } catch (Throwable ignored) {
            // Nowhere left to report to; the application goes on.
        }
        return eventId;
    }

    /** Classes of rampart itself: the API ({@code dev.rampart.Engine}) and the agent. */
    private static boolean isRampart(String cls) {
        return cls.startsWith("dev.rampart.agent.") || cls.startsWith("dev.rampart.shaded.")
                || (cls.startsWith("dev.rampart.") && cls.indexOf('.', "dev.rampart.".length()) < 0);
    }

    /** The application's frames, innermost first, without the agent's own. */
    private static List<String> stack() {
        StackTraceElement[] frames = Thread.currentThread().getStackTrace();
        List<String> out = new ArrayList<>();
        for (StackTraceElement f : frames) {
            String cls = f.getClassName();
            if (isRampart(cls) || cls.equals("java.lang.Thread")) {
                continue;
            }
            out.add(f.toString());
            if (out.size() == 32) {
                break;
            }
        }
        return out;
    }
}
