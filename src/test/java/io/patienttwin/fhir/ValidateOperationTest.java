package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** $validate against core R4 and the profiles of fhir-profiles/, offline. */
@QuarkusTest
class ValidateOperationTest {

    private static final String WEIGHT_PROFILE =
            "https://patienttwin.io/fhir/StructureDefinition/patienttwin-body-weight";

    private static Observation weight(Quantity value) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.setCode(new CodeableConcept(new Coding("http://loinc.org", "29463-7", "Body weight")));
        observation.setSubject(new Reference("Patient/example"));
        observation.setEffective(new DateTimeType("2025-01-01T10:00:00Z"));
        observation.setValue(value);
        return observation;
    }

    private static OperationOutcome validate(String type, String body, String profile) {
        var request = fhir().body(body);
        if (profile != null) {
            request = request.queryParam("profile", profile);
        }
        String response = request.post("/fhir/" + type + "/$validate")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        return parse(response, OperationOutcome.class);
    }

    private static long errors(OperationOutcome outcome) {
        return outcome.getIssue().stream()
                .filter(i -> i.getSeverity() == IssueSeverity.ERROR || i.getSeverity() == IssueSeverity.FATAL)
                .count();
    }

    @Test
    void aValidResourceValidatesWithoutErrors() {
        Patient patient = new Patient();
        patient.addName().setFamily("Valid");
        assertThat(errors(validate("Patient", json(patient), null))).isZero();
    }

    @Test
    void aResourceBreakingCoreR4RulesIsReportedWith200AndErrorIssues() {
        Observation noStatusNoCode = new Observation();
        OperationOutcome outcome = validate("Observation", json(noStatusNoCode), null);
        assertThat(errors(outcome)).isPositive();
        assertThat(outcome.getIssue())
                .anySatisfy(i -> assertThat(i.getDiagnostics()).contains("Observation.status"));
    }

    @Test
    void aBodyWeightInUcumKilogramsConformsToThePatientTwinProfile() {
        Observation valid = weight(new Quantity()
                .setValue(72.5)
                .setSystem("http://unitsofmeasure.org")
                .setCode("kg")
                .setUnit("kg"));
        assertThat(errors(validate("Observation", json(valid), WEIGHT_PROFILE))).isZero();
    }

    @Test
    void aBodyWeightWithoutUcumUnitsBreaksThePatientTwinProfile() {
        Observation noUcum = weight(new Quantity().setValue(160).setUnit("pounds"));
        OperationOutcome outcome = validate("Observation", json(noUcum), WEIGHT_PROFILE);
        assertThat(errors(outcome)).isPositive();
        // the same resource is fine against core R4 alone: the error comes from the profile
        assertThat(errors(validate("Observation", json(noUcum), null))).isZero();
    }

    @Test
    void aStoredResourceCanBeValidatedByInstanceUrl() {
        Patient patient = new Patient();
        patient.addName().setFamily("Stored");
        String id = create(patient);
        String response = fhir().post("/fhir/Patient/" + id + "/$validate")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        assertThat(errors(parse(response, OperationOutcome.class))).isZero();
    }

    @Test
    void aResourceOfAnotherTypeIsRefusedWith400() {
        fhir().body(json(new Patient()))
                .post("/fhir/Observation/$validate")
                .then()
                .statusCode(400);
    }
}
