package io.patienttwin.policy;

/**
 * Decides whether a read of clinical data may happen (ARCHITECTURE §3), and whether a write may. The
 * gated reader of the FHIR store asks it for every resource before it leaves the store, and asks it for
 * the {@link ReadScope} of a request to filter searches in the query; the store asks it for every
 * version a write replaces, deletes or creates ({@link #decideWrite}).
 *
 * <p>Called on the request thread; it must not do I/O and must be thread-safe. It never returns null.
 * A decision and the scope of the same context agree: a row the scope lets through the query is one
 * {@link #decide} permits, and the other way round.
 */
public interface PolicyDecisionPoint {

    /** The decision for one resource. */
    Decision decide(AccessRequest request);

    /**
     * The decision for one side of a write: the stored version a write replaces or deletes, or the new
     * version it stores. A write happens only when every side of it is permitted, so that a writer can
     * neither change what it may not reach nor move data into or out of anyone's reach but its own.
     * {@code request.interaction()} is {@code create}, {@code update} or {@code delete}; the other facts
     * are those of the side decided (for a Patient, its own id and its managing organization).
     */
    Decision decideWrite(AccessRequest request);

    /** What a request's context may read, in the form the store filters queries by. */
    ReadScope scope(ReadContext context);
}
