package dev.rampart;

/**
 * Thrown at a sink (a query, a command, a file, an outgoing request) that rampart refused
 * to run because the policy blocks the attack it found. Unchecked: it travels up through
 * the application to the servlet hook, which answers with the policy's block page.
 *
 * <p>Catching it and going on is safe: the dangerous call did not happen.
 */
public final class RampartBlockedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final transient Verdict verdict;
    private final String eventId;

    public RampartBlockedException(Verdict verdict, String eventId) {
        super("rampart blocked " + verdict.threat().policyName() + " (" + verdict.reason() + "), event " + eventId);
        this.verdict = verdict;
        this.eventId = eventId;
    }

    /**
     * A call refused because rampart failed inside while checking it and the policy says
     * {@code fail_closed}: there is no verdict.
     */
    public RampartBlockedException(String eventId, Throwable cause) {
        super("rampart blocked the call: it failed to check it and the policy fails closed, event " + eventId, cause);
        this.verdict = null;
        this.eventId = eventId;
    }

    /** The verdict that blocked the call; {@code null} for a call refused under {@code fail_closed}. */
    public Verdict verdict() {
        return verdict;
    }

    /** The id of the event written for the block (also shown on the block page). */
    public String eventId() {
        return eventId;
    }
}
