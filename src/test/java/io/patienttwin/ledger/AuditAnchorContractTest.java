package io.patienttwin.ledger;

import static io.patienttwin.ledger.ChainFixture.ADMIN;
import static io.patienttwin.ledger.ChainFixture.GAS;
import static io.patienttwin.ledger.ChainFixture.OUTSIDER;
import static io.patienttwin.ledger.ChainFixture.WRITER;
import static io.patienttwin.ledger.ChainFixture.random32;
import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.ledger.contracts.AuditAnchor;
import java.math.BigInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;

/** AuditAnchor on a real EVM (Anvil, london): anchoring, its custom errors, roles and event. */
class AuditAnchorContractTest {

    private static final RevertDecoder ERRORS = RevertDecoder.forContracts("AuditAnchor");

    private static ChainFixture chain;
    private static AuditAnchor asAdmin;
    private static AuditAnchor asWriter;
    private static AuditAnchor asOutsider;

    @BeforeAll
    static void deploy() throws Exception {
        chain = new ChainFixture();
        asAdmin = AuditAnchor.deploy(
                        chain.web3j, chain.transactions(ADMIN), GAS, ADMIN.getAddress(), WRITER.getAddress())
                .send();
        asWriter = AuditAnchor.load(asAdmin.getContractAddress(), chain.web3j, chain.transactions(WRITER), GAS);
        asOutsider = AuditAnchor.load(asAdmin.getContractAddress(), chain.web3j, chain.transactions(OUTSIDER), GAS);
    }

    @AfterAll
    static void stop() {
        chain.close();
    }

    @Test
    void anchoringStoresTheRootCountTimesAndBlockAndEmitsThem() throws Exception {
        byte[] batch = random32(), root = random32();

        TransactionReceipt receipt = asWriter.anchor(
                        batch, root, BigInteger.valueOf(250), BigInteger.valueOf(1_000), BigInteger.valueOf(2_000))
                .send();

        AuditAnchor.Anchor stored = asWriter.anchorOf(batch).send();
        assertThat(stored.merkleRoot).isEqualTo(root);
        assertThat(stored.count).isEqualTo(BigInteger.valueOf(250));
        assertThat(stored.firstTime).isEqualTo(BigInteger.valueOf(1_000));
        assertThat(stored.lastTime).isEqualTo(BigInteger.valueOf(2_000));
        assertThat(stored.blockNumber).isEqualTo(receipt.getBlockNumber());
        AuditAnchor.BatchAnchoredEventResponse event =
                AuditAnchor.getBatchAnchoredEvents(receipt).get(0);
        assertThat(event.batchId).isEqualTo(batch);
        assertThat(event.merkleRoot).isEqualTo(root);
        assertThat(event.count).isEqualTo(BigInteger.valueOf(250));
        System.out.printf(
                "GAS AuditAnchor deploy=%d anchor=%d%n",
                asAdmin.getTransactionReceipt().orElseThrow().getGasUsed(), receipt.getGasUsed());
    }

    @Test
    void aBatchIsAnchoredOnlyOnce() throws Exception {
        byte[] batch = random32();
        anchor(asWriter, batch, random32(), 1, 5, 5).send();

        assertReverts(WRITER, anchor(asWriter, batch, random32(), 1, 5, 5), "BatchExists", batch);
    }

    @Test
    void anEmptyBatchAZeroRootAndTimeRunningBackwardsAreRefused() {
        assertReverts(WRITER, anchor(asWriter, random32(), random32(), 0, 1, 2), "EmptyBatch");
        assertReverts(WRITER, anchor(asWriter, random32(), new byte[32], 1, 1, 2), "ZeroIdentifier");
        assertReverts(
                WRITER,
                anchor(asWriter, random32(), random32(), 1, 9, 8),
                "InvalidTimeRange",
                BigInteger.valueOf(9),
                BigInteger.valueOf(8));
    }

    @Test
    void onlyAWriterAnchors() throws Exception {
        byte[] writerRole = asAdmin.WRITER_ROLE().send();
        assertReverts(
                OUTSIDER,
                anchor(asOutsider, random32(), random32(), 1, 1, 1),
                "AccessControlUnauthorizedAccount",
                OUTSIDER.getAddress(),
                writerRole);
    }

    private static RemoteFunctionCall<TransactionReceipt> anchor(
            AuditAnchor as, byte[] batch, byte[] root, long count, long first, long last) {
        return as.anchor(batch, root, BigInteger.valueOf(count), BigInteger.valueOf(first), BigInteger.valueOf(last));
    }

    private static void assertReverts(
            Credentials from, RemoteFunctionCall<TransactionReceipt> call, String error, Object... arguments) {
        chain.assertReverts(ERRORS, from, asAdmin.getContractAddress(), call, error, arguments);
    }
}
