package dev.rampart;

/**
 * The result of one check: what the policy says to do, and when something was found, the
 * threat, the reason, the offending input and where it sits in the resource. Immutable.
 *
 * <p>Spans are byte offsets into the resource's UTF-8 encoding (for {@code checkExec},
 * into the arguments joined by one space).
 */
public final class Verdict {
    /** Nothing found. */
    public static final Verdict ALLOW = new Verdict(new int[] {0, -1, -1, -1, -1, -1, 0});

    private final int[] fields;

    Verdict(int[] fields) {
        this.fields = fields;
    }

    /** The verdict a check wrote into {@code out}, or {@link #ALLOW} when it found nothing. */
    static Verdict of(int found, int[] out) {
        return found == 0 ? ALLOW : new Verdict(out);
    }

    int[] fields() {
        return fields;
    }

    public Action action() {
        return Action.fromCode(fields[0]);
    }

    /** The attack found; {@code null} when nothing was. */
    public Threat threat() {
        return Threat.fromCode(fields[1]);
    }

    /** Whether an attack was found (whatever the action). */
    public boolean isAttack() {
        return fields[1] > 0;
    }

    /** Whether the policy says to refuse the call. */
    public boolean isBlock() {
        return fields[0] == 2;
    }

    /** The stable reason name ({@code sql_literal_escape}); {@code null} when nothing was found. */
    public String reason() {
        return fields[2] < 0 ? null : Native.reasonName(fields[2]);
    }

    /** The stable reason number; -1 when nothing was found. */
    public int reasonCode() {
        return fields[2];
    }

    /** A sentence saying why; {@code null} when nothing was found. */
    public String description() {
        return fields[2] < 0 ? null : Native.reasonDescription(fields[2]);
    }

    /** Index of the offending input in its {@link Request}; -1 when none. */
    public int inputIndex() {
        return fields[3];
    }

    /** Start of the input inside the resource, in UTF-8 bytes; -1 when none. */
    public int spanStart() {
        return fields[4];
    }

    /** End (exclusive) of the input inside the resource, in UTF-8 bytes; -1 when none. */
    public int spanEnd() {
        return fields[5];
    }

    /** Rule id for rule-engine findings, 0 for the built-in detection. */
    public int ruleId() {
        return fields[6];
    }

    @Override
    public String toString() {
        if (!isAttack()) {
            return "Verdict[allow]";
        }
        return "Verdict[" + action().name().toLowerCase(java.util.Locale.ROOT) + " " + threat().policyName() + " "
                + reason() + " input=" + inputIndex() + " span=" + spanStart() + ".." + spanEnd() + "]";
    }
}
