package io.patienttwin.consent;

import java.time.Instant;
import java.util.Set;

/**
 * What a FHIR Consent allows, as PatientTwin enforces and records it: one patient, one grantee, the
 * data categories and sensitive labels covered, the purposes, and the period.
 *
 * @param grantee relative reference of the Practitioner, PractitionerRole, Organization, CareTeam or
 *     Device (system client) the consent names
 * @param validFrom start of the period, or null when the consent states none (valid from the start)
 * @param validUntil end of the period (exclusive), or null when open-ended
 */
public record ConsentTerms(
        String consentId,
        String patientId,
        String grantee,
        Set<DataCategory> categories,
        Set<SensitiveLabel> labels,
        Set<Purpose> purposes,
        Instant validFrom,
        Instant validUntil) {

    public ConsentTerms {
        categories = Set.copyOf(categories);
        labels = Set.copyOf(labels);
        purposes = Set.copyOf(purposes);
    }

    /** The on-chain categories mask: data categories in the low bits, sensitive labels above them. */
    public long categoriesMask() {
        return categories.stream().mapToLong(DataCategory::mask).reduce(0, (a, b) -> a | b)
                | labels.stream().mapToLong(SensitiveLabel::mask).reduce(0, (a, b) -> a | b);
    }

    public long purposesMask() {
        return purposes.stream().mapToLong(Purpose::mask).reduce(0, (a, b) -> a | b);
    }
}
