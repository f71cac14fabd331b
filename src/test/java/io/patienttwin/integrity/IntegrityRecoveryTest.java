package io.patienttwin.integrity;

import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.subject;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.ledger.IntegrityAnchorer;
import io.patienttwin.ledger.IntegrityBatch;
import io.patienttwin.ledger.LedgerCall;
import io.patienttwin.ledger.LedgerClient;
import io.patienttwin.ledger.LedgerRecords;
import io.patienttwin.ledger.OutboxEntry;
import io.patienttwin.ledger.OutboxWriter;
import io.patienttwin.ledger.Submission;
import io.patienttwin.localstack.AnvilTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/**
 * The anchoring survives its failures: a batch built and committed but not yet sent when the writer
 * died, one sent but not recorded, a batch id the chain already holds with another root, and the chain
 * down under a write load. In every case exactly one root per batch is on chain, the root is ours, and
 * every leaf gets a proof that verifies offline.
 */
@QuarkusTest
class IntegrityRecoveryTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration ANCHORED = Duration.ofSeconds(30);

    @Inject
    IntegrityAnchorer anchorer;

    @Inject
    OutboxWriter writer;

    @Inject
    LedgerClient ledger;

    @Inject
    io.agroal.api.AgroalDataSource dataSource;

    @ConfigProperty(name = "twin.ledger.rpc-url")
    String rpcUrl;

    @Test
    void aBatchBuiltButNotSentWhenTheWriterStoppedIsAnchoredOnceAfterTheRestart() throws Exception {
        subject(); // the test custodian's grant and patient need the chain and the writer: first
        writer.stop();
        String id;
        long batch;
        try {
            id = createObservation("71.125");
            batch = closedBatchOf(id);
            assertThat(outboxEntry(batch).state).isEqualTo(OutboxEntry.State.PENDING);
        } finally {
            writer.start();
        }

        awaitAnchored(batch);

        assertThat(outboxEntry(batch).state).isEqualTo(OutboxEntry.State.CONFIRMED);
        assertThat(outboxEntry(batch).txHash).as("sent by the writer").isNotNull();
        assertOursOnChain(batch);
        assertVerifiesOffline(id);
    }

    @Test
    void aBatchSentButNotRecordedBeforeACrashIsFoundOnChainAndNotSentAgain() throws Exception {
        subject(); // the test custodian's grant and patient need the chain and the writer: first
        writer.stop();
        String id;
        long batch;
        try {
            id = createObservation("72.125");
            batch = closedBatchOf(id);
            // the crashed writer had sent the anchor, and died before recording it
            List<Submission> sent = ledger.submitAll(List.of(outboxEntry(batch).call()));
            assertThat(sent.get(0)).isInstanceOf(Submission.Included.class);
            assertThat(outboxEntry(batch).state).isEqualTo(OutboxEntry.State.PENDING);
        } finally {
            writer.start();
        }

        awaitAnchored(batch);

        assertThat(outboxEntry(batch).state).isEqualTo(OutboxEntry.State.CONFIRMED);
        assertThat(outboxEntry(batch).txHash)
                .as("found on chain, not sent again")
                .isNull();
        assertOursOnChain(batch);
        assertVerifiesOffline(id);
    }

    @Test
    void aBatchIdTheChainHoldsWithAnotherRootIsRefusedNotConfirmed() throws Exception {
        subject(); // the test custodian's grant and patient need the chain and the writer: first
        writer.stop();
        long batch;
        try {
            String id = createObservation("73.125");
            batch = closedBatchOf(id);
            IntegrityBatch closed = batchRow(batch);
            byte[] forged = new byte[32];
            forged[31] = 1;
            List<Submission> sent = ledger.submitAll(List.of(LedgerCall.anchorAuditBatch(new LedgerRecords.AuditBatch(
                    Numeric.hexStringToByteArray(closed.chainBatch), forged, closed.leafCount, 1, 2))));
            assertThat(sent.get(0)).isInstanceOf(Submission.Included.class);
        } finally {
            writer.start();
        }

        await().atMost(ANCHORED).until(() -> outboxEntry(batch).state != OutboxEntry.State.PENDING);

        assertThat(outboxEntry(batch).state).isEqualTo(OutboxEntry.State.REJECTED);
        assertThat(outboxEntry(batch).lastError).contains("another Merkle root");
        anchorer.runOnce();
        assertThat(anchorer.isAnchored(batch)).as("never recorded as anchored").isFalse();
        Response swept =
                given().auth().oauth2(io.patienttwin.identity.Tokens.carol()).post("/api/integrity/sweep");
        swept.then().statusCode(200);
        assertThat(swept.asString()).contains("\"kind\":\"REFUSED\",\"batch\":" + batch + ",");
    }

    @Test
    void closeNowWaitsForARoundInTheMiddleOfClosingAndLeavesNoLeafUnbatched() throws Exception {
        subject(); // the test custodian's grant and patient need the chain and the writer: first
        String id = createObservation("75.125");
        java.util.concurrent.ExecutorService caller = java.util.concurrent.Executors.newSingleThreadExecutor();
        try {
            java.util.concurrent.Future<Integer> closing;
            // another node's round in the middle of closing a batch: it holds the anchor lock
            try (java.sql.Connection round = dataSource.getConnection()) {
                round.setAutoCommit(false);
                try (java.sql.Statement lock = round.createStatement()) {
                    lock.executeQuery("select id from integrity_anchor_lock where id = 1 for update")
                            .close();
                }
                closing = caller.submit(() -> anchorer.closeNow());
                Thread.sleep(500);
                assertThat(closing.isDone())
                        .as("closeNow waits for the round in progress")
                        .isFalse();
                round.commit();
            }
            closing.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(batchOf(id))
                    .as("the leaf is in a batch once closeNow returns")
                    .isPositive();
        } finally {
            caller.shutdownNow();
        }
    }

    @Test
    void writesDuringAChainOutageAllSucceedAndAnchorOnceTheChainIsBack() throws Exception {
        subject(); // the test custodian's grant and patient need the chain and the writer: first
        long seconds = Long.getLong("integrity.outage.seconds", 60);
        List<String> written = new ArrayList<>();
        long batchDuringOutage;
        AnvilTestResource.stopChain();
        try {
            Instant until = Instant.now().plusSeconds(seconds);
            int failures = 0;
            while (Instant.now().isBefore(until)) {
                Response created = fhir().body(json(observation("74.125"))).post("/fhir/Observation");
                if (created.statusCode() == 201) {
                    written.add(created.jsonPath().getString("id"));
                } else {
                    failures++;
                }
                if (written.size() == 50) {
                    anchorer.closeNow(); // a batch closed while the chain is down waits in the outbox
                }
            }
            assertThat(failures).as("writes refused while the chain was down").isZero();
            batchDuringOutage = closedBatchOf(written.get(written.size() - 1));
            JsonNode ready = JSON.readTree(given().get("/q/health/ready")
                    .then()
                    .statusCode(200)
                    .extract()
                    .asString());
            JsonNode ledgerCheck = null;
            for (JsonNode check : ready.path("checks")) {
                if ("ledger".equals(check.path("name").asText())) {
                    ledgerCheck = check;
                }
            }
            assertThat(ledgerCheck).isNotNull();
            assertThat(ledgerCheck.path("status").asText())
                    .as("ready: writes go on")
                    .isEqualTo("UP");
            assertThat(ledgerCheck.path("data").path("chainReachable").asBoolean())
                    .isFalse();
            assertThat(ledgerCheck
                            .path("data")
                            .path("integrityUnanchoredBatches")
                            .asLong())
                    .as("the backlog is reported")
                    .isGreaterThanOrEqualTo(2);
        } finally {
            AnvilTestResource.startChain(false);
        }

        // the outbox retries with a backoff of at most a minute
        await().atMost(Duration.ofSeconds(120))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    anchorer.runOnce();
                    return anchorer.isAnchored(batchDuringOutage);
                });
        assertThat(written).hasSizeGreaterThan(50);
        assertOursOnChain(batchDuringOutage);
        assertVerifiesOffline(written.get(0));
        assertVerifiesOffline(written.get(written.size() - 1));
    }

    // --- helpers

    private static Observation observation(String value) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.getCode().addCoding().setSystem("http://loinc.org").setCode("2160-0");
        observation.setSubject(subject());
        observation.setValue(
                new Quantity().setValue(new java.math.BigDecimal(value)).setUnit("mg/dL"));
        return observation;
    }

    private static String createObservation(String value) {
        return io.patienttwin.fhir.FhirTestSupport.create(observation(value));
    }

    /** The batch of version 1 of an Observation, from its proof. */
    /**
     * Closes a batch now and returns the one that holds the Observation's leaf. The anchorer's own round
     * may be closing a batch at that moment; {@code closeNow} waits for it, so the leaf is in a batch
     * either way (before it did not: two CI failures, 2026-12-08, when the background round had taken
     * the leaf and not yet committed).
     */
    private long closedBatchOf(String id) throws Exception {
        anchorer.closeNow();
        return batchOf(id);
    }

    private static long batchOf(String id) throws Exception {
        JsonNode proof = JSON.readTree(fhir().get("/fhir/Observation/" + id + "/_history/1/$proof")
                .then()
                .statusCode(200)
                .extract()
                .asString());
        return Long.parseLong(ProofJson.value(proof, "batch"));
    }

    private void awaitAnchored(long batch) {
        await().atMost(ANCHORED).pollInterval(Duration.ofMillis(200)).until(() -> {
            anchorer.runOnce();
            return anchorer.isAnchored(batch);
        });
    }

    private void assertOursOnChain(long batch) {
        IntegrityBatch row = batchRow(batch);
        LedgerRecords.Anchored onChain =
                ledger.anchorOf(Numeric.hexStringToByteArray(row.chainBatch)).orElseThrow();
        assertThat(onChain.merkleRoot()).isEqualToIgnoringCase(row.merkleRoot);
        assertThat(onChain.count()).isEqualTo(row.leafCount);
        assertThat(QuarkusTransaction.requiringNew()
                        .call(() -> OutboxEntry.count(
                                "action = ?1 and recordId = ?2",
                                OutboxEntry.Action.ANCHOR_AUDIT_BATCH,
                                row.chainBatch)))
                .as("one chain write per batch")
                .isEqualTo(1);
    }

    private void assertVerifiesOffline(String id) throws Exception {
        String resource = fhir().get("/fhir/Observation/" + id + "/_history/1")
                .then()
                .statusCode(200)
                .extract()
                .asString();
        await().atMost(ANCHORED).pollInterval(Duration.ofMillis(200)).until(() -> {
            anchorer.runOnce();
            return "anchored".equals(ProofJson.value(proof(id), "status"));
        });
        JsonNode proof = proof(id);
        VerifyCommand.Result result =
                VerifyCommand.verify(proof.toString(), resource, rpcUrl, ProofJson.value(proof, "contract"));
        assertThat(result.verified()).as(result.message()).isTrue();
    }

    private static JsonNode proof(String id) throws Exception {
        return JSON.readTree(fhir().get("/fhir/Observation/" + id + "/_history/1/$proof")
                .then()
                .statusCode(200)
                .extract()
                .asString());
    }

    private static IntegrityBatch batchRow(long batch) {
        return QuarkusTransaction.requiringNew().call(() -> IntegrityBatch.<IntegrityBatch>findById(batch));
    }

    private static OutboxEntry outboxEntry(long batch) {
        return QuarkusTransaction.requiringNew()
                .call(() -> OutboxEntry.<OutboxEntry>findById(IntegrityBatch.<IntegrityBatch>findById(batch).outboxId));
    }
}
