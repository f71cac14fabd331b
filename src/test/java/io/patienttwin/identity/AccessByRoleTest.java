package io.patienttwin.identity;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.create;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.startsWith;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Each dev principal's token against each endpoint class, with the real Keycloak: who gets 200, 401 or
 * 403. The expected statuses follow from the realm's roles and SMART scopes and, for the clinical read,
 * from the gate: the patient gave no consent, so only its custodian EHR system reads it.
 */
@QuarkusTest
class AccessByRoleTest {

    /** An endpoint class and how to call it with a request specification. */
    private record Endpoint(String name, java.util.function.Function<RequestSpecification, Response> call) {}

    private String patientId;

    @BeforeEach
    void storePatient() {
        patientId = create(new Patient().setActive(true));
    }

    private List<Endpoint> endpoints() {
        return List.of(
                new Endpoint("FHIR read", r -> r.get("/fhir/Patient/" + patientId)),
                new Endpoint("FHIR search", r -> r.get("/fhir/Observation?_count=1")),
                new Endpoint(
                        "FHIR write",
                        r -> r.contentType(FHIR_JSON).body(json(new Patient())).post("/fhir/Patient")),
                new Endpoint("FHIR consent search", r -> r.get("/fhir/Consent?_count=1")),
                new Endpoint("API", r -> r.accept("application/json").get("/api/me")));
    }

    /** Expected status per principal and endpoint class, in the order of {@link #endpoints()}. */
    private static final Map<String, List<Integer>> EXPECTED = Map.of(
            // the scopes allow the read; no consent of the patient does (the gate, ConsentGateTest)
            "alice", List.of(403, 200, 403, 200, 200),
            "bob", List.of(403, 200, 403, 200, 200),
            "carol", List.of(403, 403, 403, 200, 200),
            "pat", List.of(403, 200, 403, 200, 200),
            "ehr-system", List.of(200, 200, 201, 200, 200));

    private static final Map<String, Supplier<String>> TOKENS = Map.of(
            "alice", Tokens::alice,
            "bob", Tokens::bob,
            "carol", Tokens::carol,
            "pat", Tokens::pat,
            "ehr-system", Tokens::ehrSystem);

    @TestFactory
    Stream<DynamicTest> eachPrincipalGetsTheExpectedStatusFromEachEndpointClass() {
        List<DynamicTest> tests = new ArrayList<>();
        List<Endpoint> endpoints = endpoints();
        EXPECTED.forEach((principal, statuses) -> {
            for (int i = 0; i < endpoints.size(); i++) {
                Endpoint endpoint = endpoints.get(i);
                int expected = statuses.get(i);
                tests.add(DynamicTest.dynamicTest(principal + " → " + endpoint.name() + " = " + expected, () -> {
                    Response response = endpoint.call()
                            .apply(given().accept(FHIR_JSON)
                                    .auth()
                                    .oauth2(TOKENS.get(principal).get()));
                    assertThat(response.statusCode()).as(response.asString()).isEqualTo(expected);
                    if (expected == 403 && endpoint.name().startsWith("FHIR")) {
                        // refused by the SMART scopes, or (a read the scopes allow) by the consent gate
                        boolean gate = endpoint.name().equals("FHIR read") && !principal.equals("carol");
                        assertThat(response.asString())
                                .contains("OperationOutcome")
                                .contains(gate ? "PT-POLICY-403" : "PT-AUTH-403");
                    }
                }));
            }
        });
        return tests.stream();
    }

    @Test
    void withoutATokenEveryProtectedEndpointAnswers401WithWwwAuthenticate() {
        for (Endpoint endpoint : endpoints()) {
            Response response = endpoint.call().apply(given().accept(FHIR_JSON));
            assertThat(response.statusCode()).as(endpoint.name()).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).as(endpoint.name()).startsWith("Bearer");
        }
    }

    @Test
    void metadataAndSmartConfigurationArePublic() {
        given().accept(FHIR_JSON).get("/fhir/metadata").then().statusCode(200);
        given().get("/fhir/.well-known/smart-configuration")
                .then()
                .statusCode(200)
                .body("token_endpoint", startsWith(System.getProperty("twin.test.keycloak.realm-url")))
                .body("capabilities.toString()", containsString("permission-v2"));
    }

    @Test
    void apiMeDescribesTheCallerFromTheToken() {
        given().auth()
                .oauth2(Tokens.alice())
                .get("/api/me")
                .then()
                .statusCode(200)
                .body("kind", org.hamcrest.Matchers.equalTo("PRACTITIONER"))
                .body("fhirUser", org.hamcrest.Matchers.equalTo("Practitioner/alice"))
                .body("roles", org.hamcrest.Matchers.hasItems("clinician", "break-glass"))
                .body("scopes", org.hamcrest.Matchers.contains("user/*.rs"));
    }

    @Test
    void aTransactionIsRefusedWholeWhenOneEntryIsOutOfScope() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setResource(new Patient())
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Response response = given().accept(FHIR_JSON)
                .contentType(FHIR_JSON)
                .auth()
                .oauth2(Tokens.alice())
                .body(json(bundle))
                .post("/fhir");
        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(response.asString()).contains("PT-AUTH-403");
    }
}
