package dev.rampart;

/** An argument is outside its domain (an unknown dialect, a closed engine or request). */
public final class InvalidArgumentException extends RampartException {
    private static final long serialVersionUID = 1L;

    /** Thrown by the native library with the message {@code "invalid_argument: ..."}. */
    public InvalidArgumentException(String message) {
        super("invalid_argument", 3, message);
    }
}
