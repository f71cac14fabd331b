package io.patienttwin.policy;

/**
 * The one rule for a break-glass justification, shared by the FHIR API ({@code X-Break-Glass-Reason})
 * and the portal's form: after trimming, {@value #MIN} to {@value #MAX} characters. A reason outside
 * those bounds is no reason: the decision point denies the break-glass read.
 */
public final class BreakGlassReason {

    public static final int MIN = 10;
    public static final int MAX = 500;

    private BreakGlassReason() {}

    /** Whether a justification (null allowed) is long enough to stand for review and short enough to store. */
    public static boolean acceptable(String reason) {
        if (reason == null) {
            return false;
        }
        int length = reason.strip().length();
        return length >= MIN && length <= MAX;
    }
}
