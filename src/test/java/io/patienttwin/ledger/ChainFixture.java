package io.patienttwin.ledger;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.localstack.AnvilProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import okhttp3.OkHttpClient;
import org.web3j.crypto.Credentials;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.RemoteFunctionCall;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.core.methods.response.TransactionReceipt;
import org.web3j.protocol.http.HttpService;
import org.web3j.tx.RawTransactionManager;
import org.web3j.tx.TransactionManager;
import org.web3j.tx.gas.StaticGasProvider;
import org.web3j.tx.response.PollingTransactionReceiptProcessor;

/**
 * A fresh Anvil chain for one test class, with web3j connected and Anvil's well-known development
 * accounts (public test keys, never used outside a local chain): admin, writer and an outsider.
 */
final class ChainFixture implements AutoCloseable {

    static final Credentials ADMIN =
            Credentials.create("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80");
    static final Credentials WRITER =
            Credentials.create("0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d");
    static final Credentials OUTSIDER =
            Credentials.create("0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a");

    /** Free gas, like a Besu network with min-gas-price 0; limits generous enough for deployment. */
    static final StaticGasProvider GAS = new StaticGasProvider(BigInteger.ZERO, BigInteger.valueOf(3_000_000));

    private static final SecureRandom RANDOM = new SecureRandom();

    final AnvilProcess anvil;
    final Web3j web3j;
    private final OkHttpClient http = new OkHttpClient();

    ChainFixture() {
        anvil = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, 0, List.of());
        web3j = Web3j.build(new HttpService(anvil.rpcUrl(), http));
    }

    TransactionManager transactions(Credentials credentials) {
        return new RawTransactionManager(
                web3j, credentials, AnvilProcess.CHAIN_ID, new PollingTransactionReceiptProcessor(web3j, 20, 250));
    }

    /** Simulates a call with eth_call and returns its revert data, if it reverted. */
    Optional<String> revertData(Credentials from, String contract, String encodedCall) {
        try {
            EthCall call = web3j.ethCall(
                            Transaction.createEthCallTransaction(from.getAddress(), contract, encodedCall),
                            DefaultBlockParameterName.LATEST)
                    .send();
            return call.hasError() ? Optional.ofNullable(call.getError().getData()) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Simulates {@code call} from {@code from} against {@code contract} and asserts that it reverts with
     * the custom error and arguments given (addresses compared case-insensitively).
     */
    void assertReverts(
            RevertDecoder errors,
            Credentials from,
            String contract,
            RemoteFunctionCall<TransactionReceipt> call,
            String error,
            Object... arguments) {
        String data = revertData(from, contract, call.encodeFunctionCall())
                .orElseThrow(() -> new AssertionError("the call did not revert; expected " + error));
        ContractError decoded = errors.decode(data).orElseThrow(() -> new AssertionError("undecodable: " + data));
        assertThat(decoded.name()).isEqualTo(error);
        assertThat(decoded.arguments()).hasSize(arguments.length);
        for (int i = 0; i < arguments.length; i++) {
            Object actual = decoded.arguments().get(i);
            if (arguments[i] instanceof String address) {
                assertThat(((String) actual).toLowerCase()).isEqualTo(address.toLowerCase());
            } else {
                assertThat(actual).isEqualTo(arguments[i]);
            }
        }
    }

    static byte[] random32() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return bytes;
    }

    @Override
    public void close() {
        web3j.shutdown();
        // web3j 4.13 does not stop the OkHttp client it was given
        http.dispatcher().executorService().shutdown();
        http.connectionPool().evictAll();
        anvil.stop();
    }
}
