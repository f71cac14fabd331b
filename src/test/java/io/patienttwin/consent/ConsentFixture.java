package io.patienttwin.consent;

import java.util.Date;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.Reference;

/** Consents for tests: a valid one to start from, changed per test. */
public final class ConsentFixture {

    static final Date FROM = new Date(1_767_225_600_000L); // 2026-01-01T00:00:00Z
    static final Date UNTIL =
            new Date(2_082_758_400_000L); // 2036-01-01T00:00:00Z: far enough that the suite does not expire

    private ConsentFixture() {}

    /**
     * A new consent (no id) of another patient, given by that patient: {@link #valid()} with
     * {@code patient} and {@code performer} set to {@code patientReference} ({@code Patient/<id>}, or a
     * {@code urn:uuid:} inside a transaction).
     */
    public static Consent forPatient(String patientReference) {
        ensureStored(patientReference);
        Consent consent = valid();
        consent.setIdElement(null);
        consent.setPatient(new Reference(patientReference));
        consent.getPerformer().clear();
        consent.addPerformer(new Reference(patientReference));
        return consent;
    }

    /**
     * In a running application, makes sure the patient a consent names exists (managed by the test
     * custodian): a consent is part of its patient's record, which must be a patient of this server.
     */
    private static void ensureStored(String patientReference) {
        if (patientReference.startsWith("Patient/")
                && io.quarkus.arc.Arc.container() != null
                && io.quarkus.arc.Arc.container().isRunning()) {
            io.patienttwin.fhir.FhirTestSupport.ensurePatient(patientReference.substring("Patient/".length()));
        }
    }

    /** Patient/p1 lets Practitioner/alice read labs and vitals for treatment from 2026 to 2035. */
    public static Consent valid() {
        ensureStored("Patient/p1");
        Consent consent = new Consent();
        consent.setId("c1");
        consent.setStatus(Consent.ConsentState.PROPOSED);
        consent.getScope()
                .addCoding(new Coding("http://terminology.hl7.org/CodeSystem/consentscope", "patient-privacy", null));
        consent.addCategory().addCoding(new Coding("http://loinc.org", "59284-0", null));
        consent.setPolicyRule(
                new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "OPTIN", null)));
        consent.setPatient(new Reference("Patient/p1"));
        consent.addPerformer(new Reference("Patient/p1"));
        Consent.ProvisionComponent provision = consent.getProvision();
        provision.setType(Consent.ConsentProvisionType.PERMIT);
        provision.setPeriod(new Period().setStart(FROM).setEnd(UNTIL));
        provision
                .addActor()
                .setReference(new Reference("Practitioner/alice"))
                .setRole(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "PRCP", null)));
        provision.addPurpose(new Coding(Purpose.SYSTEM, "TREAT", null));
        provision.addCode(new CodeableConcept(new Coding(DataCategory.SYSTEM, "labs", null))
                .addCoding(new Coding(DataCategory.SYSTEM, "vitals", null)));
        return consent;
    }
}
