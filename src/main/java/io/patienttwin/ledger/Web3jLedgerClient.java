package io.patienttwin.ledger;

import io.patienttwin.ledger.contracts.AuditAnchor;
import io.patienttwin.ledger.contracts.ConsentRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.math.BigInteger;
import java.util.function.Function;
import okhttp3.OkHttpClient;
import org.jboss.logging.Logger;
import org.web3j.crypto.ContractUtils;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.besu.Besu;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * {@link LedgerClient} over web3j's Besu client: EIP-155 signing with the configured writer account,
 * static gas, short receipt polling, custom errors decoded from a simulation before each send. Connects
 * lazily and again after a failure, so the application starts and keeps running while the chain is
 * down (writes wait in the outbox); a node on the wrong chain id stops the application at startup.
 */
@ApplicationScoped
public class Web3jLedgerClient implements LedgerClient {

    private static final Logger LOG = Logger.getLogger(Web3jLedgerClient.class);
    private static final RevertDecoder ERRORS = RevertDecoder.forContracts("ConsentRegistry", "AuditAnchor");
    /** Deployment costs about 1.1 M gas (docs/benchmarks.md). */
    private static final BigInteger DEPLOY_GAS = BigInteger.valueOf(3_000_000);

    /** An open connection: web3j, the signer, and the two contracts' addresses. */
    private record Connection(
            Web3j web3j,
            RawTransactionManager transactions,
            PollingTransactionReceiptProcessor receipts,
            ConsentRegistry registry,
            AuditAnchor anchor,
            String genesisHash) {}

    private final LedgerConfig config;
    private final OkHttpClient http = new OkHttpClient();
    private volatile Connection connection;

    public Web3jLedgerClient(LedgerConfig config) {
        this.config = config;
    }

    /** Checks the chain at startup: an unreachable node is logged, a wrong chain id stops the start. */
    void checkAtStartup(@Observes StartupEvent event) {
        try {
            ChainFacts facts = chainFacts();
            LOG.infof(
                    "Ledger: chain %d at %s, ConsentRegistry %s, AuditAnchor %s",
                    facts.chainId(), config.rpcUrl(), facts.consentRegistry(), facts.auditAnchor());
        } catch (WrongChainException e) {
            throw e;
        } catch (LedgerException e) {
            LOG.warnf("Ledger not reachable at startup (%s); chain writes wait until it is", e.getMessage());
        }
    }

    @Override
    public ChainFacts chainFacts() {
        Connection c = connection();
        try {
            long head = c.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
            return new ChainFacts(
                    config.chainId(),
                    c.genesisHash(),
                    c.registry().getContractAddress(),
                    c.anchor().getContractAddress(),
                    head);
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    @Override
    public LedgerReceipt grantConsent(LedgerRecords.Consent consent) {
        return writeRegistry(registry -> registry.grant(
                consent.consentId(),
                consent.patient(),
                consent.grantee(),
                BigInteger.valueOf(consent.categories()),
                BigInteger.valueOf(consent.purposes()),
                BigInteger.valueOf(consent.validFrom()),
                BigInteger.valueOf(consent.validUntil()),
                consent.documentHash()));
    }

    @Override
    public LedgerReceipt revokeConsent(byte[] consentId, byte[] reason) {
        return writeRegistry(registry -> registry.revoke(consentId, reason));
    }

    @Override
    public LedgerReceipt grantAccess(LedgerRecords.AccessGrant grant) {
        return writeRegistry(registry -> registry.grantAccess(
                grant.grantId(),
                BigInteger.valueOf(grant.kind().code),
                grant.subject(),
                grant.target(),
                BigInteger.valueOf(grant.validUntil())));
    }

    @Override
    public LedgerReceipt revokeAccess(byte[] grantId) {
        return writeRegistry(registry -> registry.revokeAccess(grantId));
    }

    @Override
    public LedgerReceipt recordBreakGlass(LedgerRecords.BreakGlass breakGlass) {
        return writeRegistry(registry -> registry.recordBreakGlass(
                breakGlass.eventId(),
                breakGlass.patient(),
                breakGlass.principal(),
                breakGlass.reasonHash(),
                BigInteger.valueOf(breakGlass.validFrom()),
                BigInteger.valueOf(breakGlass.validUntil())));
    }

    @Override
    public LedgerReceipt anchorAuditBatch(LedgerRecords.AuditBatch batch) {
        return writeAnchor(anchor -> anchor.anchor(
                batch.batchId(),
                batch.merkleRoot(),
                BigInteger.valueOf(batch.count()),
                BigInteger.valueOf(batch.firstTime()),
                BigInteger.valueOf(batch.lastTime())));
    }

    private LedgerReceipt writeRegistry(Function<ConsentRegistry, RemoteFunctionCall<TransactionReceipt>> call) {
        Connection c = connection();
        return write(
                c, c.registry().getContractAddress(), call.apply(c.registry()).encodeFunctionCall());
    }

    private LedgerReceipt writeAnchor(Function<AuditAnchor, RemoteFunctionCall<TransactionReceipt>> call) {
        Connection c = connection();
        return write(c, c.anchor().getContractAddress(), call.apply(c.anchor()).encodeFunctionCall());
    }

    /** Simulates, sends and awaits one contract call ({@code data} to {@code to}) from the writer account. */
    private LedgerReceipt write(Connection c, String to, String data) {
        String from = c.transactions().getFromAddress();
        String hash = null;
        try {
            EthCall simulation = c.web3j()
                    .ethCall(Transaction.createEthCallTransaction(from, to, data), DefaultBlockParameterName.PENDING)
                    .send();
            if (simulation.hasError()) {
                ContractError error =
                        ERRORS.decode(simulation.getError().getData()).orElse(null);
                throw new LedgerException(
                        "The contract refuses the call: "
                                + (error != null
                                        ? error.name()
                                        : simulation.getError().getMessage()),
                        null,
                        error,
                        null);
            }
            EthSendTransaction sent = c.transactions()
                    .sendTransaction(
                            BigInteger.valueOf(config.gasPrice()),
                            BigInteger.valueOf(config.gasLimit()),
                            to,
                            data,
                            BigInteger.ZERO);
            if (sent.hasError()) {
                throw new LedgerException(
                        "The node refused the transaction: " + sent.getError().getMessage(), null, null, null);
            }
            hash = sent.getTransactionHash();
            TransactionReceipt receipt = c.receipts().waitForTransactionReceipt(hash);
            if (!receipt.isStatusOK()) {
                throw new LedgerException("Transaction " + hash + " reverted", hash, null, null);
            }
            return new LedgerReceipt(
                    hash,
                    receipt.getBlockNumber().longValueExact(),
                    receipt.getBlockHash(),
                    receipt.getGasUsed().longValueExact());
        } catch (IOException e) {
            // the transaction may or may not have reached the node: the caller retries, and the
            // contract's ids make a retry of an included write fail with "…Exists", never duplicate it
            throw unreachable(e, hash);
        } catch (TransactionException e) {
            throw new LedgerException("No receipt for " + hash + " within " + config.receiptTimeout(), hash, null, e);
        }
    }

    private synchronized Connection connection() {
        if (connection != null) {
            return connection;
        }
        Web3j web3j = Besu.build(new HttpService(config.rpcUrl(), http));
        try {
            long chainId = web3j.ethChainId().send().getChainId().longValueExact();
            if (chainId != config.chainId()) {
                throw new WrongChainException(
                        "The node at " + config.rpcUrl() + " is on chain " + chainId + ", not " + config.chainId());
            }
            Credentials credentials = credentials();
            RawTransactionManager transactions = new RawTransactionManager(web3j, credentials, config.chainId());
            PollingTransactionReceiptProcessor receipts = new PollingTransactionReceiptProcessor(
                    web3j, config.receiptPollInterval().toMillis(), (int) Math.max(
                            1,
                            config.receiptTimeout().toMillis()
                                    / Math.max(1, config.receiptPollInterval().toMillis())));
            StaticGasProvider gas =
                    new StaticGasProvider(BigInteger.valueOf(config.gasPrice()), BigInteger.valueOf(config.gasLimit()));
            String genesis = web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.ZERO), false)
                    .send()
                    .getBlock()
                    .getHash();
            String[] addresses = contractAddresses(web3j, transactions, credentials);
            connection = new Connection(
                    web3j,
                    transactions,
                    receipts,
                    ConsentRegistry.load(addresses[0], web3j, transactions, gas),
                    AuditAnchor.load(addresses[1], web3j, transactions, gas),
                    genesis);
            return connection;
        } catch (IOException e) {
            web3j.shutdown();
            throw unreachable(e);
        } catch (RuntimeException e) {
            web3j.shutdown();
            throw e;
        }
    }

    /** The configured addresses, or (local chains) those of the writer's first two deployments. */
    private String[] contractAddresses(Web3j web3j, RawTransactionManager transactions, Credentials credentials)
            throws IOException {
        if (config.consentRegistry().isPresent() && config.auditAnchor().isPresent()) {
            String[] configured = {
                config.consentRegistry().get(), config.auditAnchor().get()
            };
            for (String address : configured) {
                requireCode(web3j, address);
            }
            return configured;
        }
        if (!config.deployIfAbsent()) {
            throw new LedgerException(
                    "twin.ledger.consent-registry and twin.ledger.audit-anchor must name the deployed contracts",
                    null,
                    null,
                    null);
        }
        String writer = credentials.getAddress();
        String registry = ContractUtils.generateContractAddress(writer, BigInteger.ZERO);
        String anchor = ContractUtils.generateContractAddress(writer, BigInteger.ONE);
        if (hasCode(web3j, registry) && hasCode(web3j, anchor)) {
            return new String[] {registry, anchor};
        }
        BigInteger nonce = web3j.ethGetTransactionCount(writer, DefaultBlockParameterName.PENDING)
                .send()
                .getTransactionCount();
        if (nonce.signum() != 0) {
            throw new LedgerException(
                    "The local chain has transactions of " + writer + " but not its contracts at " + registry + " and "
                            + anchor + ": the chain was reset or is another one. Reset the local chain's state too.",
                    null,
                    null,
                    null);
        }
        StaticGasProvider deployGas = new StaticGasProvider(BigInteger.valueOf(config.gasPrice()), DEPLOY_GAS);
        try {
            String deployedRegistry = ConsentRegistry.deploy(web3j, transactions, deployGas, writer, writer)
                    .send()
                    .getContractAddress();
            String deployedAnchor = AuditAnchor.deploy(web3j, transactions, deployGas, writer, writer)
                    .send()
                    .getContractAddress();
            LOG.infof("Deployed ConsentRegistry at %s and AuditAnchor at %s", deployedRegistry, deployedAnchor);
            return new String[] {deployedRegistry, deployedAnchor};
        } catch (Exception e) {
            throw new LedgerException("Deploying the contracts failed: " + e.getMessage(), null, null, e);
        }
    }

    private Credentials credentials() {
        if (config.privateKey().isPresent()) {
            return Credentials.create(config.privateKey().get());
        }
        if (config.keystore().isPresent()) {
            try {
                return WalletUtils.loadCredentials(
                        config.keystorePassword().orElse(""), config.keystore().get());
            } catch (Exception e) {
                throw new LedgerException(
                        "Cannot open the keystore " + config.keystore().get(), null, null, e);
            }
        }
        throw new LedgerException(
                "No writer account: set TWIN_LEDGER_PRIVATE_KEY, or twin.ledger.keystore and its password",
                null,
                null,
                null);
    }

    private static void requireCode(Web3j web3j, String address) throws IOException {
        if (!hasCode(web3j, address)) {
            throw new LedgerException("No contract at " + address + " on this chain", null, null, null);
        }
    }

    private static boolean hasCode(Web3j web3j, String address) throws IOException {
        String code = web3j.ethGetCode(address, DefaultBlockParameterName.LATEST)
                .send()
                .getCode();
        return code != null && code.length() > 2;
    }

    private LedgerException unreachable(IOException e) {
        return unreachable(e, null);
    }

    private LedgerException unreachable(IOException e, String hash) {
        return new LedgerException(
                "The chain at " + config.rpcUrl() + " is not reachable: " + e.getMessage(), hash, null, e);
    }

    @PreDestroy
    void close() {
        Connection open = connection;
        if (open != null) {
            open.web3j().shutdown();
        }
        // web3j 4.13 does not stop the OkHttp client it was given
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
    }

    /** The node is on another chain than configured: a configuration error, never retried. */
    public static final class WrongChainException extends LedgerException {
        WrongChainException(String message) {
            super(message, null, null, null);
        }
    }
}
