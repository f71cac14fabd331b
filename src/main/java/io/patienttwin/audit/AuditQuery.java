package io.patienttwin.audit;

import java.time.Instant;

/**
 * A search of the access audit.
 *
 * @param patientId only records about this patient, or null for all the reader may see
 * @param agentRef only records by this FHIR user or client id (or the agent's subject), or null
 * @param from records at or after, or null
 * @param to records before, or null
 * @param offset records skipped (newest first)
 * @param count records returned at most
 * @param outcome only {@code permit} or {@code deny} records, or null
 * @param purpose only records with this purpose of use (v3 ActReason code), or null
 */
public record AuditQuery(
        String patientId,
        String agentRef,
        Instant from,
        Instant to,
        int offset,
        int count,
        String outcome,
        String purpose) {

    /** A query on patient, agent and time only. */
    public AuditQuery(String patientId, String agentRef, Instant from, Instant to, int offset, int count) {
        this(patientId, agentRef, from, to, offset, count, null, null);
    }
}
