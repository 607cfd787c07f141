package dev.rampart;

/** The policy file named by {@code RAMPART_POLICY} could not be read. */
public final class PolicyIoException extends RampartException {
    private static final long serialVersionUID = 1L;

    /** Thrown by the native library with the message {@code "policy_io: ..."}. */
    public PolicyIoException(String message) {
        super("policy_io", 2, message);
    }
}
