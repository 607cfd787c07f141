package dev.rampart;

/** rampart failed internally (a panic in the native library, a JNI failure). The call did not complete; the application may go on. */
public final class InternalException extends RampartException {
    private static final long serialVersionUID = 1L;

    /** Thrown by the native library with the message {@code "internal: ..."}. */
    public InternalException(String message) {
        super("internal", 0, message);
    }
}
