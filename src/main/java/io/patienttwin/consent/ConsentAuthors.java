package io.patienttwin.consent;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import io.patienttwin.identity.Principal;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Reference;

/**
 * Who may write which Consent (ARCHITECTURE §2.3): the patient their own, an EHR system on the
 * patient's behalf naming who gave the consent ({@code Consent.performer}), or an administrator.
 * Clinicians and compliance officers never write consents: a clinician could otherwise grant
 * themselves access. Checked inside the write transaction, after the consent was found enforceable,
 * for create, update and delete alike (also for Bundle entries and the portal).
 *
 * <p>A write made outside any request (demo data at startup, the bulk-load command) has no principal
 * and is the operator's own.
 */
@ApplicationScoped
public class ConsentAuthors {

    private final FhirContext fhirContext;

    public ConsentAuthors(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    /**
     * Checks a create or update and completes it: a patient's own consent names the patient as its
     * performer when it names none.
     *
     * @param storedPatient the patient of the consent stored under this id, when it exists
     * @throws ForbiddenOperationException (403 {@code PT-CONSENT-403}) when the writer may not write it
     * @throws UnprocessableEntityException (422 {@code PT-CONSENT-422-PERFORMER}) when an EHR system does
     *     not say who gave the consent, or names someone who could not
     */
    public void checkWrite(Optional<Principal> writer, Consent incoming, Optional<String> storedPatient) {
        if (writer.isEmpty()) {
            return;
        }
        Principal principal = writer.get();
        String patient = ConsentMapper.patientOf(incoming).orElse(null);
        switch (principal.kind()) {
            case ADMIN, SYSTEM -> requirePerformer(incoming, patient);
            case PATIENT -> {
                String own = ownPatient(principal, storedPatient);
                if (!own.equals(patient)) {
                    throw forbidden();
                }
                if (incoming.getPerformer().isEmpty()) {
                    incoming.addPerformer(new Reference("Patient/" + own));
                }
                requirePerformer(incoming, patient);
            }
            default -> throw forbidden();
        }
    }

    /** Checks a delete (which revokes): the same writers as for an update. */
    public void checkDelete(Optional<Principal> writer, Optional<String> storedPatient) {
        if (writer.isEmpty()) {
            return;
        }
        Principal principal = writer.get();
        switch (principal.kind()) {
            case ADMIN, SYSTEM -> {}
            case PATIENT -> ownPatient(principal, storedPatient);
            default -> throw forbidden();
        }
    }

    /** The principal's own patient id; 403 when they have none or the stored consent is someone else's. */
    private static String ownPatient(Principal principal, Optional<String> storedPatient) {
        String own = principal.patientId().orElseThrow(ConsentAuthors::forbidden);
        if (storedPatient.isPresent() && !storedPatient.get().equals(own)) {
            throw forbidden();
        }
        return own;
    }

    /**
     * Someone who can give the consent must be named: the patient themself or a related person (a
     * parent, a legal representative).
     */
    private void requirePerformer(Consent consent, String patient) {
        if (consent.getPerformer().isEmpty()) {
            throw unprocessable("Consent.performer: say who gave this consent (the patient, Patient/" + patient
                    + ", or a RelatedPerson acting for them)");
        }
        for (Reference performer : consent.getPerformer()) {
            IIdType id = performer.getReferenceElement();
            boolean thePatient = "Patient".equals(id.getResourceType())
                    && id.getIdPart() != null
                    && id.getIdPart().equals(patient)
                    && !id.hasBaseUrl();
            boolean representative = "RelatedPerson".equals(id.getResourceType()) && id.hasIdPart() && !id.hasBaseUrl();
            if (!thePatient && !representative) {
                throw unprocessable("Consent.performer: " + performer.getReference()
                        + " cannot give this consent; only the patient (Patient/" + patient
                        + ") or a RelatedPerson acting for them can");
            }
        }
    }

    private static ForbiddenOperationException forbidden() {
        return new ForbiddenOperationException(
                "PT-CONSENT-403: a consent is written by its patient, by an EHR system on the patient's behalf or by an"
                        + " administrator");
    }

    private UnprocessableEntityException unprocessable(String problem) {
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.BUSINESSRULE)
                .setDiagnostics("PT-CONSENT-422-PERFORMER: " + problem)
                .addExpression("Consent.performer");
        return new UnprocessableEntityException(fhirContext, outcome);
    }
}
