package io.patienttwin.ledger;

import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import io.patienttwin.consent.ConsentFixture;
import io.patienttwin.consent.ConsentIndex;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.identity.Tokens;
import io.patienttwin.localstack.AnvilTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent;
import org.junit.jupiter.api.Test;

/**
 * A chain that lost its history (here: another chain answering at the node's URL) is detected and
 * reported, and nothing learnt from the old one permits reads until an operator rebuilds the
 * projection; the rebuild reads the chain again and restores the same state.
 */
@QuarkusTest
class ChainHistoryTest {

    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final Instant IN_PERIOD = Instant.parse("2026-06-01T00:00:00Z");

    @Inject
    LedgerFollower follower;

    @Inject
    ConsentIndex index;

    @Inject
    LedgerClient ledger;

    @Test
    void aHeadReadBeforeAnotherNodeAdvancedTheCursorIsNoLostHistory() {
        await().atMost(WAIT).until(() -> follower.status().state() == LedgerFollower.State.FOLLOWING);
        ChainFacts now = ledger.chainFacts();
        // what a node sees that read the head, then waited for the cursor while another node processed
        // blocks the chain mined meanwhile: a cursor past the head it read
        ChainFacts stale = new ChainFacts(
                now.chainId(),
                now.genesisHash(),
                now.consentRegistry(),
                now.auditAnchor(),
                follower.status().processedBlock() - 1);

        follower.stepWith(stale);

        assertThat(follower.status().state()).isNotEqualTo(LedgerFollower.State.HALTED);
        assertThat(index.trusted()).isTrue();
    }

    @Test
    void anotherChainAtTheNodeHaltsTheFollowerDeniesAndARebuildRestoresTheProjection() {
        String patient = "p-" + UUID.randomUUID();
        Consent consent = ConsentFixture.forPatient("Patient/" + patient);
        String id = parse(fhir().body(json(consent)).post("/fhir/Consent").asString(), Consent.class)
                .getIdPart();
        await().atMost(WAIT).until(() -> !index.consentsOf(patient, IN_PERIOD).isEmpty());
        String versionBefore = meta(id);

        AnvilTestResource.stopChain();
        AnvilTestResource.startChain(true);
        try {
            await().atMost(WAIT).until(() -> follower.status().state() == LedgerFollower.State.HALTED);

            assertThat(follower.status().message())
                    .contains("Chain history lost")
                    .contains("genesis");
            assertThat(index.trusted()).isFalse();
            assertThat(index.consentsOf(patient, IN_PERIOD)).isEmpty();
            given().get("/q/health/ready")
                    .then()
                    .statusCode(503)
                    .body("checks.find { it.name == 'ledger' }.status", equalTo("DOWN"))
                    .body("checks.find { it.name == 'ledger' }.data.error", containsString("Chain history lost"));
        } finally {
            AnvilTestResource.stopChain();
            AnvilTestResource.startChain(false);
        }

        given().auth().oauth2(Tokens.carol()).post("/api/ledger/rebuild").then().statusCode(403);
        given().auth().oauth2(Tokens.dave()).post("/api/ledger/rebuild").then().statusCode(202);

        await().atMost(WAIT).until(() -> !index.consentsOf(patient, IN_PERIOD).isEmpty());
        assertThat(index.trusted()).isTrue();
        assertThat(follower.status().state()).isEqualTo(LedgerFollower.State.FOLLOWING);
        assertThat(index.permitting(patient, "Practitioner/alice", 1L << 3, 1, IN_PERIOD))
                .get()
                .extracting(ConsentIndex.Entry::consentId)
                .isEqualTo(id);
        assertThat(meta(id))
                .as("a rebuild that finds what was known writes no new version")
                .isEqualTo(versionBefore);
        given().get("/q/health/ready").then().statusCode(200);
    }

    private static String meta(String id) {
        return parse(FhirTestSupport.compliance().get("/fhir/Consent/" + id).asString(), Consent.class)
                .getMeta()
                .getVersionId();
    }
}
