package io.patienttwin.policy;

/**
 * Decides whether a read of clinical data may happen. The gated reader of the FHIR store asks it
 * before any resource leaves the store.
 *
 * <p>Called on the request thread for every read, search page, history page and compartment read; it
 * must not do I/O on that path and must be thread-safe. It never returns null.
 */
public interface PolicyDecisionPoint {

    Decision decide(AccessRequest request);
}
