package io.patienttwin.policy;

import io.patienttwin.consent.Purpose;
import io.patienttwin.identity.Principal;
import java.time.Instant;
import java.util.Objects;

/**
 * Who reads, why and when: the facts of one request that every decision of that request shares.
 *
 * @param principal the authenticated caller
 * @param purpose the purpose of use ({@code X-Purpose-Of-Use}, TREAT when absent)
 * @param breakGlassReason the justification of a break-glass request ({@code X-Break-Glass-Reason}),
 *     or null
 * @param at the time the request is decided at
 */
public record ReadContext(Principal principal, Purpose purpose, String breakGlassReason, Instant at) {

    public ReadContext {
        Objects.requireNonNull(principal, "principal");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(at, "at");
        breakGlassReason = breakGlassReason == null || breakGlassReason.isBlank() ? null : breakGlassReason.strip();
    }
}
