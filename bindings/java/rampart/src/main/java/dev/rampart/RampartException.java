package dev.rampart;

/**
 * An error from rampart: something a caller must fix (a malformed policy, an unreadable
 * policy file, a bad argument) or a failure inside rampart itself. Findings are never
 * exceptions: a check returns a {@link Verdict}.
 *
 * <p>Each core error kind has its own subclass; {@link #kind()} and {@link #code()} are
 * the kind's stable name and number, the same in every language.
 */
public class RampartException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String kind;
    private final int code;

    protected RampartException(String kind, int code, String message) {
        super(message);
        this.kind = kind;
        this.code = code;
    }

    /** The kind's stable snake_case name ({@code invalid_policy}). */
    public String kind() {
        return kind;
    }

    /** The kind's stable number (0 for {@link InternalException}). */
    public int code() {
        return code;
    }
}
