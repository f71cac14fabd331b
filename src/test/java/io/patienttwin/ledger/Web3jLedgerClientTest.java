package io.patienttwin.ledger;

import static io.patienttwin.ledger.ChainFixture.random32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.patienttwin.localstack.AnvilProcess;
import io.patienttwin.localstack.AnvilTestResource;
import io.patienttwin.localstack.ChildProcesses;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.math.BigInteger;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/** The ledger client of the running application against the test chain (Anvil). */
@QuarkusTest
class Web3jLedgerClientTest {

    @Inject
    LedgerClient ledger;

    @Inject
    LedgerConfig config;

    @Test
    void connectsToTheConfiguredChainWithBothContractsDeployed() throws Exception {
        ChainFacts facts = ledger.chainFacts();

        assertThat(facts.chainId()).isEqualTo(1337);
        assertThat(facts.genesisHash()).startsWith("0x").hasSize(66);
        assertThat(facts.headBlock()).isGreaterThanOrEqualTo(2);
        Web3j web3j = Web3j.build(new HttpService(AnvilTestResource.rpcUrl()));
        try {
            for (String contract : List.of(facts.consentRegistry(), facts.auditAnchor())) {
                assertThat(web3j.ethGetCode(contract, DefaultBlockParameterName.LATEST)
                                .send()
                                .getCode())
                        .hasSizeGreaterThan(2);
            }
        } finally {
            web3j.shutdown();
        }
    }

    @Test
    void everyWriteIsIncludedInABlockAndReturnsItsProof() {
        byte[] consentId = random32();
        LedgerReceipt granted = ledger.grantConsent(consent(consentId));
        LedgerReceipt revoked = ledger.revokeConsent(consentId, random32());
        byte[] grantId = random32();
        LedgerReceipt access = ledger.grantAccess(
                new LedgerRecords.AccessGrant(grantId, LedgerRecords.AccessKind.CUSTODIAN, random32(), random32(), 0));
        LedgerReceipt accessRevoked = ledger.revokeAccess(grantId);
        LedgerReceipt breakGlass = ledger.recordBreakGlass(
                new LedgerRecords.BreakGlass(random32(), random32(), random32(), random32(), 100, 3_700));
        LedgerReceipt anchored =
                ledger.anchorAuditBatch(new LedgerRecords.AuditBatch(random32(), random32(), 10, 1_000, 2_000));

        List<LedgerReceipt> receipts = List.of(granted, revoked, access, accessRevoked, breakGlass, anchored);
        assertThat(receipts).allSatisfy(receipt -> {
            assertThat(receipt.transactionHash()).startsWith("0x").hasSize(66);
            assertThat(receipt.blockHash()).startsWith("0x").hasSize(66);
            assertThat(receipt.gasUsed()).isPositive().isLessThan(config.gasLimit());
        });
        assertThat(revoked.blockNumber()).isGreaterThan(granted.blockNumber());
    }

    @Test
    void registryEventsComeBackWithEveryFieldAsWritten() {
        byte[] consentId = random32();
        LedgerRecords.Consent consent = new LedgerRecords.Consent(
                consentId,
                random32(),
                random32(),
                (1L << 19) | 0b1011,
                0b10001,
                1_767_225_600L,
                1_798_761_600L,
                random32());
        LedgerReceipt first = ledger.grantConsent(consent);
        byte[] reason = random32();
        ledger.revokeConsent(consentId, reason);
        LedgerRecords.AccessGrant grant = new LedgerRecords.AccessGrant(
                random32(), LedgerRecords.AccessKind.MEMBERSHIP, random32(), random32(), 1_800_000_000L);
        ledger.grantAccess(grant);
        ledger.revokeAccess(grant.grantId());
        LedgerRecords.BreakGlass breakGlass =
                new LedgerRecords.BreakGlass(random32(), random32(), random32(), random32(), 100, 3_700);
        LedgerReceipt last = ledger.recordBreakGlass(breakGlass);

        List<RegistryEvent> events = ledger.registryEvents(first.blockNumber(), last.blockNumber());

        assertThat(events).hasSize(5);
        assertThat(events.get(0))
                .isEqualTo(new RegistryEvent.ConsentGranted(
                        events.get(0).position(),
                        hex(consentId),
                        hex(consent.patient()),
                        hex(consent.grantee()),
                        consent.categories(),
                        (int) consent.purposes(),
                        consent.validFrom(),
                        consent.validUntil(),
                        hex(consent.documentHash())));
        assertThat(events.get(0).position().transactionHash()).isEqualTo(first.transactionHash());
        assertThat(events.get(0).position().blockHash()).isEqualTo(first.blockHash());
        assertThat(events.get(1))
                .isEqualTo(new RegistryEvent.ConsentRevoked(
                        events.get(1).position(), hex(consentId), hex(consent.patient()), hex(reason)));
        assertThat(events.get(2))
                .isEqualTo(new RegistryEvent.AccessGranted(
                        events.get(2).position(),
                        hex(grant.grantId()),
                        1,
                        hex(grant.subject()),
                        hex(grant.target()),
                        grant.validUntil()));
        assertThat(events.get(3))
                .isEqualTo(new RegistryEvent.AccessRevoked(
                        events.get(3).position(), hex(grant.grantId()), 1, hex(grant.subject())));
        assertThat(events.get(4))
                .isEqualTo(new RegistryEvent.BreakGlassRecorded(
                        events.get(4).position(),
                        hex(breakGlass.eventId()),
                        hex(breakGlass.patient()),
                        hex(breakGlass.principal()),
                        hex(breakGlass.reasonHash()),
                        100,
                        3_700));
    }

    private static String hex(byte[] bytes) {
        return Numeric.toHexString(bytes);
    }

    @Test
    void aWriteTheContractRefusesFailsWithItsDecodedErrorAndSendsNothing() throws Exception {
        byte[] consentId = random32();
        ledger.grantConsent(consent(consentId));
        BigInteger nonceBefore = writerNonce();

        LedgerException refused = assertThrows(LedgerException.class, () -> ledger.grantConsent(consent(consentId)));

        assertThat(refused.contractError()).map(ContractError::name).contains("ConsentExists");
        assertThat(refused.contractError().orElseThrow().arguments())
                .singleElement()
                .isEqualTo(consentId);
        assertThat(refused.transactionHash()).isEmpty();
        assertThat(writerNonce()).isEqualTo(nonceBefore);
    }

    @Test
    void aNodeOnAnotherChainIsRefused() {
        Web3jLedgerClient wrongChain = new Web3jLedgerClient(new TestConfig(config, AnvilTestResource.rpcUrl(), 1));
        try {
            Web3jLedgerClient.WrongChainException refused =
                    assertThrows(Web3jLedgerClient.WrongChainException.class, wrongChain::chainFacts);
            assertThat(refused).hasMessageContaining("is on chain 1337, not 1");
        } finally {
            wrongChain.close();
        }
    }

    @Test
    void anUnreachableChainFailsEachCallClearlyAndIsUsedOnceItAnswers() throws Exception {
        int port = ChildProcesses.freePort();
        Web3jLedgerClient client =
                new Web3jLedgerClient(new TestConfig(config, "http://127.0.0.1:" + port, config.chainId()));
        try {
            LedgerException down = assertThrows(LedgerException.class, () -> client.grantConsent(consent(random32())));
            assertThat(down).hasMessageContaining("is not reachable");
            assertThat(down.transactionHash()).isEmpty();

            try (AnvilProcess fresh = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, port, List.of())) {
                LedgerReceipt receipt = client.grantConsent(consent(random32()));
                // a fresh chain: the client deployed the contracts (blocks 1, 2), then granted (block 3)
                assertThat(receipt.blockNumber()).isEqualTo(3);
            }
        } finally {
            client.close();
        }
    }

    private BigInteger writerNonce() throws Exception {
        Web3j web3j = Web3j.build(new HttpService(AnvilTestResource.rpcUrl()));
        try {
            String writer = org.web3j.crypto.Credentials.create(
                            config.privateKey().orElseThrow())
                    .getAddress();
            return web3j.ethGetTransactionCount(writer, DefaultBlockParameterName.PENDING)
                    .send()
                    .getTransactionCount();
        } finally {
            web3j.shutdown();
        }
    }

    private static LedgerRecords.Consent consent(byte[] id) {
        return new LedgerRecords.Consent(id, random32(), random32(), 0b11, 1, 1_700_000_000L, 0, random32());
    }

    /** The application's ledger settings with another node URL and chain id. */
    private record TestConfig(LedgerConfig base, String rpcUrl, long chainId) implements LedgerConfig {
        @Override
        public Optional<String> privateKey() {
            return base.privateKey();
        }

        @Override
        public Optional<String> keystore() {
            return Optional.empty();
        }

        @Override
        public Optional<String> keystorePassword() {
            return Optional.empty();
        }

        @Override
        public Optional<String> consentRegistry() {
            return Optional.empty();
        }

        @Override
        public Optional<String> auditAnchor() {
            return Optional.empty();
        }

        @Override
        public boolean deployIfAbsent() {
            return true;
        }

        @Override
        public long gasLimit() {
            return base.gasLimit();
        }

        @Override
        public long gasPrice() {
            return base.gasPrice();
        }

        @Override
        public Duration receiptPollInterval() {
            return base.receiptPollInterval();
        }

        @Override
        public Duration receiptTimeout() {
            return base.receiptTimeout();
        }

        @Override
        public Outbox outbox() {
            return base.outbox();
        }

        @Override
        public Follower follower() {
            return base.follower();
        }
    }
}
