package io.patienttwin.ledger.network;

import io.patienttwin.ledger.Web3jLedgerClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.besu.Besu;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * Deploys ConsentRegistry and AuditAnchor from the writer account, or finds them (the contracts of its
 * first two transactions), and writes their addresses as an env file — the contract-deploy Job of the
 * Helm chart turns it into the ConfigMap the app reads ({@code consent-registry}, {@code audit-anchor}).
 * Run again on an upgrade it changes nothing.
 *
 * <pre>
 * TWIN_LEDGER_PRIVATE_KEY=0x… java -cp "…/app/*:…/lib/main/*" io.patienttwin.ledger.network.DeployContractsCommand \
 *     http://besu-rpc:8545 2026 /work/contracts.env
 * </pre>
 */
public final class DeployContractsCommand {

    private DeployContractsCommand() {}

    public static void main(String[] args) throws Exception {
        String key = System.getenv("TWIN_LEDGER_PRIVATE_KEY");
        if (args.length != 3 || key == null || key.isBlank()) {
            System.err.println("usage: TWIN_LEDGER_PRIVATE_KEY=0x… DeployContractsCommand RPC_URL CHAIN_ID OUT_FILE");
            System.exit(2);
        }
        String[] addresses = run(args[0], Long.parseLong(args[1]), key.trim(), Path.of(args[2]));
        System.out.println("ConsentRegistry " + addresses[0] + ", AuditAnchor " + addresses[1]);
    }

    /** Deploys or finds the contracts and writes the env file; returns {registry, anchor}. */
    public static String[] run(String rpcUrl, long chainId, String privateKey, Path out) throws Exception {
        String[] addresses = deploy(rpcUrl, chainId, privateKey);
        Files.writeString(
                out,
                "consent-registry=" + addresses[0] + "\naudit-anchor=" + addresses[1] + "\n",
                StandardCharsets.US_ASCII);
        return addresses;
    }

    /** The writer's contracts on the chain at an RPC URL (deployed first if the account is unused). */
    public static String[] deploy(String rpcUrl, long chainId, String privateKey) throws Exception {
        Web3j web3j = Besu.build(new HttpService(rpcUrl));
        try {
            long actual = web3j.ethChainId().send().getChainId().longValueExact();
            if (actual != chainId) {
                throw new IllegalStateException(
                        "the node at " + rpcUrl + " is on chain " + actual + ", not " + chainId);
            }
            Credentials writer = Credentials.create(privateKey);
            RawTransactionManager transactions = new RawTransactionManager(
                    web3j, writer, chainId, new PollingTransactionReceiptProcessor(web3j, 250, 480));
            return Web3jLedgerClient.findOrDeployContracts(web3j, transactions, writer.getAddress(), 0);
        } finally {
            web3j.shutdown();
        }
    }
}
