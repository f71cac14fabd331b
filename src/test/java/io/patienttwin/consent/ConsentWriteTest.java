package io.patienttwin.consent;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.identity.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/**
 * Consents written through /fhir must be enforceable, or they are refused with 422 and not stored;
 * and only their patient, an EHR system naming who gave them, or an administrator may write them.
 */
@QuarkusTest
class ConsentWriteTest {

    @Test
    void anEnforceableConsentIsStored() {
        Consent consent = ConsentFixture.valid();
        consent.setIdElement(null);

        fhir().body(json(consent)).post("/fhir/Consent").then().statusCode(201);
    }

    @Test
    void aConsentThatCannotBeEnforcedIsRefusedWith422NamingEachProblemAndIsNotStored() {
        Consent consent = ConsentFixture.valid();
        consent.setIdElement(null);
        String marker = UUID.randomUUID().toString();
        consent.addIdentifier().setSystem("urn:test").setValue(marker);
        consent.getProvision().setPurpose(null);
        consent.getProvision().getActorFirstRep().setReference(new Reference("Patient/p2"));

        Response response = fhir().body(json(consent)).post("/fhir/Consent");

        assertThat(response.statusCode()).isEqualTo(422);
        OperationOutcome outcome = parse(response.asString(), OperationOutcome.class);
        assertThat(outcome.getIssueFirstRep().getDiagnostics()).startsWith("PT-CONSENT-422");
        assertThat(outcome.getIssue())
                .extracting(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
                .anyMatch(d -> d.startsWith("Consent.provision.purpose"))
                .anyMatch(d -> d.startsWith("Consent.provision.actor.reference"));
        assertThat(stored(marker)).isZero();
    }

    @Test
    void anUpdateIsCheckedLikeACreate() {
        Consent consent = ConsentFixture.valid();
        consent.setId("consent-" + UUID.randomUUID());
        fhir().body(json(consent))
                .put("/fhir/Consent/" + consent.getIdPart())
                .then()
                .statusCode(201);

        consent.getProvision().setType(Consent.ConsentProvisionType.DENY);

        fhir().body(json(consent))
                .put("/fhir/Consent/" + consent.getIdPart())
                .then()
                .statusCode(422);
    }

    @Test
    void aTransactionWithAnUnenforceableConsentStoresNothingAndAValidOneResolvesItsPatient() {
        String marker = UUID.randomUUID().toString();
        Bundle bad = transaction(marker);
        ((Consent) bad.getEntry().get(1).getResource()).getProvision().setCode(null);

        fhir().contentType(FHIR_JSON).body(json(bad)).post("/fhir").then().statusCode(422);
        assertThat(stored(marker)).isZero();

        Bundle good = transaction(marker);
        fhir().contentType(FHIR_JSON).body(json(good)).post("/fhir").then().statusCode(200);
        assertThat(stored(marker)).isEqualTo(1);
    }

    /** A new Patient and a consent of theirs, linked by urn:uuid. */
    private static Bundle transaction(String marker) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientUrl = "urn:uuid:" + UUID.randomUUID();
        bundle.addEntry()
                .setFullUrl(patientUrl)
                .setResource(new Patient().setActive(true))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Consent consent = ConsentFixture.forPatient(patientUrl);
        consent.addIdentifier().setSystem("urn:test").setValue(marker);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(consent)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Consent");
        return bundle;
    }

    // --- who may write a consent (ConsentAuthors) -------------------------------------------------

    @Test
    void aPatientPostsHerOwnConsentItNamesHerAsPerformerAndBecomesActive() {
        Consent consent = ConsentFixture.forPatient("Patient/pat");
        consent.getPerformer().clear();
        String marker = mark(consent);

        Response response = asPat().body(json(consent)).post("/fhir/Consent");

        assertThat(response.statusCode()).as(response.asString()).isEqualTo(201);
        Consent stored = parse(response.asString(), Consent.class);
        assertThat(stored.getStatus()).isEqualTo(Consent.ConsentState.PROPOSED);
        assertThat(stored.getPerformer()).extracting(Reference::getReference).containsExactly("Patient/pat");
        assertThat(stored(marker)).isEqualTo(1);
        await().atMost(Duration.ofSeconds(20))
                .pollInterval(Duration.ofMillis(100))
                .until(() ->
                        parse(asPat().get("/fhir/Consent/" + stored.getIdPart()).asString(), Consent.class)
                                        .getStatus()
                                == Consent.ConsentState.ACTIVE);
    }

    @Test
    void aPatientCannotWriteAnotherPatientsConsentNorNameHerselfPerformerOfIt() {
        Consent forOther = ConsentFixture.forPatient("Patient/p-" + UUID.randomUUID());
        String marker = mark(forOther);
        forOther.getPerformer().clear();
        forOther.addPerformer(new Reference("Patient/pat"));

        Response response = asPat().body(json(forOther)).post("/fhir/Consent");

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.asString()).contains("PT-CONSENT-403");
        assertThat(stored(marker)).isZero();
    }

    @Test
    void aPatientRevokesHerOwnConsentButCannotTouchAnotherPatientsOne() {
        Consent own = ConsentFixture.forPatient("Patient/pat");
        own.setId("pat-consent-" + UUID.randomUUID());
        asPat().body(json(own)).put("/fhir/Consent/" + own.getIdPart()).then().statusCode(201);
        Consent other = ConsentFixture.forPatient("Patient/p-" + UUID.randomUUID());
        other.setId("other-consent-" + UUID.randomUUID());
        fhir().body(json(other))
                .put("/fhir/Consent/" + other.getIdPart())
                .then()
                .statusCode(201);

        // re-pointing someone else's consent at herself, or revoking it, is refused
        Consent hijack = ConsentFixture.forPatient("Patient/pat");
        hijack.setId(other.getIdPart());
        asPat().body(json(hijack))
                .put("/fhir/Consent/" + other.getIdPart())
                .then()
                .statusCode(403);
        asPat().delete("/fhir/Consent/" + other.getIdPart()).then().statusCode(403);
        assertThat(statusOf(other.getIdPart())).isNotEqualTo(Consent.ConsentState.INACTIVE);

        own.setStatus(Consent.ConsentState.INACTIVE);
        Response revoked = asPat().body(json(own)).put("/fhir/Consent/" + own.getIdPart());
        assertThat(revoked.statusCode()).as(revoked.asString()).isEqualTo(200);
        assertThat(statusOf(own.getIdPart())).isEqualTo(Consent.ConsentState.INACTIVE);
    }

    @Test
    void anEhrSystemMustSayWhoGaveTheConsent() {
        Consent unsigned = ConsentFixture.forPatient("Patient/p-" + UUID.randomUUID());
        unsigned.getPerformer().clear();
        String marker = mark(unsigned);
        Consent byClinician = ConsentFixture.forPatient("Patient/p-" + UUID.randomUUID());
        byClinician.getPerformer().clear();
        byClinician.addPerformer(new Reference("Practitioner/alice"));
        mark(byClinician, marker);
        Consent byRepresentative = ConsentFixture.forPatient("Patient/p-" + UUID.randomUUID());
        byRepresentative.getPerformer().clear();
        byRepresentative.addPerformer(new Reference("RelatedPerson/guardian-1"));

        for (Consent refused : new Consent[] {unsigned, byClinician}) {
            Response response = fhir().body(json(refused)).post("/fhir/Consent");
            assertThat(response.statusCode()).isEqualTo(422);
            OperationOutcome outcome = parse(response.asString(), OperationOutcome.class);
            assertThat(outcome.getIssueFirstRep().getDiagnostics()).startsWith("PT-CONSENT-422-PERFORMER");
        }
        assertThat(stored(marker)).isZero();
        fhir().body(json(byRepresentative)).post("/fhir/Consent").then().statusCode(201);
    }

    @Test
    void anAdministratorWritesAConsentOnThePatientsBehalf() {
        Consent consent = ConsentFixture.forPatient("Patient/p-" + UUID.randomUUID());
        String marker = mark(consent);

        given().auth()
                .oauth2(Tokens.dave())
                .contentType(FHIR_JSON)
                .body(json(consent))
                .post("/fhir/Consent")
                .then()
                .statusCode(201);
        assertThat(stored(marker)).isEqualTo(1);
    }

    @Test
    void cliniciansAndComplianceOfficersCannotWriteConsents() {
        Consent consent = ConsentFixture.forPatient("Patient/p-" + UUID.randomUUID());
        String marker = mark(consent);

        for (String token : new String[] {Tokens.alice(), Tokens.carol()}) {
            given().auth()
                    .oauth2(token)
                    .contentType(FHIR_JSON)
                    .body(json(consent))
                    .post("/fhir/Consent")
                    .then()
                    .statusCode(403);
        }
        assertThat(stored(marker)).isZero();
    }

    private static RequestSpecification asPat() {
        return given().auth().oauth2(Tokens.pat()).accept(FHIR_JSON).contentType(FHIR_JSON);
    }

    private static String mark(Consent consent) {
        return mark(consent, UUID.randomUUID().toString());
    }

    private static String mark(Consent consent, String marker) {
        consent.addIdentifier().setSystem("urn:test").setValue(marker);
        return marker;
    }

    private static Consent.ConsentState statusOf(String id) {
        return parse(FhirTestSupport.compliance().get("/fhir/Consent/" + id).asString(), Consent.class)
                .getStatus();
    }

    private static int stored(String marker) {
        return parse(
                        FhirTestSupport.compliance()
                                .get("/fhir/Consent?identifier=urn:test|" + marker + "&_summary=count")
                                .asString(),
                        Bundle.class)
                .getTotal();
    }
}
