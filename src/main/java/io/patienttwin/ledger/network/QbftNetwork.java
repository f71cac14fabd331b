package io.patienttwin.ledger.network;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.IntFunction;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.rlp.RlpEncoder;
import org.web3j.rlp.RlpList;
import org.web3j.rlp.RlpString;
import org.web3j.rlp.RlpType;
import org.web3j.utils.Numeric;

/**
 * A Besu QBFT network's configuration (docs/operations.md, "Production chain"): the validators' node
 * keys, the genesis whose {@code extraData} names them, their enode URLs (static nodes and the nodes
 * allowlist) and the accounts allowlist of local permissioning (the writer account only, besides the
 * validators). Pure: {@link QbftNetworkCommand} writes it to files, and the Helm chart consumes them.
 *
 * <p>The QBFT {@code extraData} is, as Besu's {@code QbftExtraDataCodec} encodes it,
 * {@code RLP([32-byte vanity, [validator addresses], vote, round, [seals]])}; at genesis the vanity is
 * zero, there is no vote (an empty list), the round is the scalar 0 (the empty string) and there are no
 * seals (an empty list).
 */
public final class QbftNetwork {

    /** Besu's QBFT genesis mixHash ("ctical byzantine fault tolerance" in ASCII). */
    public static final String QBFT_MIX_HASH = "0x63746963616c2062797a616e74696e65206661756c7420746f6c6572616e6365";

    private static final int VANITY_BYTES = 32;

    /** A validator: its node key pair, its account address and its enode URL. */
    public record Validator(ECKeyPair keys, String address, String host, int p2pPort) {

        /** The node key as Besu's {@code --node-private-key-file} holds it (0x and 64 hex digits). */
        public String privateKeyHex() {
            return Numeric.toHexStringWithPrefixZeroPadded(keys.getPrivateKey(), 64);
        }

        /** The 64-byte public key, hex without 0x (the node id of its enode URL). */
        public String nodeId() {
            return Numeric.toHexStringNoPrefixZeroPadded(keys.getPublicKey(), 128);
        }

        public String enode() {
            return "enode://" + nodeId() + "@" + host + ":" + p2pPort;
        }
    }

    /** What the genesis fixes besides the validators. */
    public record Settings(
            long chainId,
            int blockPeriodSeconds,
            int requestTimeoutSeconds,
            long epochLength,
            String writerAddress,
            int p2pPort) {

        public Settings {
            if (chainId <= 0) {
                throw new IllegalArgumentException("the chain id must be positive");
            }
            if (blockPeriodSeconds < 1 || requestTimeoutSeconds <= blockPeriodSeconds) {
                throw new IllegalArgumentException(
                        "QBFT needs a block period of at least 1 s and a request timeout longer than it");
            }
            writerAddress = normalizedAddress(writerAddress);
        }
    }

    private final List<Validator> validators;
    private final Settings settings;

    private QbftNetwork(List<Validator> validators, Settings settings) {
        this.validators = List.copyOf(validators);
        this.settings = settings;
    }

    /**
     * A network of validators with the given key pairs, in ascending address order; {@code host} gives
     * validator i's host name (its StatefulSet pod's DNS name in the chart).
     */
    public static QbftNetwork of(List<ECKeyPair> keys, IntFunction<String> host, Settings settings) {
        if (keys.size() < 4) {
            throw new IllegalArgumentException("a QBFT network that tolerates one faulty validator needs at least 4");
        }
        List<ECKeyPair> sorted = new ArrayList<>(keys);
        sorted.sort(Comparator.comparing(k -> Keys.getAddress(k.getPublicKey())));
        List<Validator> validators = new ArrayList<>();
        for (int i = 0; i < sorted.size(); i++) {
            ECKeyPair k = sorted.get(i);
            validators.add(
                    new Validator(k, "0x" + Keys.getAddress(k.getPublicKey()), host.apply(i), settings.p2pPort()));
        }
        if (validators.stream().map(Validator::address).distinct().count() != validators.size()) {
            throw new IllegalArgumentException("two validators share a key");
        }
        return new QbftNetwork(validators, settings);
    }

    /** A network of {@code count} validators with fresh keys. */
    public static QbftNetwork generate(int count, IntFunction<String> host, Settings settings) {
        List<ECKeyPair> keys = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            try {
                keys.add(Keys.createEcKeyPair());
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException("cannot generate a secp256k1 key", e);
            }
        }
        return of(keys, host, settings);
    }

    public List<Validator> validators() {
        return validators;
    }

    /** The genesis {@code extraData} naming the validators, hex with 0x. */
    public String extraData() {
        return extraData(validators.stream().map(Validator::address).toList());
    }

    /** QBFT genesis {@code extraData} for validator addresses (0x-prefixed hex), in the order given. */
    public static String extraData(List<String> validatorAddresses) {
        List<RlpType> addresses = new ArrayList<>();
        for (String address : validatorAddresses) {
            addresses.add(RlpString.create(Numeric.hexStringToByteArray(normalizedAddress(address))));
        }
        RlpList extra = new RlpList(
                RlpString.create(new byte[VANITY_BYTES]),
                new RlpList(addresses),
                new RlpList(),
                RlpString.create(new byte[0]),
                new RlpList());
        return Numeric.toHexString(RlpEncoder.encode(extra));
    }

    /** The genesis file: London rules with zero base fee (a free-gas network), QBFT, the writer funded. */
    public String genesis() {
        ObjectMapper json = new ObjectMapper();
        ObjectNode genesis = json.createObjectNode();
        ObjectNode config = genesis.putObject("config");
        config.put("chainId", settings.chainId());
        config.put("berlinBlock", 0);
        config.put("londonBlock", 0);
        config.put("zeroBaseFee", true);
        ObjectNode qbft = config.putObject("qbft");
        qbft.put("blockperiodseconds", settings.blockPeriodSeconds());
        qbft.put("epochlength", settings.epochLength());
        qbft.put("requesttimeoutseconds", settings.requestTimeoutSeconds());
        genesis.put("nonce", "0x0");
        genesis.put("timestamp", "0x0");
        genesis.put("gasLimit", "0x1fffffffffffff");
        genesis.put("difficulty", "0x1");
        genesis.put("mixHash", QBFT_MIX_HASH);
        genesis.put("coinbase", "0x0000000000000000000000000000000000000000");
        genesis.putObject("alloc")
                .putObject(settings.writerAddress())
                .put("balance", "0x" + BigInteger.TEN.pow(24).toString(16));
        genesis.put("extraData", extraData());
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(genesis) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Besu's static-nodes.json: every validator's enode URL. */
    public String staticNodes() {
        ObjectMapper json = new ObjectMapper();
        ArrayNode nodes = json.createArrayNode();
        validators.forEach(v -> nodes.add(v.enode()));
        try {
            return json.writerWithDefaultPrettyPrinter().writeValueAsString(nodes) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Besu's local permissions file ({@code --permissions-accounts-config-file},
     * {@code --permissions-nodes-config-file}): only the writer account may send transactions (the
     * validators too, which send none but must not be refused), and only the validators may connect.
     */
    public String permissions() {
        StringBuilder toml = new StringBuilder();
        toml.append("# Generated by io.patienttwin.ledger.network.QbftNetworkCommand\n");
        toml.append("accounts-allowlist=[\"").append(settings.writerAddress()).append("\"");
        validators.forEach(v -> toml.append(", \"").append(v.address()).append("\""));
        toml.append("]\n");
        toml.append("nodes-allowlist=[");
        for (int i = 0; i < validators.size(); i++) {
            toml.append(i == 0 ? "" : ", ")
                    .append("\"")
                    .append(validators.get(i).enode())
                    .append("\"");
        }
        toml.append("]\n");
        return toml.toString();
    }

    static String normalizedAddress(String address) {
        Objects.requireNonNull(address, "an address");
        String hex = Numeric.cleanHexPrefix(address.trim()).toLowerCase(Locale.ROOT);
        if (!hex.matches("[0-9a-f]{40}")) {
            throw new IllegalArgumentException("not an account address: " + address);
        }
        return "0x" + hex;
    }
}
