package io.patienttwin.policy;

import java.util.List;

/**
 * The answer of the policy decision point (in the manner of HAPI's {@code ConsentOutcome}): permit or
 * deny, a stable reason code, the consent, grant or break-glass ids it rests on, and the chain block of
 * the newest of them.
 *
 * @param basis ids of the consents, access grants or break-glass sessions used; empty when none
 * @param block the block that confirmed the newest fact used, 0 when none (own data, no compartment)
 * @param opensBreakGlass the permit rests on a break-glass request that the gate must record before
 *     any data leaves
 */
public record Decision(boolean permitted, String reason, List<String> basis, long block, boolean opensBreakGlass) {

    public Decision {
        basis = List.copyOf(basis);
    }

    public static Decision permit(String reason) {
        return new Decision(true, reason, List.of(), 0, false);
    }

    public static Decision permit(String reason, List<String> basis, long block) {
        return new Decision(true, reason, basis, block, false);
    }

    public static Decision deny(String reason) {
        return new Decision(false, reason, List.of(), 0, false);
    }
}
