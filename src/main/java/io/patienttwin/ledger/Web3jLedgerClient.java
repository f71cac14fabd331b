package io.patienttwin.ledger;

import io.patienttwin.ledger.contracts.AuditAnchor;
import io.patienttwin.ledger.contracts.ConsentRegistry;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.jboss.logging.Logger;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint16;
import org.web3j.abi.datatypes.generated.Uint32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.abi.datatypes.generated.Uint8;
import org.web3j.crypto.ContractUtils;
import org.web3j.crypto.Credentials;
import org.web3j.crypto.RawTransaction;
import org.web3j.crypto.WalletUtils;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.besu.Besu;
import org.web3j.protocol.core.BatchRequest;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.Response;
import org.web3j.protocol.core.methods.request.EthFilter;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.EthGetTransactionReceipt;
import org.web3j.protocol.core.methods.response.EthLog;
import org.web3j.protocol.core.methods.response.EthSendTransaction;
import org.web3j.protocol.core.methods.response.Log;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.exceptions.TransactionException;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;
import org.web3j.utils.Numeric;

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
            Eip155Signer signer,
            PollingTransactionReceiptProcessor receipts,
            ConsentRegistry registry,
            AuditAnchor anchor,
            String genesisHash) {}

    private final LedgerConfig config;
    private final OkHttpClient http = new OkHttpClient();
    private volatile Connection connection;
    /** The last connection made, kept after it was dropped: the chain this node last knew. */
    private volatile Connection lastConnected;

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

    /**
     * What the node serves now. When its genesis block changed (a reset chain, or another one), the
     * answer names the new genesis at once, with the contracts of the chain last connected to, and the
     * connection is dropped: the next chain call connects again (finding, or on local chains deploying,
     * the contracts). So a follower whose cursor names the old genesis halts on its next step, whoever
     * noticed first and however long the new contracts take (two nodes deploying them at once once kept
     * both followers from halting for more than 20 s, TwoInstancesIT).
     */
    @Override
    public ChainFacts chainFacts() {
        Connection c;
        try {
            c = connection();
        } catch (LedgerException e) {
            // no contracts to connect to: if that is because the node serves another chain, say so
            Optional<ChainFacts> another = anotherChain();
            if (another.isPresent()) {
                return another.get();
            }
            throw e;
        }
        try {
            String genesis = genesisHash(c.web3j());
            long head = c.web3j().ethBlockNumber().send().getBlockNumber().longValueExact();
            if (!genesis.equals(c.genesisHash())) {
                LOG.warnf(
                        "The chain at %s has a new genesis block %s (was %s)",
                        config.rpcUrl(), genesis, c.genesisHash());
                drop(c);
            }
            return new ChainFacts(
                    config.chainId(),
                    genesis,
                    c.registry().getContractAddress(),
                    c.anchor().getContractAddress(),
                    head);
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    /**
     * When no connection can be made: the node's facts if it serves a chain with another genesis than the
     * one last connected to (with that chain's contract addresses), else empty.
     */
    private Optional<ChainFacts> anotherChain() {
        Connection last = lastConnected;
        if (last == null) {
            return Optional.empty();
        }
        Web3j probe = Besu.build(new HttpService(config.rpcUrl(), http));
        try {
            String genesis = genesisHash(probe);
            if (genesis.equals(last.genesisHash())) {
                return Optional.empty();
            }
            long head = probe.ethBlockNumber().send().getBlockNumber().longValueExact();
            return Optional.of(new ChainFacts(
                    config.chainId(),
                    genesis,
                    last.registry().getContractAddress(),
                    last.anchor().getContractAddress(),
                    head));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        } finally {
            probe.shutdown();
        }
    }

    @Override
    public LedgerReceipt grantConsent(LedgerRecords.Consent consent) {
        return write(LedgerCall.grantConsent(consent));
    }

    @Override
    public LedgerReceipt revokeConsent(byte[] consentId, byte[] reason) {
        return write(LedgerCall.revokeConsent(consentId, reason));
    }

    @Override
    public LedgerReceipt grantAccess(LedgerRecords.AccessGrant grant) {
        return write(LedgerCall.grantAccess(grant));
    }

    @Override
    public LedgerReceipt revokeAccess(byte[] grantId) {
        return write(LedgerCall.revokeAccess(grantId));
    }

    @Override
    public LedgerReceipt recordBreakGlass(LedgerRecords.BreakGlass breakGlass) {
        return write(LedgerCall.recordBreakGlass(breakGlass));
    }

    @Override
    public LedgerReceipt anchorAuditBatch(LedgerRecords.AuditBatch batch) {
        return write(LedgerCall.anchorAuditBatch(batch));
    }

    @Override
    public List<Submission> submitAll(List<LedgerCall> calls) {
        if (calls.isEmpty()) {
            return List.of();
        }
        Connection c = connection();
        String from = c.transactions().getFromAddress();
        Submission[] results = new Submission[calls.size()];
        Map<Integer, String> sent = new LinkedHashMap<>();
        try {
            // three round trips for the whole batch (JSON-RPC batches): simulate, send, receipts
            BatchRequest simulations = c.web3j().newBatch();
            for (LedgerCall call : calls) {
                simulations.add(c.web3j()
                        .ethCall(
                                Transaction.createEthCallTransaction(from, address(c, call.contract()), call.data()),
                                DefaultBlockParameterName.LATEST));
            }
            List<? extends Response<?>> simulated = simulations.send().getResponses();
            BigInteger nonce = c.web3j()
                    .ethGetTransactionCount(from, DefaultBlockParameterName.PENDING)
                    .send()
                    .getTransactionCount();
            BatchRequest sends = c.web3j().newBatch();
            List<Integer> sendOrder = new ArrayList<>();
            for (int i = 0; i < calls.size(); i++) {
                Optional<Submission.Refused> refused = refusal((EthCall) simulated.get(i));
                if (refused.isPresent()) {
                    results[i] = refused.get();
                    continue;
                }
                RawTransaction raw = RawTransaction.createTransaction(
                        nonce,
                        BigInteger.valueOf(config.gasPrice()),
                        BigInteger.valueOf(config.gasLimit()),
                        address(c, calls.get(i).contract()),
                        BigInteger.ZERO,
                        calls.get(i).data());
                sends.add(c.web3j()
                        .ethSendRawTransaction(Numeric.toHexString(c.signer().sign(raw, config.chainId()))));
                sendOrder.add(i);
                nonce = nonce.add(BigInteger.ONE);
            }
            if (!sendOrder.isEmpty()) {
                List<? extends Response<?>> answers = sends.send().getResponses();
                for (int k = 0; k < sendOrder.size(); k++) {
                    EthSendTransaction answer = (EthSendTransaction) answers.get(k);
                    int i = sendOrder.get(k);
                    if (answer.hasError()) {
                        // later nonces wait for this one in the node's pool: they are included once a
                        // retry fills the gap, and their own retries then find them on chain
                        results[i] = new Submission.NotConfirmed(
                                null,
                                "The node refused the transaction: "
                                        + answer.getError().getMessage());
                    } else {
                        sent.put(i, answer.getTransactionHash());
                    }
                }
            }
        } catch (IOException e) {
            if (sent.isEmpty()) {
                throw unreachable(e);
            }
            for (int i = 0; i < results.length; i++) {
                if (results[i] == null && !sent.containsKey(i)) {
                    results[i] = new Submission.NotConfirmed(null, "not sent: " + e.getMessage());
                }
            }
        }
        awaitReceipts(c, sent, results);
        return List.of(results);
    }

    /**
     * Waits for the receipts of sent transactions: polls the last one (a block includes a sender's
     * transactions in nonce order), then fetches all in one batch; until the receipt timeout.
     */
    private void awaitReceipts(Connection c, Map<Integer, String> sent, Submission[] results) {
        long deadline = System.nanoTime() + config.receiptTimeout().toNanos();
        Map<Integer, String> waiting = new LinkedHashMap<>(sent);
        while (!waiting.isEmpty()) {
            try {
                String last = waiting.values().stream().reduce((a, b) -> b).orElseThrow();
                boolean lastIncluded = c.web3j()
                        .ethGetTransactionReceipt(last)
                        .send()
                        .getTransactionReceipt()
                        .isPresent();
                if (lastIncluded || System.nanoTime() > deadline) {
                    BatchRequest receipts = c.web3j().newBatch();
                    List<Integer> order = new ArrayList<>(waiting.keySet());
                    order.forEach(i -> receipts.add(c.web3j().ethGetTransactionReceipt(waiting.get(i))));
                    List<? extends Response<?>> answers = receipts.send().getResponses();
                    for (int k = 0; k < order.size(); k++) {
                        Optional<TransactionReceipt> receipt =
                                ((EthGetTransactionReceipt) answers.get(k)).getTransactionReceipt();
                        int i = order.get(k);
                        if (receipt.isPresent()) {
                            String hash = waiting.remove(i);
                            results[i] = receipt.get().isStatusOK()
                                    ? new Submission.Included(receipt(hash, receipt.get()))
                                    : new Submission.Refused(null, "Transaction " + hash + " reverted");
                        }
                    }
                }
            } catch (IOException e) {
                LOG.debugf("Receipt poll failed: %s", e.getMessage());
            }
            if (waiting.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                waiting.forEach((i, hash) -> results[i] = new Submission.NotConfirmed(
                        hash, "No receipt for " + hash + " within " + config.receiptTimeout()));
                return;
            }
            sleep(config.receiptPollInterval());
        }
    }

    @Override
    public Optional<String> consentDocumentHash(byte[] consentId) {
        Connection c = connection();
        // a static struct comes back as a flat tuple; decoded here because web3j's struct decoding of
        // the generated wrapper's consentOf fails on it
        Function consentOf = new Function(
                "consentOf",
                List.of(new Bytes32(consentId)),
                List.of(
                        new TypeReference<Bytes32>() {},
                        new TypeReference<Bytes32>() {},
                        new TypeReference<Uint32>() {},
                        new TypeReference<Uint16>() {},
                        new TypeReference<Uint64>() {},
                        new TypeReference<Uint64>() {},
                        new TypeReference<Bytes32>() {},
                        new TypeReference<Uint8>() {}));
        try {
            EthCall call = c.web3j()
                    .ethCall(
                            Transaction.createEthCallTransaction(
                                    c.transactions().getFromAddress(),
                                    c.registry().getContractAddress(),
                                    FunctionEncoder.encode(consentOf)),
                            DefaultBlockParameterName.LATEST)
                    .send();
            if (call.hasError()) {
                throw new LedgerException("consentOf failed: " + call.getError().getMessage(), null, null, null);
            }
            List<Type> values = FunctionReturnDecoder.decode(call.getValue(), consentOf.getOutputParameters());
            BigInteger status = ((Uint8) values.get(7)).getValue();
            return status.signum() == 0
                    ? Optional.empty()
                    : Optional.of(Numeric.toHexString(((Bytes32) values.get(6)).getValue()));
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    @Override
    public Optional<LedgerRecords.Anchored> anchorOf(byte[] batchId) {
        Connection c = connection();
        // decoded as a flat tuple, like consentOf above
        Function anchorOf = new Function(
                "anchorOf",
                List.of(new Bytes32(batchId)),
                List.of(
                        new TypeReference<Bytes32>() {},
                        new TypeReference<Uint32>() {},
                        new TypeReference<Uint64>() {},
                        new TypeReference<Uint64>() {},
                        new TypeReference<Uint64>() {}));
        try {
            EthCall call = c.web3j()
                    .ethCall(
                            Transaction.createEthCallTransaction(
                                    c.transactions().getFromAddress(),
                                    c.anchor().getContractAddress(),
                                    FunctionEncoder.encode(anchorOf)),
                            DefaultBlockParameterName.LATEST)
                    .send();
            if (call.hasError()) {
                throw new LedgerException("anchorOf failed: " + call.getError().getMessage(), null, null, null);
            }
            List<Type> values = FunctionReturnDecoder.decode(call.getValue(), anchorOf.getOutputParameters());
            int count = ((Uint32) values.get(1)).getValue().intValueExact();
            if (count == 0) {
                return Optional.empty();
            }
            return Optional.of(new LedgerRecords.Anchored(
                    Numeric.toHexString(((Bytes32) values.get(0)).getValue()),
                    count,
                    ((Uint64) values.get(2)).getValue().longValueExact(),
                    ((Uint64) values.get(3)).getValue().longValueExact(),
                    ((Uint64) values.get(4)).getValue().longValueExact()));
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    @Override
    public List<RegistryEvent> registryEvents(long from, long to) {
        Connection c = connection();
        EthFilter filter = new EthFilter(
                DefaultBlockParameter.valueOf(BigInteger.valueOf(from)),
                DefaultBlockParameter.valueOf(BigInteger.valueOf(to)),
                c.registry().getContractAddress());
        try {
            EthLog logs = c.web3j().ethGetLogs(filter).send();
            if (logs.hasError()) {
                throw new LedgerException(
                        "eth_getLogs " + from + ".." + to + " failed: "
                                + logs.getError().getMessage(),
                        null,
                        null,
                        null);
            }
            List<RegistryEvent> events = new ArrayList<>();
            for (EthLog.LogResult<?> result : logs.getLogs()) {
                RegistryEvents.decode((Log) result.get()).ifPresent(events::add);
            }
            return events;
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    @Override
    public Optional<java.time.Instant> blockTime(String blockHash) {
        Connection c = connection();
        try {
            EthBlock.Block block =
                    c.web3j().ethGetBlockByHash(blockHash, false).send().getBlock();
            return Optional.ofNullable(block)
                    .map(b -> java.time.Instant.ofEpochSecond(b.getTimestamp().longValueExact()));
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    @Override
    public Optional<String> blockHash(long number) {
        Connection c = connection();
        try {
            EthBlock.Block block = c.web3j()
                    .ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.valueOf(number)), false)
                    .send()
                    .getBlock();
            return Optional.ofNullable(block).map(EthBlock.Block::getHash);
        } catch (IOException e) {
            throw unreachable(e);
        }
    }

    private LedgerReceipt write(LedgerCall call) {
        Connection c = connection();
        return write(c, address(c, call.contract()), call.data());
    }

    private static String address(Connection c, LedgerCall.Contract contract) {
        return switch (contract) {
            case CONSENT_REGISTRY -> c.registry().getContractAddress();
            case AUDIT_ANCHOR -> c.anchor().getContractAddress();
        };
    }

    /**
     * Runs a call with eth_call against the latest block: the contract's refusal, if it refuses. Not
     * against the pending state: a node builds that from its whole transaction pool for every call,
     * which made a batch quadratic. A retry whose first send still waits in the pool passes here, is
     * sent again and reverts on chain with "…Exists"; the outbox then finds the record and confirms it.
     */
    private static Optional<Submission.Refused> simulate(Connection c, String from, String to, String data)
            throws IOException {
        return refusal(c.web3j()
                .ethCall(Transaction.createEthCallTransaction(from, to, data), DefaultBlockParameterName.LATEST)
                .send());
    }

    private static Optional<Submission.Refused> refusal(EthCall simulation) {
        if (!simulation.hasError()) {
            return Optional.empty();
        }
        ContractError error = ERRORS.decode(simulation.getError().getData()).orElse(null);
        return Optional.of(new Submission.Refused(
                error,
                "The contract refuses the call: "
                        + (error != null ? error.name() : simulation.getError().getMessage())));
    }

    private static LedgerReceipt receipt(String hash, TransactionReceipt receipt) {
        return new LedgerReceipt(
                hash,
                receipt.getBlockNumber().longValueExact(),
                receipt.getBlockHash(),
                receipt.getGasUsed().longValueExact());
    }

    private static void sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LedgerException("Interrupted while waiting for receipts", null, null, e);
        }
    }

    /** Simulates, sends and awaits one contract call ({@code data} to {@code to}) from the writer account. */
    private LedgerReceipt write(Connection c, String to, String data) {
        String from = c.transactions().getFromAddress();
        String hash = null;
        try {
            Optional<Submission.Refused> refused = simulate(c, from, to, data);
            if (refused.isPresent()) {
                throw new LedgerException(
                        refused.get().message(), null, refused.get().error(), null);
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
            return receipt(hash, receipt);
        } catch (IOException e) {
            // the transaction may or may not have reached the node: the caller retries, and the
            // contract's ids make a retry of an included write fail with "…Exists", never duplicate it
            throw unreachable(e, hash);
        } catch (TransactionException e) {
            throw new LedgerException("No receipt for " + hash + " within " + config.receiptTimeout(), hash, null, e);
        }
    }

    private static String genesisHash(Web3j web3j) throws IOException {
        return web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(BigInteger.ZERO), false)
                .send()
                .getBlock()
                .getHash();
    }

    /** Forgets a connection (unless another replaced it already): the next chain call connects again. */
    private synchronized void drop(Connection stale) {
        if (connection == stale) {
            connection = null;
            stale.web3j().shutdown();
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
            PollingTransactionReceiptProcessor receipts = new PollingTransactionReceiptProcessor(
                    web3j, config.receiptPollInterval().toMillis(), (int) Math.max(
                            1,
                            config.receiptTimeout().toMillis()
                                    / Math.max(1, config.receiptPollInterval().toMillis())));
            // with our receipt polling also for deployments (web3j's default polls every 15 s)
            RawTransactionManager transactions =
                    new RawTransactionManager(web3j, credentials, config.chainId(), receipts);
            StaticGasProvider gas =
                    new StaticGasProvider(BigInteger.valueOf(config.gasPrice()), BigInteger.valueOf(config.gasLimit()));
            String genesis = genesisHash(web3j);
            String[] addresses = contractAddresses(web3j, transactions, credentials);
            connection = new Connection(
                    web3j,
                    transactions,
                    new Eip155Signer(credentials),
                    receipts,
                    ConsentRegistry.load(addresses[0], web3j, transactions, gas),
                    AuditAnchor.load(addresses[1], web3j, transactions, gas),
                    genesis);
            lastConnected = connection;
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
        return findOrDeployContracts(web3j, transactions, credentials.getAddress(), config.gasPrice());
    }

    /**
     * The ConsentRegistry and AuditAnchor of a writer account: the contracts its first two transactions
     * created (nonces 0 and 1), deployed now when the account has sent nothing yet. Used at start on local
     * chains and by the contract-deploy Job of the Helm chart ({@code network.DeployContractsCommand}).
     *
     * @throws LedgerException when the account has transactions but not those contracts (another or a
     *     reset chain), or the deployment fails
     */
    public static String[] findOrDeployContracts(
            Web3j web3j, RawTransactionManager transactions, String writer, long gasPrice) throws IOException {
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
        StaticGasProvider deployGas = new StaticGasProvider(BigInteger.valueOf(gasPrice), DEPLOY_GAS);
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
