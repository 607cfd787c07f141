package dev.rampart.agent;

import dev.rampart.Request;
import dev.rampart.Source;
import java.util.Arrays;
import java.util.Map;

/**
 * The HTTP request a thread is serving, set around {@code HttpServlet.service}. One per
 * thread, reused: its {@link Request} keeps its buffers from one HTTP request to the next.
 *
 * <p>Inputs are collected in two steps. At the start of the request: method, path, query
 * string, headers, cookies (none of which touches the body). At the first sink call: the
 * form parameters (the container parses and keeps them, so the application still reads
 * them) and the JSON body as far as the application has read it (see
 * {@link Hooks#bodyRead}): the agent never consumes the application's stream.
 */
final class Context {
    /** Set on a thread's first HTTP request: other threads (the JDK's, pools') get none. */
    private static final ThreadLocal<Context> THREAD = new ThreadLocal<>();
    /** Inputs beyond this many are not collected (the native side keeps as many). */
    private static final int MAX_INPUTS = 4096;
    /** The most of a body kept for inputs. */
    private static final int MAX_BODY = 1 << 20;
    /**
     * {@code -Drampart.agent.fault=true}: every hook fails inside (an exception where the
     * request's inputs are read), so that tests can see what fail_open and fail_closed do.
     */
    private static final boolean FAULT = Boolean.getBoolean("rampart.agent.fault");

    final Request request = new Request();
    Object servletRequest;
    Object servletResponse;
    ServletAccess access;
    boolean active;
    int depth;
    /** Inside a hook: a sink reached from the hook itself is not the application's. */
    boolean busy;
    boolean parametersCollected;
    /** The request's inputs could not be read (fail_closed: its sinks fail). */
    private boolean unreadable;
    boolean json;
    byte[] body = new byte[0];
    int bodyLength;
    int bodyFlattened;
    String blockedEventId;
    /** Findings reported in this request: threat, input and kind of sink, one bit each. */
    private final java.util.Set<Long> reported = new java.util.HashSet<>();
    String clientIp;
    String userAgent;
    String requestId;
    /**
     * The request {@code service} hands the application instead of the container's, when
     * the agent read its body at start (see {@link FormReplay}); taken once.
     */
    Object replacement;
    /** The request path, as given to the engine. */
    String path = "";

    static Context forThread() {
        Context c = THREAD.get();
        if (c == null) {
            c = new Context();
            THREAD.set(c);
        }
        return c;
    }

    /** The context of the HTTP request this thread serves, when a hook may run now. */
    static Context current() {
        Context c = THREAD.get();
        return c != null && c.active && !c.busy ? c : null;
    }

    void begin(Object req, Object resp) throws ReflectiveOperationException {
        unreadable = false;
        // Nothing of the thread's previous request may show in this one's events, even
        // when reading this one fails half-way.
        clientIp = null;
        userAgent = null;
        requestId = null;
        json = false;
        request.reset();
        servletRequest = req;
        servletResponse = resp;
        replacement = null;
        access = ServletAccess.of(req.getClass());
        blockedEventId = null;
        reported.clear();
        parametersCollected = false;
        bodyLength = 0;
        bodyFlattened = 0;
        String contentType = access.contentType(req);
        json = contentType != null && contentType.toLowerCase(java.util.Locale.ROOT).contains("json");
        clientIp = access.remoteAddr(req);
        userAgent = access.header(req, "User-Agent");
        requestId = access.header(req, "X-Request-Id");
        collectHead();
        active = true;
    }

    private void collectHead() throws ReflectiveOperationException {
        request.reset();
        Object req = servletRequest;
        request.setMethod(nonNull(access.method(req)));
        path = nonNull(access.requestUri(req));
        request.setPath(path);
        String route = access.route(req);
        if (route != null) {
            request.setRoute(route);
        }
        String host = access.header(req, "Host");
        if (host != null) {
            request.setHost(host);
        }
        String query = access.queryString(req);
        if (query != null) {
            request.addQueryString(query);
        }
        String pathInfo = access.pathInfo(req);
        if (pathInfo != null && pathInfo.length() > 1) {
            request.addInput(Source.PATH, "pathInfo", pathInfo.substring(1));
        }
        access.forEachHeader(req, request::addHeader);
    }

    /** Brings in what only becomes available once the application reads its body. */
    void prepare() throws ReflectiveOperationException {
        if (unreadable) {
            throw new IllegalStateException("the request's inputs could not be read");
        }
        if (FAULT) {
            throw new IllegalStateException("fault injected by -Drampart.agent.fault=true");
        }
        collectParameters();
        if (json && bodyLength > bodyFlattened) {
            if (bodyFlattened > 0) {
                // More of the body arrived since it was flattened: start over.
                collectHead();
            }
            request.addJson(body, bodyLength);
            bodyFlattened = bodyLength;
        }
    }

    /**
     * The form parameters of a urlencoded body, once per request: the container parses and
     * keeps them, so the application's {@code getParameter} still gets them.
     */
    private void collectParameters() throws ReflectiveOperationException {
        if (parametersCollected) {
            return;
        }
        parametersCollected = true;
        if (!json) {
            String contentType = access.contentType(servletRequest);
            if (contentType != null && contentType.startsWith("application/x-www-form-urlencoded")) {
                Map<String, String[]> parameters = access.parameterMap(servletRequest);
                request.addParameters(Source.BODY, parameters);
            }
        }
    }

    /**
     * For payload inspection at the start of the request: what a sink would collect later.
     * A urlencoded or JSON body is read now and replayed to the application through
     * {@link #replacement}; the uploaded files of a multipart body come from the parts the
     * container parses and keeps for the application.
     */
    void collectForInspection() throws ReflectiveOperationException, java.io.IOException {
        if (FAULT) {
            throw new IllegalStateException("fault injected by -Drampart.agent.fault=true");
        }
        String contentType = access.contentType(servletRequest);
        boolean form = !json && contentType != null && contentType.startsWith("application/x-www-form-urlencoded");
        if (form || json) {
            // Read here and replayed to the application (FormReplay); a body of unknown or
            // large size is left unread: its inputs are collected at the first sink, as
            // the application reads it.
            int length = access.contentLength(servletRequest);
            if (length < 0 || length > FormReplay.MAX_BODY) {
                return;
            }
            FormReplay.prepare(access.requestInterface);
            byte[] bytes = access.inputStream(servletRequest).readNBytes(length);
            String encoding = access.characterEncoding(servletRequest);
            replacement = FormReplay.wrap(access.requestInterface, servletRequest, queryParameters(), bytes, encoding,
                    form);
            if (form) {
                parametersCollected = true;
                request.addFormBody(new String(bytes, FormReplay.charset(encoding)));
            } else {
                // The whole body, as if the application had read it already.
                appendBody(bytes, 0, bytes.length);
                request.addJson(body, bodyLength);
                bodyFlattened = bodyLength;
            }
            return;
        }
        if (contentType != null && contentType.regionMatches(true, 0, "multipart/form-data", 0, 19)) {
            boolean parsed = access.forEachUpload(servletRequest, Request.FILE_HEAD_LENGTH, (field, name, type, head) -> {
                request.addFile(field == null ? "" : field, name, type, head, head.length);
                return request.size() < MAX_INPUTS;
            });
            if (parsed) {
                // The form fields beside the files, as the container merged them.
                request.addParameters(Source.BODY, access.parameterMap(servletRequest));
            }
        }
    }

    /**
     * The parameters once the body is read: the query string's (the container no longer
     * parses the body). Should the container fail, the query string parsed here instead:
     * the body is read already and the application must get its wrapper.
     */
    private Map<String, String[]> queryParameters() {
        try {
            return access.parameterMap(servletRequest);
        } catch (ReflectiveOperationException | RuntimeException e) {
            try {
                return FormReplay.fields(nonNull(access.queryString(servletRequest)));
            } catch (ReflectiveOperationException | RuntimeException again) {
                return Map.of();
            }
        }
    }

    /**
     * Whether this is the first report of this input and threat at this kind of sink in the
     * request: a URL checked before the request and again at connect time is one event.
     */
    boolean firstReport(dev.rampart.Verdict v, String sinkKind) {
        long key = ((long) v.threat().ordinal() << 48) ^ ((long) sinkKind.hashCode() << 20) ^ v.inputIndex();
        return reported.add(key);
    }

    void appendBody(byte[] bytes, int offset, int length) {
        int room = MAX_BODY - bodyLength;
        int n = Math.min(room, length);
        if (n <= 0) {
            return;
        }
        if (bodyLength + n > body.length) {
            body = Arrays.copyOf(body, Math.min(MAX_BODY, Math.max(bodyLength + n, 2 * body.length + 256)));
        }
        System.arraycopy(bytes, offset, body, bodyLength, n);
        bodyLength += n;
    }

    /** A request whose inputs could not be read, served under fail_closed: every sink fails. */
    void unreadable() {
        unreadable = true;
        active = true;
    }

    void end() {
        unreadable = false;
        active = false;
        servletRequest = null;
        servletResponse = null;
        replacement = null;
        access = null;
        blockedEventId = null;
        if (body.length > 64 * 1024) {
            body = new byte[0];
        }
        bodyLength = 0;
    }

    private static String nonNull(String s) {
        return s == null ? "" : s;
    }
}
