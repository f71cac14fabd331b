package io.patienttwin.audit;

import java.time.Instant;
import java.util.List;

/**
 * One audited access decision, in the manner of an IHE BALP AuditEvent: who (agent), what
 * (interaction, target, the entities returned), whose (patient), why (purpose), the outcome with its
 * reason code, and the consents or grants it rested on with the chain block.
 *
 * @param agent the token subject of the reader
 * @param agentKind PRACTITIONER, PATIENT, SYSTEM, COMPLIANCE or ADMIN
 * @param agentRef the reader's FHIR user or OAuth client id, or null
 * @param patientId the patient whose data it was, or null when none or several
 * @param outcome {@code permit} or {@code deny}
 * @param entities the resources returned (Type/id)
 * @param total the total the answer reported (a search's Bundle.total), or the number of entities
 */
public record AuditRecord(
        Instant recordedAt,
        String agent,
        String agentKind,
        String agentRef,
        String interaction,
        String target,
        String patientId,
        String purpose,
        String outcome,
        String reason,
        List<String> basis,
        long block,
        List<String> entities,
        long total) {

    public AuditRecord {
        basis = List.copyOf(basis);
        entities = List.copyOf(entities);
    }
}
