package io.patienttwin.fhir;

import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.AllergyIntolerance;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Bundle.BundleEntryComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DiagnosticReport;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.MedicationRequest;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Procedure;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.UnsignedIntType;
import org.junit.jupiter.api.Test;

/** {@code Patient/{id}/$everything} over HTTP: the compartment's exact content, paging, totals and errors. */
@QuarkusTest
class PatientEverythingTest {

    @Test
    void everythingReturnsThePatientFirstAndEveryResourceOfItsCompartment() {
        String patientId = create(patient("Everything"));
        List<String> members = compartmentOf(patientId);
        String otherId = create(patient("Other"));
        compartmentOf(otherId);
        create(new Practitioner().addName(new org.hl7.fhir.r4.model.HumanName().setFamily("Unrelated")));
        create(new Organization().setName("Unrelated"));

        Bundle everything = get(patientId, 100);

        assertThat(everything.getType()).isEqualTo(Bundle.BundleType.SEARCHSET);
        assertThat(everything.getTotal()).isEqualTo(members.size() + 1);
        assertThat(typedIds(everything).get(0)).isEqualTo("Patient/" + patientId);
        assertThat(typedIds(everything)).containsExactlyInAnyOrderElementsOf(withPatient(patientId, members));
        assertThat(everything.getLink(Bundle.LINK_NEXT)).isNull();
    }

    @Test
    void deletedResourcesAndResourcesMovedToAnotherPatientAreLeftOut() {
        String patientId = create(patient("Pruned"));
        String otherId = create(patient("Receiver"));
        String kept = "Observation/" + create(observation(patientId));
        String deleted = create(observation(patientId));
        fhir().delete("/fhir/Observation/" + deleted).then().statusCode(200);
        Condition moved = condition(patientId);
        String movedId = create(moved);
        moved.setId(movedId);
        moved.setSubject(new Reference("Patient/" + otherId));
        fhir().body(json(moved)).put("/fhir/Condition/" + movedId).then().statusCode(200);

        Bundle everything = get(patientId, 100);

        assertThat(everything.getTotal()).isEqualTo(2);
        assertThat(typedIds(everything)).containsExactly("Patient/" + patientId, kept);
        assertThat(typedIds(get(otherId, 100))).containsExactly("Patient/" + otherId, "Condition/" + movedId);
    }

    @Test
    void pagingWithCountFollowsNextLinksToTheCompleteExactSet() {
        String patientId = create(patient("Paged"));
        List<String> members = compartmentOf(patientId);
        List<String> expected = withPatient(patientId, members);
        int pageSize = 3;

        List<String> seen = new ArrayList<>();
        Bundle page = get(patientId, pageSize);
        int pages = 0;
        while (true) {
            pages++;
            assertThat(page.getTotal()).isEqualTo(expected.size());
            assertThat(page.getEntry()).hasSizeLessThanOrEqualTo(pageSize).isNotEmpty();
            seen.addAll(typedIds(page));
            if (page.getLink(Bundle.LINK_NEXT) == null || pages > expected.size()) {
                break;
            }
            page = follow(page.getLink(Bundle.LINK_NEXT).getUrl());
        }

        assertThat(pages).isEqualTo((expected.size() + pageSize - 1) / pageSize);
        assertThat(seen.get(0)).isEqualTo("Patient/" + patientId);
        assertThat(seen).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void everythingWithoutCountUsesTheDefaultPageSizeAndReportsTheFullTotal() {
        String patientId = create(patient("Default"));
        for (int i = 0; i < 24; i++) {
            create(observation(patientId));
        }

        Response response = fhir().get("/fhir/Patient/" + patientId + "/$everything");

        response.then().statusCode(200);
        Bundle first = parse(response.asString(), Bundle.class);
        assertThat(first.getTotal()).isEqualTo(25);
        assertThat(first.getEntry()).hasSize(20);
        assertThat(first.getLink(Bundle.LINK_NEXT)).isNotNull();
        Bundle second = follow(first.getLink(Bundle.LINK_NEXT).getUrl());
        assertThat(second.getEntry()).hasSize(5);
        assertThat(second.getLink(Bundle.LINK_NEXT)).isNull();
    }

    @Test
    void postWithAParametersBodyAnswersLikeGet() {
        String patientId = create(patient("Posted"));
        List<String> expected = withPatient(patientId, compartmentOf(patientId));

        Response all = fhir().body(json(new Parameters())).post("/fhir/Patient/" + patientId + "/$everything");
        all.then().statusCode(200);
        assertThat(typedIds(parse(all.asString(), Bundle.class))).containsExactlyInAnyOrderElementsOf(expected);

        Parameters paged = new Parameters();
        paged.addParameter().setName("_count").setValue(new UnsignedIntType(2));
        Response firstPage = fhir().body(json(paged)).post("/fhir/Patient/" + patientId + "/$everything");
        firstPage.then().statusCode(200);
        Bundle bundle = parse(firstPage.asString(), Bundle.class);
        assertThat(bundle.getTotal()).isEqualTo(expected.size());
        assertThat(typedIds(bundle)).hasSize(2).first().isEqualTo("Patient/" + patientId);
        assertThat(bundle.getLink(Bundle.LINK_NEXT)).isNotNull();
    }

    @Test
    void unknownPatientIs403LikeAForbiddenOne() {
        Response response = fhir().get("/fhir/Patient/missing-" + UUID.randomUUID() + "/$everything");

        response.then().statusCode(403);
        assertThat(parse(response.asString(), OperationOutcome.class)
                        .getIssueFirstRep()
                        .getDiagnostics())
                .contains("PT-POLICY-403");
    }

    @Test
    void deletedPatientIs410() {
        String patientId = create(patient("Gone"));
        create(observation(patientId));
        fhir().delete("/fhir/Patient/" + patientId).then().statusCode(200);

        Response response = fhir().get("/fhir/Patient/" + patientId + "/$everything");

        response.then().statusCode(410);
        assertThat(parse(response.asString(), OperationOutcome.class)
                        .getIssueFirstRep()
                        .getDiagnostics())
                .contains("PT-FHIR-410");
    }

    /** Creates one resource of each common compartment type for the patient; returns them as Type/id. */
    private static List<String> compartmentOf(String patientId) {
        Reference subject = new Reference("Patient/" + patientId);
        List<Resource> resources = new ArrayList<>();
        resources.add(observation(patientId));
        resources.add(
                new Encounter().setStatus(Encounter.EncounterStatus.FINISHED).setSubject(subject));
        resources.add(condition(patientId));
        resources.add(new MedicationRequest()
                .setStatus(MedicationRequest.MedicationRequestStatus.ACTIVE)
                .setIntent(MedicationRequest.MedicationRequestIntent.ORDER)
                .setMedication(new CodeableConcept().setText("aspirin"))
                .setSubject(subject));
        resources.add(new AllergyIntolerance().setPatient(subject));
        resources.add(
                new Procedure().setStatus(Procedure.ProcedureStatus.COMPLETED).setSubject(subject));
        resources.add(new Immunization()
                .setStatus(Immunization.ImmunizationStatus.COMPLETED)
                .setVaccineCode(new CodeableConcept().setText("flu"))
                .setPatient(subject));
        resources.add(new DiagnosticReport()
                .setStatus(DiagnosticReport.DiagnosticReportStatus.FINAL)
                .setCode(new CodeableConcept().setText("panel"))
                .setSubject(subject));
        List<String> ids = new ArrayList<>();
        for (Resource resource : resources) {
            ids.add(resource.fhirType() + "/" + create(resource));
        }
        return ids;
    }

    private static List<String> withPatient(String patientId, List<String> members) {
        List<String> all = new ArrayList<>();
        all.add("Patient/" + patientId);
        all.addAll(members);
        return all;
    }

    private static Patient patient(String family) {
        Patient patient = new Patient();
        patient.addName().setFamily(family);
        return patient;
    }

    private static Observation observation(String patientId) {
        Observation observation = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().setText("heart rate");
        observation.setSubject(new Reference("Patient/" + patientId));
        return observation;
    }

    private static Condition condition(String patientId) {
        Condition condition = new Condition().setSubject(new Reference("Patient/" + patientId));
        condition.getCode().setText("hypertension");
        return condition;
    }

    private static Bundle get(String patientId, int count) {
        Response response = fhir().queryParam("_count", count).get("/fhir/Patient/" + patientId + "/$everything");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), Bundle.class);
    }

    private static Bundle follow(String url) {
        Response response = fhir().urlEncodingEnabled(false).get(url);
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), Bundle.class);
    }

    private static List<String> typedIds(Bundle bundle) {
        List<String> ids = new ArrayList<>();
        for (BundleEntryComponent entry : bundle.getEntry()) {
            ids.add(entry.getResource().fhirType() + "/"
                    + entry.getResource().getIdElement().getIdPart());
        }
        return ids;
    }
}
