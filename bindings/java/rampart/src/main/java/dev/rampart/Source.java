package dev.rampart;

/** Where an input of a request comes from. The codes are stable across languages. */
public enum Source {
    QUERY(0, "query"),
    BODY(1, "body"),
    PATH(2, "path"),
    HEADER(3, "header"),
    COOKIE(4, "cookie"),
    OTHER(5, "other"),
    FILE(6, "file");

    final int code;
    private final String policyName;

    Source(int code, String policyName) {
        this.code = code;
        this.policyName = policyName;
    }

    /** The name used in policies and events ({@code body}). */
    public String policyName() {
        return policyName;
    }

    /** The source with this name, or {@code null}. */
    public static Source fromName(String name) {
        for (Source s : values()) {
            if (s.policyName.equals(name)) {
                return s;
            }
        }
        return null;
    }
}
