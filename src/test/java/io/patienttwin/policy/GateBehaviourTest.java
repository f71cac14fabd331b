package io.patienttwin.policy;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.compliance;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

import io.patienttwin.consent.ConsentFixture;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.identity.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;

/** The gate's behaviour around the matrix: purpose header, break-glass records, audit rows, revocation timing, grants API. */
@QuarkusTest
class GateBehaviourTest {

    private static final Duration CONFIRMATION = Duration.ofSeconds(30);

    @Inject
    EntityManager em;

    private static String patient() {
        Patient patient = new Patient();
        patient.addName().setFamily("Gate").addGiven(UUID.randomUUID().toString());
        return FhirTestSupport.create(patient);
    }

    private static String lab(String patientId) {
        return FhirTestSupport.create(io.patienttwin.fhir.OperatorWrites.labOf(patientId));
    }

    private static String consentToAlice(String patientId) {
        Consent consent = ConsentFixture.forPatient("Patient/" + patientId);
        Response response = fhir().body(json(consent)).post("/fhir/Consent");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        String id = parse(response.asString(), Consent.class).getIdElement().getIdPart();
        await().atMost(CONFIRMATION)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> readConsent(id).getStatus() == Consent.ConsentState.ACTIVE);
        return id;
    }

    private static Consent readConsent(String id) {
        return parse(compliance().get("/fhir/Consent/" + id).asString(), Consent.class);
    }

    private static Response asAlice(String path) {
        return reader(Tokens.alice(), null).get(path);
    }

    /** A FHIR request with a token and, when not null, an {@code X-Purpose-Of-Use}. */
    private static io.restassured.specification.RequestSpecification reader(String token, String purpose) {
        io.restassured.specification.RequestSpecification spec =
                given().auth().oauth2(token).accept(FHIR_JSON);
        return purpose == null ? spec : spec.header("X-Purpose-Of-Use", purpose);
    }

    @SuppressWarnings("unchecked")
    /** The audit rows of the reads of a target (its creation by the test's EHR system is audited too). */
    private List<Object[]> audit(String target) {
        return QuarkusTransaction.requiringNew()
                .call(() -> em.createNativeQuery("select outcome, reason, basis, block, entities, agent_ref, purpose"
                                + " from audit_event where target = ?1"
                                + " and interaction not in ('create', 'update', 'delete') order by id")
                        .setParameter(1, target)
                        .getResultList());
    }

    @Test
    void anUnknownPurposeIs400WithItsCode() {
        reader(Tokens.alice(), "GOSSIP")
                .get("/fhir/Observation?_count=1")
                .then()
                .statusCode(400)
                .body(containsString("PT-POLICY-400-PURPOSE"));
        reader(Tokens.alice(), "http://example.org/other|TREAT")
                .get("/fhir/Observation?_count=1")
                .then()
                .statusCode(400);
        reader(Tokens.alice(), "http://terminology.hl7.org/CodeSystem/v3-ActReason|TREAT")
                .get("/fhir/Observation?_count=1")
                .then()
                .statusCode(200);
    }

    @Test
    void everyDecisionIsAuditedWithTheConsentAndBlockOrTheReasonForDenial() {
        String patient = patient();
        String observation = lab(patient);
        String consent = consentToAlice(patient);

        asAlice("/fhir/Observation/" + observation).then().statusCode(200);
        reader(Tokens.bob(), null)
                .get("/fhir/Observation/" + observation)
                .then()
                .statusCode(403)
                .body(containsString("PT-POLICY-403"));

        List<Object[]> rows = audit("Observation/" + observation);
        assertThat(rows).hasSize(2);
        Object[] permit = rows.get(0);
        assertThat(permit[0]).isEqualTo("permit");
        assertThat(permit[1]).isEqualTo("PERMIT-CONSENT");
        assertThat(permit[2]).isEqualTo(consent);
        assertThat(((Number) permit[3]).longValue()).isPositive();
        assertThat(permit[4]).isEqualTo("Observation/" + observation);
        assertThat(permit[5]).isEqualTo("Practitioner/alice");
        assertThat(permit[6]).isEqualTo("TREAT");
        Object[] deny = rows.get(1);
        assertThat(deny[0]).isEqualTo("deny");
        assertThat(deny[1]).isEqualTo("DENY-NO-CONSENT");
        assertThat(deny[5]).isEqualTo("Practitioner/bob");
    }

    @Test
    void aSearchIsAuditedWithTheIdsItReturned() {
        String patient = patient();
        String first = lab(patient);
        String second = lab(patient);
        consentToAlice(patient);

        asAlice("/fhir/Observation?patient=" + patient).then().statusCode(200);

        List<Object[]> rows = audit("Observation");
        assertThat(rows).anySatisfy(row -> assertThat(String.valueOf(row[4]).split(","))
                .containsExactlyInAnyOrder("Observation/" + first, "Observation/" + second));
    }

    @Test
    void aRevocationDeniesTheVeryNextRead() {
        String patient = patient();
        String observation = lab(patient);
        String consent = consentToAlice(patient);
        asAlice("/fhir/Observation/" + observation).then().statusCode(200);

        Consent revoked = readConsent(consent);
        revoked.setStatus(Consent.ConsentState.INACTIVE);
        fhir().body(json(revoked)).put("/fhir/Consent/" + consent).then().statusCode(200);

        asAlice("/fhir/Observation/" + observation).then().statusCode(403);
        assertThat(asAlice("/fhir/Observation?patient=" + patient).asString()).doesNotContain(observation);
    }

    @Test
    void breakGlassIsRecordedOnChainAndQueuedForReview() {
        String patient = patient();
        String observation = lab(patient);
        String reason = "cardiac arrest " + UUID.randomUUID();

        asAlice("/fhir/Observation/" + observation).then().statusCode(403);
        reader(Tokens.alice(), "ETREAT")
                .get("/fhir/Observation/" + observation)
                .then()
                .statusCode(403);
        reader(Tokens.alice(), "ETREAT")
                .header("X-Break-Glass-Reason", reason)
                .get("/fhir/Observation/" + observation)
                .then()
                .statusCode(200);
        // the session covers the patient for searches too, without repeating the reason
        assertThat(reader(Tokens.alice(), "ETREAT")
                        .get("/fhir/Observation?patient=" + patient)
                        .asString())
                .contains(observation);

        await().atMost(CONFIRMATION)
                .until(() -> session(reason) != null && session(reason).get("transactionHash") != null);
        Map<String, Object> session = session(reason);
        assertThat(session.get("patient")).isEqualTo("Patient/" + patient);
        assertThat(session.get("fhirUser")).isEqualTo("Practitioner/alice");
        assertThat(session.get("chainState")).isEqualTo("ACTIVE");
        assertThat(audit("Observation/" + observation))
                .extracting(row -> row[1])
                .containsExactly("DENY-NO-CONSENT", "DENY-BREAK-GLASS-NO-REASON", "PERMIT-BREAK-GLASS");

        given().auth()
                .oauth2(Tokens.carol())
                .contentType("application/json")
                .body(Map.of("note", "justified"))
                .post("/api/break-glass/" + session.get("id") + "/acknowledge")
                .then()
                .statusCode(200);
        assertThat(session(reason).get("reviewedBy")).isEqualTo("carol");
        given().auth().oauth2(Tokens.alice()).get("/api/break-glass").then().statusCode(403);
    }

    @Test
    void breakGlassWithoutThePermissionIs403WithItsCode() {
        reader(Tokens.bob(), "ETREAT")
                .header("X-Break-Glass-Reason", "curious")
                .get("/fhir/Observation?_count=1")
                .then()
                .statusCode(403)
                .body(containsString("PT-POLICY-403-BREAK-GLASS"));
    }

    @Test
    void accessGrantsAreForAdminsAndMalformedOnesAre400() {
        given().auth()
                .oauth2(Tokens.alice())
                .contentType("application/json")
                .body(Map.of("kind", "MEMBERSHIP", "subject", "Practitioner/alice", "target", "Organization/x"))
                .post("/api/access-grants")
                .then()
                .statusCode(403);
        given().auth()
                .oauth2(Tokens.dave())
                .contentType("application/json")
                .body(Map.of("kind", "MEMBERSHIP", "subject", "Patient/pat", "target", "Organization/x"))
                .post("/api/access-grants")
                .then()
                .statusCode(400)
                .body(containsString("PT-GRANT-400"));
        given().auth()
                .oauth2(Tokens.dave())
                .contentType("application/json")
                .body(Map.of("kind", "SUPERUSER", "subject", "x", "target", "Organization/x"))
                .post("/api/access-grants")
                .then()
                .statusCode(400);
    }

    @Test
    void theAuditIsReadThroughFhirByComplianceOfficersAndByThePatientItIsAbout() {
        String patient = patient();
        String observation = lab(patient);
        consentToAlice(patient);
        asAlice("/fhir/Observation/" + observation).then().statusCode(200);
        reader(Tokens.bob(), null)
                .get("/fhir/Observation/" + observation)
                .then()
                .statusCode(403);

        org.hl7.fhir.r4.model.Bundle audit = parse(
                compliance().get("/fhir/AuditEvent?patient=" + patient).asString(), org.hl7.fhir.r4.model.Bundle.class);
        List<org.hl7.fhir.r4.model.AuditEvent> events = audit.getEntry().stream()
                .map(e -> (org.hl7.fhir.r4.model.AuditEvent) e.getResource())
                .filter(e -> e.getEntity().stream().anyMatch(en -> ("Observation/" + observation).equals(en.getName())))
                .toList();
        // newest first: bob's denial, alice's read, and the EHR system's write of the Observation
        assertThat(events)
                .extracting(org.hl7.fhir.r4.model.AuditEvent::getOutcomeDesc)
                .containsExactly("DENY-NO-CONSENT", "PERMIT-CONSENT", "PERMIT-CUSTODIAN");
        org.hl7.fhir.r4.model.AuditEvent permit = events.get(1);
        assertThat(permit.getAgentFirstRep().getWho().getReference()).isEqualTo("Practitioner/alice");
        assertThat(permit.getEntity())
                .extracting(en -> en.getWhat().getReference())
                .contains("Patient/" + patient, "Observation/" + observation);
        String id = permit.getIdElement().getIdPart();
        compliance().get("/fhir/AuditEvent/" + id).then().statusCode(200);
        asAlice("/fhir/AuditEvent/" + id).then().statusCode(403);
        assertThat(parse(asAlice("/fhir/AuditEvent?patient=" + patient).asString(), org.hl7.fhir.r4.model.Bundle.class)
                        .getTotal())
                .isZero();
        fhir().body("{\"resourceType\":\"AuditEvent\"}")
                .post("/fhir/AuditEvent")
                .then()
                .statusCode(405)
                .body(containsString("PT-AUDIT-405"));
    }

    private static Map<String, Object> session(String reason) {
        List<Map<String, Object>> sessions = JsonPath.from(given().auth()
                        .oauth2(Tokens.carol())
                        .accept("application/json")
                        .get("/api/break-glass")
                        .then()
                        .statusCode(200)
                        .extract()
                        .asString())
                .getList("$");
        return sessions.stream()
                .filter(s -> reason.equals(s.get("reason")))
                .findFirst()
                .orElse(null);
    }
}
