package dev.rampart;

import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.util.Map;
import java.util.Objects;

/**
 * The user inputs of one HTTP request, flattened into {@code (source, key, value)}
 * triples; keys are dotted paths ({@code user.address.city}, {@code ids[2]}).
 *
 * <p>One request belongs to one HTTP request at a time; {@link #reset()} makes it ready for
 * the next one and keeps its buffers, so a reused request allocates nothing. Close it
 * when done, or let the garbage collector release it.
 */
public final class Request implements AutoCloseable {
    private final long handle;
    private final Cleaner.Cleanable cleanable;
    private volatile boolean closed;

    public Request() {
        Native.ensureLoaded();
        long h = Native.requestNew();
        this.handle = h;
        this.cleanable = Native.CLEANER.register(this, () -> Native.requestFree(h));
    }

    long handle() {
        if (closed) {
            throw new InvalidArgumentException("invalid_argument: the request is closed");
        }
        return handle;
    }

    void keepAlive() {
        Reference.reachabilityFence(this);
    }

    /** Adds one input. */
    public Request addInput(Source source, String key, String value) {
        Native.requestAddInput(handle(), source.code, Objects.requireNonNull(key), Objects.requireNonNull(value));
        keepAlive();
        return this;
    }

    /** Adds the inputs of a query string ({@code a=1&b=%27}): percent-decoded, keys too. */
    public Request addQueryString(String query) {
        Native.requestAddEncoded(handle(), Native.QUERY_STRING, Objects.requireNonNull(query));
        keepAlive();
        return this;
    }

    /** Adds the inputs of an {@code application/x-www-form-urlencoded} body. */
    public Request addFormBody(String body) {
        Native.requestAddEncoded(handle(), Native.FORM_BODY, Objects.requireNonNull(body));
        keepAlive();
        return this;
    }

    /** Adds the cookies of a {@code Cookie} header. */
    public Request addCookieHeader(String header) {
        Native.requestAddEncoded(handle(), Native.COOKIE_HEADER, Objects.requireNonNull(header));
        keepAlive();
        return this;
    }

    /** Adds one header; protocol headers are skipped and {@code Cookie} is split into cookies. */
    public Request addHeader(String name, String value) {
        Native.requestAddHeader(handle(), Objects.requireNonNull(name), Objects.requireNonNull(value));
        keepAlive();
        return this;
    }

    /** Adds decoded parameters ({@code ServletRequest.getParameterMap()}): every value of every key. */
    public Request addParameters(Source source, Map<String, String[]> parameters) {
        int count = 0;
        for (String[] values : parameters.values()) {
            count += values == null ? 0 : values.length;
        }
        String[] pairs = new String[2 * count];
        int i = 0;
        for (Map.Entry<String, String[]> entry : parameters.entrySet()) {
            if (entry.getValue() == null) {
                continue;
            }
            for (String value : entry.getValue()) {
                pairs[i++] = entry.getKey();
                pairs[i++] = value;
            }
        }
        Native.requestAddPairs(handle(), source.code, pairs);
        keepAlive();
        return this;
    }

    /** Adds the inputs of a JSON body, flattened; nothing for invalid JSON. */
    public Request addJson(byte[] body, int length) {
        if (length < 0 || length > body.length) {
            throw new InvalidArgumentException("invalid_argument: length out of range");
        }
        Native.requestAddJson(handle(), body, length);
        keepAlive();
        return this;
    }

    /**
     * Adds an uploaded file: an input of source {@link Source#FILE} (key the form field,
     * value the client's file name), with its declared content type and first bytes
     * ({@code head[0..length)}, at most {@link #FILE_HEAD_LENGTH} kept) for the upload rules
     * of {@link Engine#inspect}.
     */
    public Request addFile(String field, String filename, String contentType, byte[] head, int length) {
        if (length < 0 || length > head.length) {
            throw new InvalidArgumentException("invalid_argument: length out of range");
        }
        int kept = Math.min(length, FILE_HEAD_LENGTH);
        byte[] first = kept == head.length ? head : java.util.Arrays.copyOf(head, kept);
        Native.requestAddFile(handle(), Objects.requireNonNull(field), Objects.requireNonNull(filename),
                contentType == null ? "" : contentType, first, kept);
        keepAlive();
        return this;
    }

    /** How many leading bytes of an uploaded file {@link #addFile} keeps. */
    public static final int FILE_HEAD_LENGTH = 512;

    public Request setMethod(String method) {
        Native.requestSet(handle(), Native.METHOD, Objects.requireNonNull(method));
        keepAlive();
        return this;
    }

    public Request setPath(String path) {
        Native.requestSet(handle(), Native.PATH, Objects.requireNonNull(path));
        keepAlive();
        return this;
    }

    /** The route template ({@code /users/{id}}) that policy exclusions match. */
    public Request setRoute(String route) {
        Native.requestSet(handle(), Native.ROUTE, Objects.requireNonNull(route));
        keepAlive();
        return this;
    }

    /** The request's own host ({@code Host} header): redirects to it are not open redirects. */
    public Request setHost(String host) {
        Native.requestSet(handle(), Native.HOST, Objects.requireNonNull(host));
        keepAlive();
        return this;
    }

    /** Forgets every input, keeping the buffers. */
    public Request reset() {
        Native.requestReset(handle());
        keepAlive();
        return this;
    }

    /** The number of inputs. */
    public int size() {
        int n = Native.requestLength(handle());
        keepAlive();
        return n;
    }

    /** Input {@code index}, read back; {@code null} past the end. */
    public Input input(int index) {
        String[] triple = Native.requestInput(handle(), index);
        keepAlive();
        return triple == null ? null : new Input(Source.fromName(triple[0]), triple[1], triple[2]);
    }

    /** Releases the native request; later calls throw {@link InvalidArgumentException}. */
    @Override
    public void close() {
        closed = true;
        cleanable.clean();
    }

    /** One input of a request. */
    public static final class Input {
        private final Source source;
        private final String key;
        private final String value;

        Input(Source source, String key, String value) {
            this.source = source;
            this.key = key;
            this.value = value;
        }

        public Source source() {
            return source;
        }

        public String key() {
            return key;
        }

        public String value() {
            return value;
        }

        @Override
        public String toString() {
            return source.policyName() + "." + key + "=" + value;
        }
    }
}
