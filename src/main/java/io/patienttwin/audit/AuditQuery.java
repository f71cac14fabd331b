package io.patienttwin.audit;

import java.time.Instant;

/**
 * A search of the access audit.
 *
 * @param patientId only records about this patient, or null for all the reader may see
 * @param agentRef only records by this FHIR user or client id, or null
 * @param from records at or after, or null
 * @param to records before, or null
 * @param offset records skipped (newest first)
 * @param count records returned at most
 */
public record AuditQuery(String patientId, String agentRef, Instant from, Instant to, int offset, int count) {}
