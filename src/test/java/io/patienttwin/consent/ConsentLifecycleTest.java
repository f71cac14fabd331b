package io.patienttwin.consent;

import static io.patienttwin.fhir.FhirTestSupport.fhir;
import static io.patienttwin.fhir.FhirTestSupport.json;
import static io.patienttwin.fhir.FhirTestSupport.parse;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.agroal.api.AgroalDataSource;
import io.patienttwin.fhir.FhirTestSupport;
import io.patienttwin.ledger.LedgerCall;
import io.patienttwin.ledger.LedgerClient;
import io.patienttwin.ledger.LedgerOutbox;
import io.patienttwin.ledger.OutboxEntry;
import io.patienttwin.ledger.OutboxWriter;
import io.patienttwin.ledger.RegistryEvent;
import io.patienttwin.ledger.Submission;
import io.patienttwin.localstack.AnvilTestResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Consent;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.web3j.utils.Numeric;

/**
 * A FHIR Consent's life on the chain, against the test JVM's Anvil: proposed until the chain confirms
 * it, then active with its proof; revoked locally at once, then on chain; kept through a chain outage
 * and a writer restart without a second record; refused or rejected when it cannot be recorded.
 */
@QuarkusTest
class ConsentLifecycleTest {

    private static final Duration CONFIRMATION = Duration.ofSeconds(20);
    /** A data category and purpose the fixture's consent covers: labs (bit 3) for TREAT (bit 0). */
    private static final long LABS = DataCategory.LABS.mask();

    private static final int TREAT = (int) Purpose.TREAT.mask();

    @Inject
    ConsentIndex index;

    @Inject
    LedgerClient ledger;

    @Inject
    LedgerOutbox outbox;

    @Inject
    OutboxWriter writer;

    @Inject
    Pseudonyms pseudonyms;

    @Inject
    AgroalDataSource dataSource;

    @Test
    void aGrantIsProposedUntilTheChainConfirmsItThenActiveWithItsProofAndInTheIndex() {
        String patient = "p-" + UUID.randomUUID();
        Consent sent = consentOf(patient);
        sent.setStatus(Consent.ConsentState.ACTIVE); // a client cannot make it active itself
        sent.addExtension(new Extension(ConsentMapper.PROOF_EXTENSION, new StringType("forged")));

        Response created = fhir().body(json(sent)).post("/fhir/Consent");

        assertThat(created.statusCode()).isEqualTo(201);
        Consent proposed = parse(created.asString(), Consent.class);
        assertThat(proposed.getStatus()).isEqualTo(Consent.ConsentState.PROPOSED);
        assertThat(proof(proposed, "transactionHash")).isNull();
        String id = proposed.getIdPart();

        Consent active = awaitStatus(id, Consent.ConsentState.ACTIVE);

        assertThat(proof(active, "transactionHash")).matches("0x[0-9a-f]{64}");
        assertThat(proof(active, "contract")).matches("0x[0-9a-f]{40}");
        assertThat(proof(active, "recordId")).isEqualTo(Numeric.toHexString(pseudonyms.consentId(id)));
        assertThat(active.getExtensionByUrl(ConsentMapper.PROOF_EXTENSION)
                        .getExtensionByUrl("blockNumber")
                        .getValue()
                        .primitiveValue())
                .matches("\\d+");
        assertThat(index.permitting(patient, "Practitioner/alice", LABS, TREAT, Instant.parse("2026-06-01T00:00:00Z")))
                .get()
                .extracting(ConsentIndex.Entry::consentId)
                .isEqualTo(id);
        assertThat(grantsOnChain(id)).isEqualTo(1);
    }

    @Test
    void aRevocationDeniesAtOnceAndIsThenRecordedOnChain() {
        String patient = "p-" + UUID.randomUUID();
        String id = createAndAwaitActive(consentOf(patient));
        Consent consent = read(id);
        consent.setStatus(Consent.ConsentState.INACTIVE);

        Response revoked = fhir().body(json(consent)).put("/fhir/Consent/" + id);

        assertThat(revoked.statusCode()).isEqualTo(200);
        // the very next decision, before the chain has heard of it
        assertThat(index.permitting(patient, "Practitioner/alice", LABS, TREAT, Instant.parse("2026-06-01T00:00:00Z")))
                .isEmpty();
        assertThat(parse(revoked.asString(), Consent.class).getStatus()).isEqualTo(Consent.ConsentState.INACTIVE);
        await().atMost(CONFIRMATION).until(() -> proof(read(id), "revocationTransactionHash") != null);
        assertThat(read(id).getStatus()).isEqualTo(Consent.ConsentState.INACTIVE);
        assertThat(revocationsOnChain(id)).isEqualTo(1);
        assertThat(index.consentsOf(patient, Instant.parse("2026-06-01T00:00:00Z")))
                .isEmpty();
    }

    @Test
    void aGrantWrittenWhileTheChainIsDownStaysProposedAndBecomesActiveOnceWhenItIsBack() {
        String patient = "p-" + UUID.randomUUID();
        AnvilTestResource.stopChain();
        String id;
        try {
            Response created = fhir().body(json(consentOf(patient))).post("/fhir/Consent");
            assertThat(created.statusCode()).isEqualTo(201);
            id = parse(created.asString(), Consent.class).getIdPart();

            await().atMost(CONFIRMATION).until(() -> grantEntry(id).attempts >= 2);
            assertThat(grantEntry(id).state).isEqualTo(OutboxEntry.State.PENDING);
            assertThat(grantEntry(id).lastError).contains("not reachable");
            assertThat(read(id).getStatus()).isEqualTo(Consent.ConsentState.PROPOSED);
        } finally {
            AnvilTestResource.startChain(false);
        }

        awaitStatus(id, Consent.ConsentState.ACTIVE);
        assertThat(grantsOnChain(id)).isEqualTo(1);
        assertThat(grantEntry(id).state).isEqualTo(OutboxEntry.State.CONFIRMED);
    }

    @Test
    void pendingWritesCompleteAfterAWriterRestartWithoutASecondRecordEvenWhenTheCrashHappenedAfterSending() {
        String patient = "p-" + UUID.randomUUID();
        writer.stop();
        String sentBeforeCrash;
        String notSent;
        try {
            sentBeforeCrash = create(consentOf(patient));
            notSent = create(consentOf(patient));
            // the crashed writer had sent the first write, and died before recording it
            List<Submission> sent =
                    ledger.submitAll(List.of(grantEntry(sentBeforeCrash).call()));
            assertThat(sent.get(0)).isInstanceOf(Submission.Included.class);
            assertThat(grantEntry(sentBeforeCrash).state).isEqualTo(OutboxEntry.State.PENDING);
        } finally {
            writer.start();
        }

        awaitStatus(sentBeforeCrash, Consent.ConsentState.ACTIVE);
        awaitStatus(notSent, Consent.ConsentState.ACTIVE);
        assertThat(grantsOnChain(sentBeforeCrash)).isEqualTo(1);
        assertThat(grantsOnChain(notSent)).isEqualTo(1);
        await().atMost(CONFIRMATION).until(() -> grantEntry(sentBeforeCrash).state != OutboxEntry.State.PENDING);
        assertThat(grantEntry(sentBeforeCrash).state).isEqualTo(OutboxEntry.State.CONFIRMED);
        assertThat(grantEntry(sentBeforeCrash).txHash)
                .as("found on chain, not sent again")
                .isNull();
        assertThat(grantEntry(notSent).txHash).isNotNull();
    }

    @Test
    void aConsentWhoseIdTheChainHoldsForAnotherDocumentIsRejectedWithTheReason() {
        writer.stop();
        String id;
        try {
            id = create(consentOf("p-" + UUID.randomUUID()));
            // another record under the same on-chain id, e.g. from a node sharing the pseudonym secret
            OutboxEntry entry = grantEntry(id);
            String forged = entry.callData.replace(entry.documentHash.substring(2), "ab".repeat(32));
            assertThat(forged).isNotEqualTo(entry.callData);
            assertThat(ledger.submitAll(List.of(new LedgerCall(entry.contract, forged)))
                            .get(0))
                    .isInstanceOf(Submission.Included.class);
        } finally {
            writer.start();
        }

        Consent rejected = awaitStatus(id, Consent.ConsentState.REJECTED);

        assertThat(proof(rejected, "rejection")).contains("another document");
        await().atMost(CONFIRMATION).until(() -> grantEntry(id).state != OutboxEntry.State.PENDING);
        assertThat(grantEntry(id).state).isEqualTo(OutboxEntry.State.REJECTED);
        assertThat(grantEntry(id).lastError).contains("another document hash");
        assertThat(index.consentsOf(rejected.getPatient().getReferenceElement().getIdPart(), Instant.now()))
                .isEmpty();
    }

    @Test
    void verifyReportsAMatchAndThenTheMismatchOfAConsentAlteredInTheDatabase() throws Exception {
        String id = createAndAwaitActive(consentOf("p-" + UUID.randomUUID()));

        Parameters before = verify(id);
        assertThat(before.getParameter("result").getValue().primitiveValue()).isEqualTo("match");
        assertThat(before.getParameter("computedDocumentHash").getValue().primitiveValue())
                .isEqualTo(before.getParameter("onChainDocumentHash").getValue().primitiveValue());
        assertThat(before.getParameter("transactionHash")).isNotNull();

        try (Connection connection = dataSource.getConnection();
                PreparedStatement tamper = connection.prepareStatement("update fhir_resource_version set body ="
                        + " replace(body, '\"code\":\"labs\"', '\"code\":\"genomics\"') where res_type = 'Consent'"
                        + " and res_id = ?")) {
            tamper.setString(1, id);
            assertThat(tamper.executeUpdate()).isPositive();
        }

        Parameters after = verify(id);
        assertThat(after.getParameter("result").getValue().primitiveValue()).isEqualTo("mismatch");
        assertThat(after.getParameter("onChainDocumentHash").getValue().primitiveValue())
                .isEqualTo(before.getParameter("onChainDocumentHash").getValue().primitiveValue());
    }

    @Test
    void theTermsOfARecordedConsentCannotChangeAndARevokedOneCannotComeBack() {
        String id = create(consentOf("p-" + UUID.randomUUID()));
        Consent changed = read(id);
        changed.getProvision().getCodeFirstRep().getCodingFirstRep().setCode("genomics");

        Response refused = fhir().body(json(changed)).put("/fhir/Consent/" + id);

        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(parse(refused.asString(), OperationOutcome.class)
                        .getIssueFirstRep()
                        .getDiagnostics())
                .startsWith("PT-CONSENT-422-IMMUTABLE");

        Consent revoked = read(id);
        revoked.setStatus(Consent.ConsentState.INACTIVE);
        fhir().body(json(revoked)).put("/fhir/Consent/" + id).then().statusCode(200);
        Consent again = read(id);
        again.setStatus(Consent.ConsentState.ACTIVE);

        Response reactivated = fhir().body(json(again)).put("/fhir/Consent/" + id);

        assertThat(reactivated.statusCode()).isEqualTo(422);
        assertThat(parse(reactivated.asString(), OperationOutcome.class)
                        .getIssueFirstRep()
                        .getDiagnostics())
                .startsWith("PT-CONSENT-422-REVOKED");
    }

    @Test
    void aDraftIsStoredWithoutAChainRecordAndANewConsentCannotStartInactive() {
        Consent draft = consentOf("p-" + UUID.randomUUID());
        draft.setStatus(Consent.ConsentState.DRAFT);
        String id = create(draft);

        assertThat(read(id).getStatus()).isEqualTo(Consent.ConsentState.DRAFT);
        assertThat(outbox(id)).isEmpty();
        assertThat(verify(id).getParameter("result").getValue().primitiveValue())
                .isEqualTo("not-recorded");

        Consent inactive = consentOf("p-" + UUID.randomUUID());
        inactive.setStatus(Consent.ConsentState.INACTIVE);
        Response refused = fhir().body(json(inactive)).post("/fhir/Consent");
        assertThat(refused.statusCode()).isEqualTo(422);
        assertThat(refused.asString()).contains("PT-CONSENT-422-STATUS");
    }

    @Test
    void deletingAnActiveConsentRevokesIt() {
        String patient = "p-" + UUID.randomUUID();
        String id = createAndAwaitActive(consentOf(patient));

        fhir().delete("/fhir/Consent/" + id).then().statusCode(200);

        assertThat(index.consentsOf(patient, Instant.parse("2026-06-01T00:00:00Z")))
                .isEmpty();
        await().atMost(CONFIRMATION).until(() -> revocationsOnChain(id) == 1);
    }

    // --- helpers -------------------------------------------------------------------------------

    private static Consent consentOf(String patientId) {
        Consent consent = ConsentFixture.forPatient("Patient/" + patientId);
        return consent;
    }

    private static String create(Consent consent) {
        Response created = fhir().body(json(consent)).post("/fhir/Consent");
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        return parse(created.asString(), Consent.class).getIdPart();
    }

    private static String createAndAwaitActive(Consent consent) {
        String id = create(consent);
        awaitStatus(id, Consent.ConsentState.ACTIVE);
        return id;
    }

    private static Consent read(String id) {
        return parse(FhirTestSupport.compliance().get("/fhir/Consent/" + id).asString(), Consent.class);
    }

    private static Consent awaitStatus(String id, Consent.ConsentState status) {
        await().atMost(CONFIRMATION).pollInterval(Duration.ofMillis(50)).until(() -> read(id).getStatus() == status);
        return read(id);
    }

    private static Parameters verify(String id) {
        Response response = FhirTestSupport.compliance().get("/fhir/Consent/" + id + "/$verify");
        assertThat(response.statusCode()).as(response.asString()).isEqualTo(200);
        return parse(response.asString(), Parameters.class);
    }

    private static String proof(Consent consent, String part) {
        Extension proof = consent.getExtensionByUrl(ConsentMapper.PROOF_EXTENSION);
        if (proof == null || proof.getExtensionByUrl(part) == null) {
            return null;
        }
        return proof.getExtensionByUrl(part).getValue().primitiveValue();
    }

    private OutboxEntry grantEntry(String consentId) {
        return QuarkusTransaction.requiringNew()
                .call(() -> outbox.find(OutboxEntry.Action.GRANT_CONSENT, pseudonyms.consentId(consentId))
                        .orElseThrow());
    }

    private List<OutboxEntry> outbox(String consentId) {
        String recordId = Numeric.toHexString(pseudonyms.consentId(consentId));
        return QuarkusTransaction.requiringNew().call(() -> OutboxEntry.<OutboxEntry>list("recordId", recordId));
    }

    private long grantsOnChain(String consentId) {
        return eventsOnChain(consentId, RegistryEvent.ConsentGranted.class);
    }

    private long revocationsOnChain(String consentId) {
        return eventsOnChain(consentId, RegistryEvent.ConsentRevoked.class);
    }

    private long eventsOnChain(String consentId, Class<? extends RegistryEvent> type) {
        String recordId = Numeric.toHexString(pseudonyms.consentId(consentId));
        long head = ledger.chainFacts().headBlock();
        return ledger.registryEvents(0, head).stream()
                .filter(type::isInstance)
                .filter(e -> e.recordId().equals(recordId))
                .count();
    }
}
