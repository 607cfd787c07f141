package dev.rampart;

/** The kind of attack a verdict found; each is a protection of the policy. */
public enum Threat {
    SQL_INJECTION(1, "sql_injection"),
    COMMAND_INJECTION(2, "command_injection"),
    PATH_TRAVERSAL(3, "path_traversal"),
    SSRF(4, "ssrf"),
    NOSQL_INJECTION(5, "nosql_injection"),
    OPEN_REDIRECT(6, "open_redirect"),
    HEADER_INJECTION(7, "header_injection"),
    MALICIOUS_PAYLOAD(8, "malicious_payload");

    final int code;
    private final String policyName;

    Threat(int code, String policyName) {
        this.code = code;
        this.policyName = policyName;
    }

    /** The protection's name in policies and events ({@code sql_injection}). */
    public String policyName() {
        return policyName;
    }

    static Threat fromCode(int code) {
        for (Threat t : values()) {
            if (t.code == code) {
                return t;
            }
        }
        return null;
    }
}
