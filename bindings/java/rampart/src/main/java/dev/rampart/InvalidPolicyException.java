package dev.rampart;

/** The policy document is not valid: bad JSON, an unknown key, a value out of range. The message names the field. */
public final class InvalidPolicyException extends RampartException {
    private static final long serialVersionUID = 1L;

    /** Thrown by the native library with the message {@code "invalid_policy: ..."}. */
    public InvalidPolicyException(String message) {
        super("invalid_policy", 1, message);
    }
}
