package io.patienttwin.audit;

import static io.patienttwin.fhir.FhirTestSupport.FHIR_JSON;
import static io.patienttwin.fhir.FhirTestSupport.ensurePatient;
import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.patienttwin.identity.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Every HTTP request the audit's group commit counts is counted out again once answered, whichever
 * part of the application answered it. A request left counted makes every later group wait the whole
 * group-commit wait with the CPU idle, which the benchmark showed and no functional test did: so each
 * test checks the count well within {@link AuditTrail#STALE_AFTER}, before a lost close would expire.
 */
@QuarkusTest
class RequestsInFlightTest {

    private static final Duration WITHIN = Duration.ofMillis(500);

    @Inject
    AuditTrail trail;

    /** Each test starts from no request in progress: what earlier tests left has expired by then. */
    @BeforeEach
    void earlierRequestsAreOver() {
        await().atMost(AuditTrail.STALE_AFTER.plusSeconds(1)).until(() -> trail.inProgress() == 0);
    }

    private void assertNothingLeftInProgress() {
        assertThat(WITHIN).isLessThan(AuditTrail.STALE_AFTER);
        await().atMost(WITHIN).pollInterval(Duration.ofMillis(10)).until(() -> trail.inProgress() == 0);
    }

    @Test
    void aFhirReadAnsweredByTheServletIsCountedOut() {
        String id = "in-flight-" + UUID.randomUUID();
        ensurePatient(id);
        for (int i = 0; i < 20; i++) {
            fhir().get("/fhir/Patient/" + id).then().statusCode(200);
        }
        assertNothingLeftInProgress();
    }

    @Test
    void aForbiddenReadAndASearchAreCountedOut() {
        given().auth()
                .oauth2(Tokens.alice())
                .accept(FHIR_JSON)
                .get("/fhir/Patient/in-flight-nobody-" + UUID.randomUUID())
                .then()
                .statusCode(403);
        fhir().get("/fhir/Patient?_count=5").then().statusCode(200);
        assertNothingLeftInProgress();
    }

    @Test
    void requestsRefusedBeforeTheServletAreCountedOut() {
        given().accept(FHIR_JSON).get("/fhir/Patient").then().statusCode(401);
        given().get("/q/health/live").then().statusCode(200);
        assertNothingLeftInProgress();
    }
}
