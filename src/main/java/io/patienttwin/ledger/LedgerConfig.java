package io.patienttwin.ledger;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Settings of the connection to the consent chain (Hyperledger Besu in production, Anvil locally). */
@ConfigMapping(prefix = "twin.ledger")
public interface LedgerConfig {

    /** JSON-RPC URL of a Besu node, e.g. {@code https://besu-0.besu:8545}. */
    @WithDefault("http://127.0.0.1:8545")
    String rpcUrl();

    /** The chain id the node must report; checked at startup, and part of every EIP-155 signature. */
    @WithDefault("1337")
    long chainId();

    /**
     * Hex private key of this node's writer account. From the environment only
     * ({@code TWIN_LEDGER_PRIVATE_KEY}); alternatively {@link #keystore()}.
     */
    Optional<String> privateKey();

    /** A web3 keystore (JSON) file of the writer account, used when no private key is given. */
    Optional<String> keystore();

    /** Password of {@link #keystore()}, from the environment ({@code TWIN_LEDGER_KEYSTORE_PASSWORD}). */
    Optional<String> keystorePassword();

    /** Address of the deployed ConsentRegistry. Required unless {@link #deployIfAbsent()}. */
    Optional<String> consentRegistry();

    /** Address of the deployed AuditAnchor. Required unless {@link #deployIfAbsent()}. */
    Optional<String> auditAnchor();

    /**
     * Local chains only (dev mode, tests): when no addresses are configured, the writer account deploys
     * both contracts as its first two transactions, so their addresses follow from its address, and
     * later starts find them there. Never in production.
     */
    @WithDefault("false")
    boolean deployIfAbsent();

    /** Gas limit of every write; each costs under 150,000 (docs/benchmarks.md). */
    @WithDefault("300000")
    long gasLimit();

    /** Gas price in wei: 0 on a free-gas Besu network (min-gas-price 0). */
    @WithDefault("0")
    long gasPrice();

    /** How often to poll for a receipt: about a quarter of the block time (Anvil mines at once). */
    @WithDefault("20ms")
    Duration receiptPollInterval();

    /** How long to wait for a receipt before the write counts as not (yet) confirmed. */
    @WithDefault("30s")
    Duration receiptTimeout();

    /** The outbox writer: how it batches and retries chain writes. */
    Outbox outbox();

    /** The follower: how it reads ConsentRegistry events into the consent projection. */
    Follower follower();

    interface Outbox {
        /** Off only for tools that must not write to the chain. */
        @WithDefault("true")
        boolean enabled();

        /**
         * Writes sent together (consecutive nonces, one wait for all receipts): with blocks every
         * second, the most a node writes per second. Each consent grant costs about 143,000 gas, so
         * the chain's block gas limit must hold a batch (500 grants: 72 M gas).
         */
        @WithDefault("500")
        int batchSize();

        /** How often to look for due writes when nobody wakes the writer. */
        @WithDefault("1s")
        Duration pollInterval();

        /** The wait before the first retry; doubled for each further attempt. */
        @WithDefault("1s")
        Duration initialBackoff();

        /** The longest wait between retries. */
        @WithDefault("60s")
        Duration maxBackoff();
    }

    interface Follower {
        @WithDefault("true")
        boolean enabled();

        /** Blocks to wait before reading a block: 0 for QBFT (immediate finality) and Anvil. */
        @WithDefault("0")
        int confirmations();

        /** How often to ask for the head block: well under the block time. */
        @WithDefault("100ms")
        Duration pollInterval();

        /** Blocks read per eth_getLogs call. */
        @WithDefault("2000")
        int maxBlockRange();
    }
}
