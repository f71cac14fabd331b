package io.patienttwin.fhir.store;

import io.patienttwin.policy.ReadContext;
import java.util.Optional;

/**
 * Who writes now, as the store's write gate sees it. Implemented above the store, where requests are
 * known (the FHIR servlet, the portal).
 */
public interface WriterContext {

    /**
     * The context of the request that writes now; empty for the operator's own work outside any request
     * (seeding demo data at startup, the bulk-load command), which no principal makes. Never throws.
     */
    Optional<ReadContext> current();
}
