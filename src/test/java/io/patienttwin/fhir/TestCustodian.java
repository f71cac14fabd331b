package io.patienttwin.fhir;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;

import io.patienttwin.consent.AccessIndex;
import io.patienttwin.identity.Tokens;
import io.quarkus.arc.Arc;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Organization;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;

/**
 * The EHR system of the tests reads as a real one does: through an on-chain custodian grant for the
 * organization that manages its patients ({@value #ORGANIZATION}). {@link #ensure()} records the grant
 * (admin API, then the chain) once per application start; {@link #manage(IBaseResource)} makes the
 * organization manage a test's Patients.
 */
public final class TestCustodian {

    public static final String ORGANIZATION = "Organization/test-custodian";
    public static final String CLIENT = "ehr-system";

    private TestCustodian() {}

    /** Records the EHR system's custodian grant unless this application already has it in effect. */
    public static synchronized void ensure() {
        AccessIndex index = Arc.container().instance(AccessIndex.class).get();
        if (!index.grantsOf(CLIENT, AccessIndex.Kind.CUSTODIAN, Instant.now()).isEmpty()) {
            return;
        }
        Organization organization = new Organization().setName("PatientTwin test custodian");
        organization.setId(ORGANIZATION);
        given().auth()
                .oauth2(Tokens.ehrSystem())
                .contentType(FhirTestSupport.FHIR_JSON)
                .body(FhirTestSupport.FHIR.newJsonParser().encodeResourceToString(organization))
                .put("/fhir/" + ORGANIZATION)
                .then()
                .statusCode(org.hamcrest.Matchers.oneOf(200, 201));
        given().auth()
                .oauth2(Tokens.dave())
                .contentType("application/json")
                .body(Map.of("kind", "CUSTODIAN", "subject", CLIENT, "target", ORGANIZATION))
                .post("/api/access-grants")
                .then()
                .statusCode(201);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> !index.grantsOf(CLIENT, AccessIndex.Kind.CUSTODIAN, Instant.now())
                        .isEmpty());
    }

    /** Sets the managing organization of a Patient, or of each Patient in a Bundle, that names none. */
    public static void manage(IBaseResource resource) {
        if (resource instanceof Patient patient && !patient.hasManagingOrganization()) {
            patient.setManagingOrganization(new Reference(ORGANIZATION));
        } else if (resource instanceof Bundle bundle) {
            bundle.getEntry().forEach(entry -> manage(entry.getResource()));
        }
    }
}
