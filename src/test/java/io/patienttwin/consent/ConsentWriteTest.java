package io.patienttwin.consent;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.fhir.FhirTestSupport;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;

/** Consents written through /fhir must be enforceable, or they are refused with 422 and not stored. */
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
        Consent consent = ConsentFixture.valid();
        consent.setIdElement(null);
        consent.setPatient(new Reference(patientUrl));
        consent.addIdentifier().setSystem("urn:test").setValue(marker);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(consent)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Consent");
        return bundle;
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
