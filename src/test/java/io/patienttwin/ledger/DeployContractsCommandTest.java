package io.patienttwin.ledger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.patienttwin.ledger.network.DeployContractsCommand;
import io.patienttwin.localstack.AnvilProcess;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.protocol.core.DefaultBlockParameterName;

/**
 * The contract-deploy Job's command (helm/patient-twin, templates/contracts-job.yaml) against a real
 * chain: it deploys both contracts from an unused writer account, writes their addresses for the
 * ConfigMap, and run again (a Helm upgrade) finds them without sending a transaction.
 */
class DeployContractsCommandTest {

    private static ChainFixture chain;

    @BeforeAll
    static void startChain() {
        chain = new ChainFixture();
    }

    @AfterAll
    static void stopChain() {
        chain.close();
    }

    @Test
    void theJobDeploysOnceAndAnUpgradeFindsTheSameContracts(@TempDir Path dir) throws Exception {
        String key = ChainFixture.OUTSIDER.getEcKeyPair().getPrivateKey().toString(16);
        Path env = dir.resolve("contracts.env");

        String[] first = DeployContractsCommand.run(chain.anvil.rpcUrl(), AnvilProcess.CHAIN_ID, key, env);

        for (String address : first) {
            assertThat(chain.web3j
                            .ethGetCode(address, DefaultBlockParameterName.LATEST)
                            .send()
                            .getCode())
                    .as("code at %s", address)
                    .hasSizeGreaterThan(2);
        }
        assertThat(Files.readString(env))
                .isEqualTo("consent-registry=" + first[0] + "\naudit-anchor=" + first[1] + "\n");
        BigInteger sent = nonce();
        assertThat(sent).isEqualTo(BigInteger.TWO);

        String[] again = DeployContractsCommand.run(chain.anvil.rpcUrl(), AnvilProcess.CHAIN_ID, key, env);

        assertThat(again).containsExactly(first);
        assertThat(nonce()).as("no transaction on the second run").isEqualTo(sent);
    }

    @Test
    void aNodeOfAnotherChainIsRefusedBeforeAnythingIsSent(@TempDir Path dir) {
        String key = ChainFixture.ADMIN.getEcKeyPair().getPrivateKey().toString(16);

        assertThatThrownBy(() -> DeployContractsCommand.run(chain.anvil.rpcUrl(), 2026, key, dir.resolve("x")))
                .hasMessageContaining("not 2026");
        assertThat(Files.exists(dir.resolve("x"))).isFalse();
    }

    private static BigInteger nonce() throws Exception {
        return chain.web3j
                .ethGetTransactionCount(ChainFixture.OUTSIDER.getAddress(), DefaultBlockParameterName.LATEST)
                .send()
                .getTransactionCount();
    }
}
