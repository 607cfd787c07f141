package dev.rampart;

import java.util.List;

/**
 * What only the hook knows about a finding, for its event: the sink's operation name, the
 * client, the request id, the Java stack. Every field may be empty.
 */
public final class EventContext {
    final String operation;
    final String eventId;
    final String clientIp;
    final String userAgent;
    final String requestId;
    final String[] stack;

    /**
     * @param operation the hooked call ({@code java.sql.Statement.executeQuery})
     * @param eventId the event's id, or {@code null} for a fresh one
     * @param clientIp the client's address
     * @param userAgent the request's User-Agent
     * @param requestId the request's id (X-Request-Id)
     * @param stack frames, innermost first ({@code com.shop.Login.doPost(Login.java:42)})
     */
    public EventContext(
            String operation, String eventId, String clientIp, String userAgent, String requestId, List<String> stack) {
        this.operation = operation;
        this.eventId = eventId;
        this.clientIp = clientIp;
        this.userAgent = userAgent;
        this.requestId = requestId;
        this.stack = stack == null ? new String[0] : stack.toArray(new String[0]);
    }

    /** Only an operation name. */
    public static EventContext of(String operation) {
        return new EventContext(operation, null, null, null, null, null);
    }
}
