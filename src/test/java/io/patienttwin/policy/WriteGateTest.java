package io.patienttwin.policy;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.consent.ConsentFixture;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.fhir.OperatorWrites;
import io.patienttwin.fhir.TestCustodian;
import io.patienttwin.identity.Tokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The write side of the gate (issue 16): each way around it that an attacker's pass found, reproduced
 * as it was found, refused with a 4xx OperationOutcome and leaving the store as it was. The EHR system
 * is custodian of {@link TestCustodian#ORGANIZATION} (patient A here), not of this test's other
 * organization (patient B, written by the operator, as no test principal may write it).
 */
@QuarkusTest
class WriteGateTest {

    @Inject
    EntityManager em;

    private final String suffix = UUID.randomUUID().toString().substring(0, 8);
    private final String tag = FhirTestSupport.newTag();
    private final String a = "wg-a-" + suffix;
    private final String b = "wg-b-" + suffix;
    private final String otherOrganization = "Organization/wg-other-" + suffix;

    @BeforeEach
    void patients() {
        TestCustodian.ensure();
        Patient patientA = FhirTestSupport.tagged(new Patient(), tag);
        patientA.setId(a);
        fhir().body(json(patientA)).put("/fhir/Patient/" + a).then().statusCode(201);
        OperatorWrites.patient(b, otherOrganization, tag);
    }

    // --- permits are audited too ("every decision is audited") ------------------------------------------

    @Test
    void everyPermittedWriteIsAuditedOncePerTransactionWithTheResourcesAndTheGrantThatPermittedIt() {
        String id = "wg-obs-" + suffix;
        Observation observation = tagged(OperatorWrites.labOf(a));
        observation.setId(id);
        fhir().body(json(observation)).put("/fhir/Observation/" + id).then().statusCode(201);
        observation.setStatus(Observation.ObservationStatus.AMENDED);
        fhir().body(json(observation)).put("/fhir/Observation/" + id).then().statusCode(200);
        Bundle three = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < 3; i++) {
            three.addEntry()
                    .setFullUrl("urn:uuid:" + UUID.randomUUID())
                    .setResource(tagged(OperatorWrites.labOf(a)))
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        fhir().body(json(three)).post("/fhir").then().statusCode(200);
        fhir().delete("/fhir/Observation/" + id).then().statusCode(org.hamcrest.Matchers.oneOf(200, 204));

        List<String> writes = writesAudited(a);
        assertThat(writes)
                .hasSize(5)
                .satisfies(rows -> assertThat(rows.get(0)).startsWith("create PERMIT-CUSTODIAN 1 Patient/" + a))
                .satisfies(rows -> assertThat(rows.get(1)).startsWith("create PERMIT-CUSTODIAN 1 Observation/" + id))
                .satisfies(rows -> assertThat(rows.get(2)).startsWith("update PERMIT-CUSTODIAN 1 Observation/" + id))
                .satisfies(rows -> assertThat(rows.get(3)).startsWith("create PERMIT-CUSTODIAN 3 Observation/"))
                .satisfies(rows -> assertThat(rows.get(4)).startsWith("delete PERMIT-CUSTODIAN 1 Observation/" + id));
        // the custodian grant that permitted them is the basis of each
        assertThat(writes).allSatisfy(row -> assertThat(row).doesNotEndWith("basis:"));
    }

    @Test
    void aWriteWhoseAuditRecordCannotBeWrittenFailsWith503AndStoresNothing() {
        String id = "wg-unaudited-" + suffix;
        String trigger = "wg_refuse_audit_" + suffix.replace('-', '_');
        execute("create or replace function wg_refuse_audit() returns trigger language plpgsql as"
                + " $$ begin raise exception 'the audit refuses this record (WriteGateTest)'; end $$");
        execute("create trigger " + trigger + " before insert on audit_event for each row"
                + " when (new.target = 'Observation/" + id + "') execute function wg_refuse_audit()");
        try {
            Observation observation = tagged(OperatorWrites.labOf(a));
            observation.setId(id);
            refused(fhir().body(json(observation)).put("/fhir/Observation/" + id), 503, "PT-AUDIT-503");
        } finally {
            execute("drop trigger " + trigger + " on audit_event");
        }
        assertThat(rows()).doesNotContain(id);
    }

    // --- 1. writes bounded by custodianship --------------------------------------------------------
    // --- 1. writes bounded by custodianship --------------------------------------------------------
    // --- 1. writes bounded by custodianship --------------------------------------------------------

    @Test
    void anEhrSystemWritesOnlyThePatientsOfOrganizationsItIsCustodianOf() {
        String ofB = OperatorWrites.observation(b, tag);
        Observation changed = OperatorWrites.labOf(b);
        changed.setId(ofB);
        changed.setStatus(Observation.ObservationStatus.AMENDED);
        String before = rows();

        refused(fhir().body(json(changed)).put("/fhir/Observation/" + ofB), 403, "PT-POLICY-403");
        refused(fhir().delete("/fhir/Observation/" + ofB), 403, "PT-POLICY-403");
        refused(fhir().body(json(tagged(OperatorWrites.labOf(b)))).post("/fhir/Observation"), 403, "PT-POLICY-403");
        refused(
                fhir().body(json(ConsentFixture.forPatient("Patient/" + b))).post("/fhir/Consent"),
                403,
                "PT-POLICY-403");
        assertThat(rows()).as("nothing of B changed").isEqualTo(before);

        Patient movedIn = FhirTestSupport.tagged(new Patient(), tag);
        movedIn.setId(b);
        movedIn.setManagingOrganization(new Reference(TestCustodian.ORGANIZATION));
        refused(fhir().body(json(movedIn)).put("/fhir/Patient/" + b), 403, "PT-POLICY-403");
        assertThat(managingOrganization(b)).isEqualTo(otherOrganization.substring("Organization/".length()));
        refused(fhir().get("/fhir/Patient/" + b + "/_history"), 403, "PT-POLICY-403");

        Patient movedOut = FhirTestSupport.tagged(new Patient(), tag);
        movedOut.setId(a);
        movedOut.setManagingOrganization(new Reference(otherOrganization));
        refused(fhir().body(json(movedOut)).put("/fhir/Patient/" + a), 403, "PT-POLICY-403");
        assertThat(rows()).isEqualTo(before);

        assertThat(audit("Observation/" + ofB))
                .as("write denials are audited like read denials")
                .contains("update deny DENY-NO-CUSTODIAN-GRANT", "delete deny DENY-NO-CUSTODIAN-GRANT");

        // its own organization's patient it writes as before
        String ofA = FhirTestSupport.create(tagged(OperatorWrites.labOf(a)));
        Observation amended = OperatorWrites.labOf(a);
        amended.setId(ofA);
        fhir().body(json(tagged(amended)))
                .put("/fhir/Observation/" + ofA)
                .then()
                .statusCode(200);
        fhir().delete("/fhir/Observation/" + ofA).then().statusCode(200);
    }

    // --- 2. Bundle entries decided on their URL's type ---------------------------------------------

    @Test
    void aBundleEntryIsDecidedOnTheTypeOfItsUrlAndADeleteOrGetWithABodyIsRefused() {
        String ofB = OperatorWrites.observation(b, tag);
        String before = rows();
        Bundle smuggled = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Bundle.BundleEntryComponent entry = smuggled.addEntry();
        entry.setResource(new Consent().setStatus(Consent.ConsentState.ACTIVE));
        entry.getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl("Observation/" + ofB);
        refused(as(Tokens.pat()).body(json(smuggled)).post("/fhir"), 403, "PT-AUTH-403");
        Bundle plain = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        plain.addEntry().getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl("Observation/" + ofB);
        refused(as(Tokens.pat()).body(json(plain)).post("/fhir"), 403, "PT-AUTH-403");

        Bundle patientDelete = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Bundle.BundleEntryComponent asConsent = patientDelete.addEntry();
        asConsent.setResource(new Consent().setStatus(Consent.ConsentState.ACTIVE));
        asConsent.getRequest().setMethod(Bundle.HTTPVerb.DELETE).setUrl("Patient/" + b);
        refused(as(Tokens.dave()).body(json(patientDelete)).post("/fhir"), 403, "PT-AUTH-403");

        // with the scope for both types, a body on a DELETE or GET is refused as such
        refused(fhir().body(json(smuggled)).post("/fhir"), 400, "must not carry a resource");
        Bundle read = new Bundle().setType(Bundle.BundleType.BATCH);
        Bundle.BundleEntryComponent get = read.addEntry();
        get.setResource(new Patient());
        get.getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl("Observation/" + ofB);
        Response batch = fhir().body(json(read)).post("/fhir");
        batch.then().statusCode(200);
        assertThat(parse(batch.asString(), Bundle.class)
                        .getEntryFirstRep()
                        .getResponse()
                        .getStatus())
                .startsWith("400");
        assertThat(rows()).isEqualTo(before);
    }

    // --- 3. conditional references --------------------------------------------------------------------

    @Test
    void aConditionalReferenceAnswersTheSameWhetherHiddenResourcesMatchOrNot() {
        String family = "Hidden" + suffix;
        String criteria = "Patient?family=" + family + "&birthdate=1951-04-17";
        String none = conditionalConsentAsPat(criteria);
        OperatorWrites.put(hiddenPatient("wg-h1-" + suffix, family));
        String one = conditionalConsentAsPat(criteria);
        OperatorWrites.put(hiddenPatient("wg-h2-" + suffix, family));
        String several = conditionalConsentAsPat(criteria);
        assertThat(List.of(none, one, several))
                .as("no hidden match changes the answer")
                .containsOnly("412 PT-FHIR-412-REFERENCE matches no resource");
        OperatorWrites.observation(b, tag);
        assertThat(conditionalConsentAsPat("Observation?subject=Patient/" + b))
                .isEqualTo("412 PT-FHIR-412-REFERENCE matches no resource");
        assertThat(audit("Patient"))
                .as("conditional matches are audited as the writer's searches")
                .contains("conditional-match permit PERMIT-SCOPE");
    }

    // --- 4. If-None-Exist ----------------------------------------------------------------------------

    @Test
    void ifNoneExistMatchesOnlyWhatTheWriterMayRead() {
        for (int hidden = 0; hidden <= 2; hidden++) {
            String code = "wg-" + hidden + "-" + suffix;
            for (int i = 0; i < hidden; i++) {
                Observation ofB = OperatorWrites.labOf(b);
                ofB.addIdentifier(new Identifier().setSystem("urn:wg").setValue(code));
                OperatorWrites.create(tagged(ofB));
            }
            Observation ofA = tagged(OperatorWrites.labOf(a));
            ofA.addIdentifier(new Identifier().setSystem("urn:wg").setValue(code));
            Response created = fhir().header("If-None-Exist", "identifier=urn:wg|" + code)
                    .body(json(ofA))
                    .post("/fhir/Observation");
            assertThat(created.statusCode())
                    .as(hidden + " hidden matches: created as if none existed")
                    .isEqualTo(201);
            String id =
                    parse(created.asString(), Observation.class).getIdElement().getIdPart();
            Response again = fhir().header("If-None-Exist", "identifier=urn:wg|" + code)
                    .body(json(ofA))
                    .post("/fhir/Observation");
            assertThat(again.statusCode())
                    .as("a match the writer may read is the answer")
                    .isEqualTo(200);
            assertThat(parse(again.asString(), Observation.class).getIdElement().getIdPart())
                    .isEqualTo(id);
        }
    }

    // --- 5. patient links that do not resolve ------------------------------------------------------------

    @Test
    void aPatientLinkThatDoesNotResolveIsRefusedNeverStoredAsNobodys() {
        String base = RestAssured.baseURI + ":" + RestAssured.port + "/fhir/";
        String before = rows();
        Observation absoluteB = tagged(OperatorWrites.labOf(b));
        absoluteB.setSubject(new Reference(base + "Patient/" + b));
        refused(fhir().body(json(absoluteB)).post("/fhir/Observation"), 403, "PT-POLICY-403");

        for (Reference unresolved : List.of(
                new Reference()
                        .setIdentifier(new Identifier().setSystem("urn:mrn").setValue(b)),
                new Reference("#p"),
                new Reference("urn:uuid:" + UUID.randomUUID()),
                new Reference("https://elsewhere.example/fhir/Patient/" + b))) {
            Observation observation = tagged(OperatorWrites.labOf(b));
            observation.setSubject(unresolved);
            if ("#p".equals(unresolved.getReference())) {
                Patient contained = new Patient();
                contained.setId("p");
                observation.addContained(contained);
            }
            refused(fhir().body(json(observation)).post("/fhir/Observation"), 422, "PT-FHIR-422-COMPARTMENT");
        }
        Observation nobodys = tagged(OperatorWrites.labOf(b));
        nobodys.setSubject(null);
        refused(fhir().body(json(nobodys)).post("/fhir/Observation"), 422, "PT-FHIR-422-COMPARTMENT");
        assertThat(rows()).isEqualTo(before);

        Observation absoluteA = tagged(OperatorWrites.labOf(a));
        absoluteA.setSubject(new Reference(base + "Patient/" + a));
        String id = FhirTestSupport.create(absoluteA);
        Observation stored = parse(fhir().get("/fhir/Observation/" + id).asString(), Observation.class);
        assertThat(stored.getSubject().getReference()).isEqualTo("Patient/" + a);
        as(Tokens.bob()).get("/fhir/Observation/" + id).then().statusCode(403);
        Bundle counted = parse(
                as(Tokens.bob())
                        .get("/fhir/Observation?_tag=" + FhirTestSupport.tagParam(tag) + "&_summary=count")
                        .asString(),
                Bundle.class);
        assertThat(counted.getTotal()).isZero();
    }

    @Test
    void aResourceNamingTwoPatientsIsRefusedAndAPatientLinkIsDecidedOnTheLinkedPatientToo() {
        String other = "wg-a2-" + suffix;
        Patient secondOfA = FhirTestSupport.tagged(new Patient(), tag);
        secondOfA.setId(other);
        fhir().body(json(secondOfA)).put("/fhir/Patient/" + other).then().statusCode(201);
        String before = rows();

        // one record belongs to one patient: a second patient in another compartment link is refused,
        // whoever manages it (for B it would be data written into a record the writer may not reach)
        for (String performer : List.of(b, other)) {
            Observation twoPatients = tagged(OperatorWrites.labOf(a));
            twoPatients.addPerformer(new Reference("Patient/" + performer));
            refused(fhir().body(json(twoPatients)).post("/fhir/Observation"), 422, "PT-FHIR-422-COMPARTMENT");
        }
        // a Patient's link changes the linked patient's record: decided on it too
        Patient linkedToB = FhirTestSupport.tagged(new Patient(), tag);
        linkedToB.setId(a);
        linkedToB.addLink().setOther(new Reference("Patient/" + b)).setType(Patient.LinkType.SEEALSO);
        refused(fhir().body(json(linkedToB)).put("/fhir/Patient/" + a), 403, "PT-POLICY-403");
        assertThat(rows()).as("nothing changed").isEqualTo(before);
        assertThat(audit("Patient/" + a)).contains("update deny DENY-NO-CUSTODIAN-GRANT");

        // the same patient twice, or a link to a patient the writer reaches, is written
        Observation selfReported = tagged(OperatorWrites.labOf(a));
        selfReported.addPerformer(new Reference("Patient/" + a));
        FhirTestSupport.create(selfReported);
        Patient linkedToOwn = FhirTestSupport.tagged(new Patient(), tag);
        linkedToOwn.setId(a);
        linkedToOwn.addLink().setOther(new Reference("Patient/" + other)).setType(Patient.LinkType.SEEALSO);
        fhir().body(json(linkedToOwn)).put("/fhir/Patient/" + a).then().statusCode(200);
    }

    // --- smaller ones ----------------------------------------------------------------------------------

    @Test
    void aBreakGlassReasonOutsideTenToFiveHundredCharactersIs400() {
        for (String reason : List.of(".", "too short", "x".repeat(501))) {
            given().auth()
                    .oauth2(Tokens.alice())
                    .accept(FHIR_JSON)
                    .header("X-Purpose-Of-Use", "ETREAT")
                    .header("X-Break-Glass-Reason", reason)
                    .get("/fhir/Patient/" + b)
                    .then()
                    .statusCode(400)
                    .body(org.hamcrest.Matchers.containsString("PT-POLICY-400-BREAK-GLASS-REASON"));
        }
    }

    @Test
    void aDeleteWithoutATargetIsA4xxWithAnOperationOutcome() {
        for (String path : List.of("/fhir", "/fhir/Patient")) {
            Response response = fhir().delete(path);
            assertThat(response.statusCode()).as(path).isBetween(400, 499);
            assertThat(response.asString()).contains("OperationOutcome");
        }
    }

    @Test
    void carelessJsonIsRefusedNamingTheElement() {
        String id = "wg-json-" + suffix;
        refused(putRaw(id, "\"name\":\"John\""), 400, "name");
        refused(putRaw(id, "\"nickname\":[\"Jo\"]"), 400, "nickname");
        refused(putRaw(id, "\"name\":[{\"family\":\"A\\u0000B\"}]"), 400, "PT-FHIR-400-TEXT");
        refused(putRaw(id, "\"name\":[{\"family\":\"A\\ud800B\"}]"), 400, "PT-FHIR-400-TEXT");
        fhir().get("/fhir/Patient/" + id).then().statusCode(403);
    }

    @Test
    void apiErrorsAreJsonProblemsWithAStableCodeAndNoInternals() {
        Response unknownKind = given().auth()
                .oauth2(Tokens.dave())
                .contentType("application/json")
                .body("{\"kind\":\"NOPE\",\"subject\":\"ehr-system\",\"target\":\"Organization/x\"}")
                .post("/api/access-grants");
        assertThat(unknownKind.statusCode()).isEqualTo(400);
        assertThat(unknownKind.jsonPath().getString("code")).isEqualTo("PT-GRANT-400");
        assertThat(unknownKind.asString()).doesNotContain("io.patienttwin").doesNotContain("enum constant");

        Response malformed = given().auth()
                .oauth2(Tokens.dave())
                .contentType("application/json")
                .body("{\"kind\": ")
                .post("/api/access-grants");
        assertThat(malformed.statusCode()).isEqualTo(400);
        assertThat(malformed.jsonPath().getString("code")).isEqualTo("PT-API-400-JSON");
        assertThat(malformed.asString()).doesNotContain("jackson").doesNotContain("Exception");

        Response wrongMedia = given().auth()
                .oauth2(Tokens.dave())
                .contentType("text/plain")
                .body("kind=NOPE")
                .post("/api/access-grants");
        assertThat(wrongMedia.statusCode()).isEqualTo(415);
        assertThat(wrongMedia.jsonPath().getString("code")).isEqualTo("PT-API-415");
    }

    // --- helpers ---------------------------------------------------------------------------------------

    private Response putRaw(String id, String member) {
        return fhir().body(
                        "{\"resourceType\":\"Patient\",\"id\":\"" + id + "\",\"managingOrganization\":{\"reference\":\""
                                + TestCustodian.ORGANIZATION + "\"}," + member + "}")
                .put("/fhir/Patient/" + id);
    }

    /** A transaction as pat writing her own consent whose grantee is found by conditional reference. */
    private String conditionalConsentAsPat(String criteria) {
        Consent consent = ConsentFixture.forPatient("Patient/pat");
        consent.getProvision().getActorFirstRep().setReference(new Reference(criteria));
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction
                .addEntry()
                .setResource(consent)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Consent");
        Response response = as(Tokens.pat()).body(json(transaction)).post("/fhir");
        String body = response.asString();
        String code = body.contains("PT-FHIR-412-REFERENCE") ? " PT-FHIR-412-REFERENCE" : "";
        String matches = body.contains("matches no resource")
                ? " matches no resource"
                : body.contains("more than one") ? " more than one" : "";
        return response.statusCode() + code + matches;
    }

    private Patient hiddenPatient(String id, String family) {
        Patient patient = FhirTestSupport.tagged(new Patient(), tag);
        patient.setId(id);
        patient.addName().setFamily(family);
        patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1951-04-17"));
        patient.setManagingOrganization(new Reference(otherOrganization));
        return patient;
    }

    private <T extends org.hl7.fhir.r4.model.Resource> T tagged(T resource) {
        return FhirTestSupport.tagged(resource, tag);
    }

    private static RequestSpecification as(String token) {
        return given().auth().oauth2(token).accept(FHIR_JSON).contentType(FHIR_JSON);
    }

    private static void refused(Response response, int status, String text) {
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(status);
        assertThat(response.asString()).contains("OperationOutcome").contains(text);
    }

    /** Every stored version of this test's patients' resources: type, id, version, deleted. */
    @SuppressWarnings("unchecked")
    private String rows() {
        return QuarkusTransaction.requiringNew()
                .call(() -> String.join(
                        "\n",
                        ((List<Object[]>) em.createNativeQuery(
                                                "select res_type, res_id, version, deleted, patient_id, managing_org from fhir_resource"
                                                        + " where patient_id in (?1, ?2) or res_id in (?1, ?2) order by pid")
                                        .setParameter(1, a)
                                        .setParameter(2, b)
                                        .getResultList())
                                .stream().map(java.util.Arrays::toString).toList()));
    }

    private String managingOrganization(String patientId) {
        return QuarkusTransaction.requiringNew().call(() -> (String) em.createNativeQuery(
                        "select managing_org from fhir_resource where res_type = 'Patient' and res_id = ?1")
                .setParameter(1, patientId)
                .getSingleResult());
    }

    private void execute(String statement) {
        QuarkusTransaction.requiringNew()
                .run(() -> em.createNativeQuery(statement).executeUpdate());
    }

    /** The permitted writes audited for a patient, in order: "interaction reason total entities basis:…". */
    @SuppressWarnings("unchecked")
    private List<String> writesAudited(String patientId) {
        return QuarkusTransaction.requiringNew().call(() -> ((List<Object[]>) em.createNativeQuery(
                                "select interaction, reason, total, entities, basis from audit_event where patient_id = ?1"
                                        + " and outcome = 'permit' and interaction in ('create', 'update', 'delete')"
                                        + " order by id")
                        .setParameter(1, patientId)
                        .getResultList())
                .stream()
                        .map(row -> row[0] + " " + row[1] + " " + row[2] + " " + row[3] + " basis:"
                                + java.util.Objects.toString(row[4], ""))
                        .toList());
    }

    /** The audit rows about a target (its type alone for a search): "interaction outcome reason". */
    @SuppressWarnings("unchecked")
    private List<String> audit(String target) {
        return QuarkusTransaction.requiringNew().call(() -> ((List<Object[]>) em.createNativeQuery(
                                "select interaction, outcome, reason from audit_event where target = ?1 order by id")
                        .setParameter(1, target)
                        .getResultList())
                .stream().map(row -> row[0] + " " + row[1] + " " + row[2]).toList());
    }
}
