package io.patienttwin.simulation;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.compliance;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.consent.ConsentFixture;
import io.patienttwin.consent.DataCategory;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.identity.Tokens;
import io.patienttwin.ledger.IntegrityAnchorer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Enumerations.AdministrativeGender;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/**
 * The record of every {@code $simulate} run (issue 17): a Provenance that names the versions read, the
 * consents and block that permitted the reads, the model and the seed; readable only by readers of
 * everything it was derived from; anchored like any version; and rerun by {@code $reproduce} to the
 * last digit from the recorded versions, not from today's data.
 */
@QuarkusTest
class SimulationRecordTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    EntityManager em;

    @Inject
    IntegrityAnchorer anchorer;

    /** A patient's record made by the EHR: a weight in two versions, a creatinine, a condition. */
    record Chart(String patient, String weight, String creatinine, String condition) {}

    private static Chart chart() {
        Patient patient = new Patient();
        patient.addName().setFamily("Record").addGiven(UUID.randomUUID().toString());
        patient.setBirthDateElement(new DateType("1958-03-10"));
        patient.setGender(AdministrativeGender.MALE);
        String patientId = FhirTestSupport.create(patient);
        String weight = FhirTestSupport.create(observation(patientId, "29463-7", 80, "kg", "vital-signs"));
        Observation heavier = observation(patientId, "29463-7", 90, "kg", "vital-signs");
        heavier.setId(weight);
        fhir().body(json(heavier)).put("/fhir/Observation/" + weight).then().statusCode(200);
        String creatinine = FhirTestSupport.create(observation(patientId, "2160-0", 97, "umol/L", "laboratory"));
        Condition condition = new Condition();
        condition.setSubject(new Reference("Patient/" + patientId));
        condition.setClinicalStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)));
        condition.setCode(new CodeableConcept(new Coding("http://snomed.info/sct", "38341003", "Hypertension")));
        return new Chart(patientId, weight, creatinine, FhirTestSupport.create(condition));
    }

    private static Observation observation(String patientId, String loinc, double value, String unit, String category) {
        Observation o = new Observation().setStatus(Observation.ObservationStatus.FINAL);
        o.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/observation-category", category, null)));
        o.getCode().addCoding().setSystem("http://loinc.org").setCode(loinc);
        o.setSubject(new Reference("Patient/" + patientId));
        o.setEffective(new DateTimeType(new Date(), ca.uhn.fhir.model.api.TemporalPrecisionEnum.MILLI));
        o.setValue(new Quantity()
                .setValue(value)
                .setUnit(unit)
                .setSystem("http://unitsofmeasure.org")
                .setCode(unit));
        return o;
    }

    /** A confirmed consent of the patient for a practitioner, for treatment, over the given categories. */
    private static String consent(String patientId, String practitioner, DataCategory... categories) {
        Consent consent = ConsentFixture.forPatient("Patient/" + patientId);
        Consent.ProvisionComponent provision = consent.getProvision();
        provision.getActorFirstRep().setReference(new Reference(practitioner));
        CodeableConcept codes = new CodeableConcept();
        for (DataCategory category : categories) {
            codes.addCoding(new Coding(DataCategory.SYSTEM, category.code(), null));
        }
        provision.getCode().clear();
        provision.addCode(codes);
        Response response = fhir().body(json(consent)).post("/fhir/Consent");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        String id = parse(response.asString(), Consent.class).getIdElement().getIdPart();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> parse(compliance().get("/fhir/Consent/" + id).asString(), Consent.class)
                                .getStatus()
                        == Consent.ConsentState.ACTIVE);
        return id;
    }

    private static final DataCategory[] TWIN_CATEGORIES = {
        DataCategory.DEMOGRAPHICS,
        DataCategory.VITALS,
        DataCategory.LABS,
        DataCategory.CONDITIONS,
        DataCategory.MEDICATIONS,
        DataCategory.ALLERGIES
    };

    private static RequestSpecification as(String token) {
        return given().auth().oauth2(token).accept(FHIR_JSON).contentType(FHIR_JSON);
    }

    /** Vancomycin 1 g q12h with a cohort of 50 and no seed given (the default seed must be recorded). */
    private static Parameters vancomycin() {
        Parameters request = new Parameters();
        request.addParameter().setName("model").setValue(new StringType("vancomycin-goti-2018"));
        request.addParameter()
                .setName("horizon")
                .setValue(new Quantity().setValue(48).setCode("h"));
        request.addParameter().setName("cohortSize").setValue(new IntegerType(50));
        ParametersParameterComponent regimen = request.addParameter().setName("regimen");
        regimen.addPart().setName("drug").setValue(new StringType("vancomycin"));
        regimen.addPart().setName("route").setValue(new CodeType("iv-infusion"));
        regimen.addPart().setName("dose").setValue(new Quantity().setValue(1000).setCode("mg"));
        regimen.addPart()
                .setName("interval")
                .setValue(new Quantity().setValue(12).setCode("h"));
        regimen.addPart().setName("steadyState").setValue(new BooleanType(true));
        return request;
    }

    private static Parameters simulate(String token, String patientId) {
        Response response = as(token).body(json(vancomycin())).post("/fhir/Patient/" + patientId + "/$simulate");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), Parameters.class);
    }

    /** The id of the record an answer names. */
    private static String recordOf(Parameters answer) {
        String reference = ((Reference) answer.getParameter("provenance").getValue()).getReference();
        assertThat(reference).matches("Provenance/[A-Za-z0-9\\-]+");
        return reference.split("/")[1];
    }

    /** An answer without its {@code provenance} parameter, as the record holds it. */
    private static Parameters withoutRecord(Parameters answer) {
        Parameters copy = answer.copy();
        copy.getParameter().removeIf(p -> "provenance".equals(p.getName()));
        return copy;
    }

    private static Parameters containedResult(Provenance record) {
        return record.getContained().stream()
                .filter(r ->
                        r instanceof Parameters && r.getIdElement().getIdPart().endsWith("result"))
                .map(Parameters.class::cast)
                .findFirst()
                .orElseThrow();
    }

    private static Parameters containedRequest(Provenance record) {
        return record.getContained().stream()
                .filter(r ->
                        r instanceof Parameters && r.getIdElement().getIdPart().endsWith("request"))
                .map(Parameters.class::cast)
                .findFirst()
                .orElseThrow();
    }

    private static List<String> sources(Provenance record) {
        return record.getEntity().stream()
                .filter(e -> e.getRole() == Provenance.ProvenanceEntityRole.SOURCE)
                .map(e -> e.getWhat().getReference())
                .toList();
    }

    private static Parameters reproduce(String token, String recordId) {
        Response response = as(token).get("/fhir/Provenance/" + recordId + "/$reproduce");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), Parameters.class);
    }

    @Test
    void aRunIsRecordedWithTheVersionsConsentsAndSeedItUsedAndItsRerunReproducesTheResultExactly() {
        Chart chart = chart();
        String consent = consent(chart.patient(), "Practitioner/alice", TWIN_CATEGORIES);

        Parameters answer = simulate(Tokens.alice(), chart.patient());
        String recordId = recordOf(answer);

        Response read = as(Tokens.alice()).get("/fhir/Provenance/" + recordId);
        assertThat(read.statusCode()).as(read.asString()).isEqualTo(200);
        Provenance record = parse(read.asString(), Provenance.class);
        assertThat(sources(record))
                .contains(
                        "Patient/" + chart.patient() + "/_history/1",
                        "Observation/" + chart.weight() + "/_history/2",
                        "Observation/" + chart.creatinine() + "/_history/1",
                        "Condition/" + chart.condition() + "/_history/1")
                .doesNotContain("Observation/" + chart.weight() + "/_history/1")
                .allMatch(s -> s.matches("[A-Za-z]+/[A-Za-z0-9\\-.]+/_history/\\d+"));
        assertThat(record.getPolicy()).extracting(p -> p.getValue()).contains("urn:patienttwin:basis:" + consent);
        assertThat(Long.parseLong(record.getExtensionByUrl(SimulationRecords.BLOCK_EXTENSION)
                        .getValue()
                        .primitiveValue()))
                .isPositive();
        assertThat(record.getAgent()).extracting(a -> a.getWho().getReference()).contains("Practitioner/alice");
        assertThat(record.getAgent())
                .extracting(a -> a.getWho().getIdentifier().getValue())
                .anyMatch(v -> v != null && v.startsWith("vancomycin-goti-2018|"));
        assertThat(record.getTarget()).extracting(Reference::getReference).contains("Patient/" + chart.patient());
        assertThat(((IntegerType) containedRequest(record).getParameter("seed").getValue()).getValue())
                .isEqualTo(1);
        assertThat(record.getMeta().getTag())
                .filteredOn(t -> DataCategory.SYSTEM.equals(t.getSystem()))
                .extracting(Coding::getCode)
                .contains("demographics", "vitals", "labs", "conditions");
        assertThat(SimulationRecords.canonical(containedResult(record)))
                .isEqualTo(SimulationRecords.canonical(withoutRecord(answer)));

        // the chart changes after the run: the rerun still sees the versions the run read
        Observation lighter = observation(chart.patient(), "29463-7", 60, "kg", "vital-signs");
        lighter.setId(chart.weight());
        fhir().body(json(lighter))
                .put("/fhir/Observation/" + chart.weight())
                .then()
                .statusCode(200);

        Parameters rerun = reproduce(Tokens.alice(), recordId);
        assertThat(((BooleanType) rerun.getParameter("reproduced").getValue()).booleanValue())
                .isTrue();
        assertThat(SimulationRecords.canonical(
                        (Parameters) rerun.getParameter("result").getResource()))
                .isEqualTo(SimulationRecords.canonical(containedResult(record)));

        Parameters today = simulate(Tokens.alice(), chart.patient());
        assertThat(SimulationRecords.canonical(withoutRecord(today)))
                .as("a run on today's chart differs: the rerun did not read it")
                .isNotEqualTo(SimulationRecords.canonical(containedResult(record)));
    }

    @Test
    void aRecordIsReadOnlyByReadersOfEverythingItWasDerivedFrom() {
        Chart chart = chart();
        consent(chart.patient(), "Practitioner/alice", TWIN_CATEGORIES);
        consent(chart.patient(), "Practitioner/bob", DataCategory.DEMOGRAPHICS, DataCategory.VITALS, DataCategory.LABS);
        String aliceRecord = recordOf(simulate(Tokens.alice(), chart.patient()));

        as(Tokens.bob()).get("/fhir/Observation/" + chart.weight()).then().statusCode(200);
        as(Tokens.bob()).get("/fhir/Condition/" + chart.condition()).then().statusCode(403);
        // alice's record was derived from the condition too: bob reads neither it nor its rerun
        as(Tokens.bob()).get("/fhir/Provenance/" + aliceRecord).then().statusCode(403);
        as(Tokens.bob())
                .get("/fhir/Provenance/" + aliceRecord + "/$reproduce")
                .then()
                .statusCode(403);
        as(Tokens.erin()).get("/fhir/Provenance/" + aliceRecord).then().statusCode(403);

        // bob's own run reads what he may read, and its record needs no more
        String bobRecord = recordOf(simulate(Tokens.bob(), chart.patient()));
        Response read = as(Tokens.bob()).get("/fhir/Provenance/" + bobRecord);
        assertThat(read.statusCode()).as(read.asString()).isEqualTo(200);
        Provenance record = parse(read.asString(), Provenance.class);
        assertThat(sources(record)).doesNotContain("Condition/" + chart.condition() + "/_history/1");
        assertThat(record.getMeta().getTag())
                .filteredOn(t -> DataCategory.SYSTEM.equals(t.getSystem()))
                .extracting(Coding::getCode)
                .doesNotContain("conditions");
    }

    @Test
    void aRecordWhoseStoredResultWasEditedIsNotReproducedAndFailsItsIntegrityCheck() {
        Chart chart = chart();
        consent(chart.patient(), "Practitioner/alice", TWIN_CATEGORIES);
        String recordId = recordOf(simulate(Tokens.alice(), chart.patient()));
        anchoredProof("/fhir/Provenance/" + recordId + "/_history/1/$proof");

        int edited = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "update fhir_resource_version set body = replace(body, 'Goti', 'Gotti')"
                                + " where res_type = 'Provenance' and res_id = ?1")
                .setParameter(1, recordId)
                .executeUpdate());
        assertThat(edited).isEqualTo(1);

        Parameters rerun = reproduce(Tokens.alice(), recordId);
        assertThat(((BooleanType) rerun.getParameter("reproduced").getValue()).booleanValue())
                .isFalse();
        Response verify = fhir().get("/fhir/Provenance/" + recordId + "/$verify-integrity");
        assertThat(verify.statusCode()).as(verify.asString()).isEqualTo(200);
        assertThat(verify.asString()).contains("mismatch");
    }

    @Test
    void theRecordIsAnchoredLikeAnyStoredVersion() throws Exception {
        Chart chart = chart();
        consent(chart.patient(), "Practitioner/alice", TWIN_CATEGORIES);
        String recordId = recordOf(simulate(Tokens.alice(), chart.patient()));
        JsonNode proof = anchoredProof("/fhir/Provenance/" + recordId + "/_history/1/$proof");
        assertThat(proof.toString()).contains("\"transaction\"", "\"blockHash\"");
    }

    @Test
    void aProvenanceThatIsNoSimulationRecordIsRefusedWith422() {
        Chart chart = chart();
        Provenance other = new Provenance();
        other.addTarget(new Reference("Patient/" + chart.patient()));
        other.setRecordedElement(new org.hl7.fhir.r4.model.InstantType(new Date()));
        other.addAgent().setWho(new Reference("Practitioner/alice"));
        String id = FhirTestSupport.create(other);
        Response response = fhir().get("/fhir/Provenance/" + id + "/$reproduce");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(422);
        assertThat(response.asString()).contains("PT-SIM-422-RECORD");
    }

    /** Closes a batch now and waits until the chain holds it and the proof says so (read as the EHR). */
    private JsonNode anchoredProof(String path) {
        anchorer.closeNow();
        JsonNode[] proof = new JsonNode[1];
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    anchorer.runOnce();
                    Response response = fhir().get(path);
                    response.then().statusCode(200);
                    proof[0] = JSON.readTree(response.asString());
                    return proof[0].toString().contains("\"anchored\"");
                });
        return proof[0];
    }
}
