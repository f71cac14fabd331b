package io.patienttwin.policy;

/** The answer of the policy decision point: permit or deny, with a stable reason code. */
public record Decision(boolean permitted, String reason) {

    public static Decision permit(String reason) {
        return new Decision(true, reason);
    }

    public static Decision deny(String reason) {
        return new Decision(false, reason);
    }
}
