package dev.rampart;

/** What the policy says to do about a finding. */
public enum Action {
    ALLOW,
    REPORT,
    BLOCK;

    static Action fromCode(int code) {
        return code == 2 ? BLOCK : code == 1 ? REPORT : ALLOW;
    }
}
