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

    /** The verdict that blocked the call. */
    public Verdict verdict() {
        return verdict;
    }

    /** The id of the event written for the block (also shown on the block page). */
    public String eventId() {
        return eventId;
    }
}
