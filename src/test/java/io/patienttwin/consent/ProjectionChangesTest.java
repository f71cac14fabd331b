package io.patienttwin.consent;

import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent;
import org.junit.jupiter.api.Test;

/**
 * What another node's change does to this node's index (docs/architecture.md, "Several nodes"): a
 * record changed in the shared database and announced on {@value ProjectionChanges#CHANNEL} — exactly
 * what another node's committing transaction does — is applied here, a denial at once; a change made
 * while this node was not listening is picked up by the full reload when it listens again, and
 * readiness is DOWN in between. The two-node version of this, with two packaged instances, is
 * {@code TwoInstancesIT}.
 */
@QuarkusTest
class ProjectionChangesTest {

    private static final long LABS = DataCategory.LABS.mask();
    private static final int TREAT = (int) Purpose.TREAT.mask();
    private static final Instant IN_2026 = Instant.parse("2026-06-01T00:00:00Z");

    @Inject
    ConsentIndex index;

    @Inject
    ProjectionChanges changes;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aRevocationAnotherNodeAnnouncesDeniesHereAtOnceAndAReinstatementIsReadFromTheDatabase() throws Exception {
        String patient = "p-" + UUID.randomUUID();
        String id = activeConsentOf(patient);
        assertThat(changes.active()).isTrue();

        long received = changes.received();
        announce(
                "update consent_record set requested = 'REVOKED' where consent_id = ?",
                id,
                "consent|" + id + "|" + patient);

        await().atMost(Duration.ofSeconds(2)).until(() -> permits(patient).isEmpty());
        assertThat(changes.received()).isGreaterThan(received);

        // an announcement without the denial hint: the record is read, and it says effective again
        announce("update consent_record set requested = 'ACTIVE' where consent_id = ?", id, "consent|" + id);

        await().atMost(Duration.ofSeconds(2)).until(() -> permits(patient).isPresent());
    }

    @Test
    void aChangeMadeWhileThisNodeWasNotListeningIsPickedUpWhenItListensAgainAndItIsUnreadyMeanwhile() throws Exception {
        String patient = "p-" + UUID.randomUUID();
        String id = activeConsentOf(patient);

        try (Connection c = dataSource.getConnection();
                PreparedStatement ps = c.prepareStatement("select pg_terminate_backend(pid) from pg_stat_activity"
                        // the listening connection's last statement: LISTEN on its last channel
                        + " where query like 'LISTEN patienttwin%' and datname = current_database()"
                        + " and pid <> pg_backend_pid()")) {
            ps.execute();
        }
        // revoked behind this node's back, with nobody listening for it here
        try (Connection c = dataSource.getConnection();
                PreparedStatement ps =
                        c.prepareStatement("update consent_record set requested = 'REVOKED' where consent_id = ?")) {
            ps.setString(1, id);
            assertThat(ps.executeUpdate()).isEqualTo(1);
        }

        await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(10))
                .until(() -> !changes.listening());
        given().get("/q/health/ready").then().statusCode(503);
        await().atMost(Duration.ofSeconds(10)).until(changes::listening);
        assertThat(permits(patient)).as("reloaded after listening again").isEmpty();
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void readinessNamesTheListener() {
        String body =
                given().get("/q/health/ready").then().statusCode(200).extract().asString();

        assertThat(body).contains("projection-changes").containsPattern("\"active\":\\s*true");
    }

    private java.util.Optional<ConsentIndex.Entry> permits(String patient) {
        return index.permitting(patient, "Practitioner/alice", LABS, TREAT, IN_2026);
    }

    private String activeConsentOf(String patient) {
        Response created = fhir().body(json(ConsentFixture.forPatient("Patient/" + patient)))
                .post("/fhir/Consent");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String id = parse(created.asString(), Consent.class).getIdPart();
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> permits(patient).isPresent());
        return id;
    }

    /** What another node's transaction does: change the row and announce it, committed together. */
    private void announce(String update, String id, String payload) throws Exception {
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement ps = c.prepareStatement(update)) {
                ps.setString(1, id);
                assertThat(ps.executeUpdate()).isEqualTo(1);
            }
            try (PreparedStatement ps = c.prepareStatement("select pg_notify(?, ?)")) {
                ps.setString(1, ProjectionChanges.CHANNEL);
                ps.setString(2, payload);
                ps.execute();
            }
            c.commit();
        }
    }
}
