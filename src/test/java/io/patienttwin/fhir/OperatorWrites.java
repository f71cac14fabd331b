package io.patienttwin.fhir;

import io.patienttwin.fhir.store.WriteOutcome;
import io.quarkus.arc.Arc;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;

/**
 * Test data written as the operator (no request, no principal: as demo data and the bulk-load command
 * write), for data that no test principal may write: patients of organizations the EHR system is not
 * custodian of, and their resources. Runs through the application's own {@link ResourceService}, so
 * the data is stored and indexed exactly as through the API.
 */
public final class OperatorWrites {

    private OperatorWrites() {}

    /** Creates a resource (server-assigned id) and returns its id. */
    public static String create(Resource resource) {
        WriteOutcome outcome = service().create(resource, null);
        return outcome.id();
    }

    /** Creates or replaces a resource under its own id. */
    public static void put(Resource resource) {
        service().update(resource.fhirType(), resource.getIdElement().getIdPart(), resource, null);
    }

    /** Patient/{id}, managed by {@code organization} ({@code Organization/x}), tagged. */
    public static void patient(String id, String organization, String tag) {
        Patient patient = FhirTestSupport.tagged(new Patient(), tag);
        patient.setId(id);
        patient.addName().setFamily("Operator").addGiven(id);
        patient.setManagingOrganization(new Reference(organization));
        put(patient);
    }

    /** A final laboratory Observation of a patient (LOINC creatinine), tagged; returns its id. */
    public static String observation(String patientId, String tag) {
        return create(FhirTestSupport.tagged(labOf(patientId), tag));
    }

    /** A final laboratory Observation of a patient, not stored. */
    public static Observation labOf(String patientId) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation
                .addCategory()
                .addCoding()
                .setSystem("http://terminology.hl7.org/CodeSystem/observation-category")
                .setCode("laboratory");
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("2160-0");
        observation.setSubject(new Reference("Patient/" + patientId));
        return observation;
    }

    private static ResourceService service() {
        return Arc.container().instance(ResourceService.class).get();
    }
}
