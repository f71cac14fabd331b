package io.patienttwin.policy;

/**
 * Decides whether a read of clinical data may happen (ARCHITECTURE §3). The gated reader of the FHIR
 * store asks it for every resource before it leaves the store, and asks it for the {@link ReadScope}
 * of a request to filter searches in the query.
 *
 * <p>Called on the request thread; it must not do I/O and must be thread-safe. It never returns null.
 * A decision and the scope of the same context agree: a row the scope lets through the query is one
 * {@link #decide} permits, and the other way round.
 */
public interface PolicyDecisionPoint {

    /** The decision for one resource. */
    Decision decide(AccessRequest request);

    /** What a request's context may read, in the form the store filters queries by. */
    ReadScope scope(ReadContext context);
}
