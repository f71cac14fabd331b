package io.patienttwin.consent;

import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;

/**
 * A new consent in the shape of the PatientTwin Consent profile (fhir-profiles/): one permit provision
 * naming a grantee, the data categories and one purpose, for a period of whole days (UTC). Used where
 * PatientTwin itself writes a consent for someone — the portal's grant form and the dev demo data — so
 * both produce exactly what an EHR would POST.
 *
 * @param patientId the patient's FHIR id (not a reference)
 * @param grantee relative reference of the grantee: Practitioner, PractitionerRole, Organization,
 *     CareTeam or Device
 * @param categories the data categories covered; at least one
 * @param purpose the purpose of use granted
 * @param from first day covered (inclusive, UTC midnight)
 * @param until first day no longer covered (exclusive, UTC midnight)
 */
public record ConsentDraft(
        String patientId,
        String grantee,
        Set<DataCategory> categories,
        Purpose purpose,
        LocalDate from,
        LocalDate until) {

    private static final String ACTOR_ROLE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";

    public ConsentDraft {
        Objects.requireNonNull(patientId, "patientId");
        Objects.requireNonNull(grantee, "grantee");
        Objects.requireNonNull(purpose, "purpose");
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(until, "until");
        categories = Set.copyOf(categories);
        if (categories.isEmpty()) {
            throw new IllegalArgumentException("a consent covers at least one data category");
        }
        if (!until.isAfter(from)) {
            throw new IllegalArgumentException("the consent must end after it starts");
        }
    }

    /**
     * The FHIR Consent, status {@code proposed} (it becomes active once the chain confirms it), given by
     * the patient ({@code performer}).
     */
    public Consent toConsent() {
        Consent consent = new Consent();
        consent.setStatus(Consent.ConsentState.PROPOSED);
        consent.getScope()
                .addCoding(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null));
        consent.addCategory().addCoding(new Coding("http://loinc.org", "59284-0", "Patient Consent"));
        consent.setPolicyRule(
                new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", null)));
        consent.setPatient(new Reference("Patient/" + patientId));
        consent.addPerformer(new Reference("Patient/" + patientId)); // given by the patient
        consent.setDateTime(new Date());
        Consent.ProvisionComponent provision = consent.getProvision();
        provision.setType(Consent.ConsentProvisionType.PERMIT);
        provision.setPeriod(new Period().setStart(midnight(from)).setEnd(midnight(until)));
        provision
                .addActor()
                .setReference(new Reference(grantee))
                .setRole(new CodeableConcept(new Coding(ACTOR_ROLE_SYSTEM, "PRCP", "primary information recipient")));
        provision.addPurpose(new Coding(Purpose.SYSTEM, purpose.name(), null));
        CodeableConcept codes = new CodeableConcept();
        for (String code :
                new TreeSet<>(categories.stream().map(DataCategory::code).toList())) {
            codes.addCoding(new Coding(DataCategory.SYSTEM, code, null));
        }
        provision.addCode(codes);
        return consent;
    }

    private static Date midnight(LocalDate day) {
        return Date.from(day.atStartOfDay(ZoneOffset.UTC).toInstant());
    }
}
