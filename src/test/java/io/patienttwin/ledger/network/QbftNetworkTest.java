package io.patienttwin.ledger.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.web3j.crypto.ECKeyPair;
import org.web3j.crypto.Keys;
import org.web3j.crypto.Sign;
import org.web3j.rlp.RlpDecoder;
import org.web3j.rlp.RlpList;
import org.web3j.rlp.RlpString;
import org.web3j.rlp.RlpType;
import org.web3j.utils.Numeric;

/**
 * The QBFT network generator against Besu's documented format: the genesis {@code extraData} of Besu's
 * own QBFT example is reproduced byte for byte, and a generated genesis decodes (web3j's RLP decoder)
 * back to the validators it was given.
 */
class QbftNetworkTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String WRITER = "0x00a329c0648769a73afac7f9381e08fb43dbea72";

    /**
     * The QBFT genesis example of the Besu documentation (Private networks, Consensus, QBFT, "Genesis
     * file"): its four validators and its extraData.
     */
    private static final List<String> BESU_DOC_VALIDATORS = List.of(
            "0x64a702e6263b7297a96638cac6ae65e6541f4169",
            "0x3923390ad55e90c237593b3b0e401f3b08a03185",
            "0xaefdb9a738c9f433e5b6b212a6d62f6370c2f692",
            "0xc7eeb9a4e00ce683cf93039b212648e01c6c6b78");

    private static final String BESU_DOC_EXTRA_DATA = "0xf87aa0000000000000000000000000000000000000000000000000"
            + "0000000000000000f8549464a702e6263b7297a96638cac6ae65e6541f4169943923390ad55e90c237593b3b0e401f3b08"
            + "a0318594aefdb9a738c9f433e5b6b212a6d62f6370c2f69294c7eeb9a4e00ce683cf93039b212648e01c6c6b78c080c0";

    @Test
    void theExtraDataOfBesusDocumentedQbftGenesisIsReproducedByteForByte() {
        assertThat(QbftNetwork.extraData(BESU_DOC_VALIDATORS)).isEqualTo(BESU_DOC_EXTRA_DATA);
    }

    @Test
    void aGeneratedGenesisDecodesToTheValidatorsItWasGiven() throws Exception {
        List<ECKeyPair> keys = fixedKeys(4);
        QbftNetwork network = QbftNetwork.of(keys, i -> "validator-" + i, settings());

        JsonNode genesis = JSON.readTree(network.genesis());
        RlpList outer = (RlpList) RlpDecoder.decode(
                        Numeric.hexStringToByteArray(genesis.path("extraData").asText()))
                .getValues()
                .get(0);
        List<RlpType> fields = outer.getValues();

        assertThat(fields).hasSize(5);
        assertThat(((RlpString) fields.get(0)).getBytes()).as("vanity").isEqualTo(new byte[32]);
        List<String> decoded = ((RlpList) fields.get(1))
                .getValues().stream()
                        .map(v -> Numeric.toHexString(((RlpString) v).getBytes()))
                        .toList();
        List<String> given = keys.stream()
                .map(k -> "0x" + Keys.getAddress(k.getPublicKey()))
                .sorted()
                .toList();
        assertThat(decoded).as("validators").containsExactlyElementsOf(given);
        assertThat(((RlpList) fields.get(2)).getValues()).as("no vote").isEmpty();
        assertThat(((RlpString) fields.get(3)).getBytes()).as("round 0").isEmpty();
        assertThat(((RlpList) fields.get(4)).getValues()).as("no seals").isEmpty();

        JsonNode config = genesis.path("config");
        assertThat(config.path("chainId").asLong()).isEqualTo(2026);
        assertThat(config.path("zeroBaseFee").asBoolean()).as("free gas").isTrue();
        assertThat(config.path("qbft").path("blockperiodseconds").asInt()).isEqualTo(2);
        assertThat(config.path("qbft").path("requesttimeoutseconds").asInt()).isEqualTo(10);
        assertThat(genesis.path("mixHash").asText()).isEqualTo(QbftNetwork.QBFT_MIX_HASH);
        assertThat(genesis.path("difficulty").asText()).isEqualTo("0x1");
        assertThat(genesis.path("alloc").fieldNames()).toIterable().containsExactly(WRITER);
    }

    @Test
    void everyEnodeNamesItsValidatorsPublicKeyAndHostAndOnlyTheWriterAndValidatorsMaySend() throws Exception {
        List<ECKeyPair> keys = fixedKeys(5);
        QbftNetwork network = QbftNetwork.of(keys, i -> "validator-" + i + ".chain.svc", settings());

        JsonNode staticNodes = JSON.readTree(network.staticNodes());
        assertThat(staticNodes).hasSize(5);
        for (int i = 0; i < 5; i++) {
            QbftNetwork.Validator v = network.validators().get(i);
            BigInteger publicKey = Sign.publicKeyFromPrivate(v.keys().getPrivateKey());
            assertThat(staticNodes.get(i).asText())
                    .isEqualTo("enode://" + Numeric.toHexStringNoPrefixZeroPadded(publicKey, 128) + "@validator-" + i
                            + ".chain.svc:30303");
            assertThat(v.address()).isEqualTo("0x" + Keys.getAddress(publicKey));
        }
        String permissions = network.permissions();
        assertThat(permissions).contains("accounts-allowlist=[\"" + WRITER + "\"");
        network.validators().forEach(v -> assertThat(permissions).contains(v.address(), v.enode()));
        assertThat(permissions
                        .lines()
                        .filter(l -> l.startsWith("accounts-allowlist"))
                        .findFirst()
                        .orElseThrow())
                .as("writer and five validators, nobody else")
                .matches("accounts-allowlist=\\[(\"0x[0-9a-f]{40}\"(, )?){6}\\]");
    }

    @Test
    void fewerThanFourValidatorsASharedKeyOrAMalformedWriterAreRefused() {
        assertThatThrownBy(() -> QbftNetwork.of(fixedKeys(3), i -> "v" + i, settings()))
                .hasMessageContaining("at least 4");
        List<ECKeyPair> twice =
                Stream.concat(fixedKeys(3).stream(), fixedKeys(1).stream()).toList();
        assertThatThrownBy(() -> QbftNetwork.of(twice, i -> "v" + i, settings()))
                .hasMessageContaining("share a key");
        assertThatThrownBy(() -> new QbftNetwork.Settings(2026, 2, 10, 30000, "0x1234", 30303))
                .hasMessageContaining("not an account address");
        assertThatThrownBy(() -> new QbftNetwork.Settings(2026, 5, 5, 30000, WRITER, 30303))
                .hasMessageContaining("request timeout");
    }

    @Test
    void theCommandWritesKeysOwnerOnlyAndNoKeyIntoTheChartValues(@TempDir Path out) throws Exception {
        QbftNetwork network =
                QbftNetwork.generate(4, i -> QbftNetworkCommand.validatorHost("pt", "chain", i), settings());

        QbftNetworkCommand.write(out, network, "pt");

        String values = Files.readString(out.resolve("network-values.yaml"));
        for (int i = 0; i < 4; i++) {
            QbftNetwork.Validator v = network.validators().get(i);
            Path key = out.resolve("keys/validator-" + i + "/key");
            assertThat(Files.readString(key)).isEqualTo(v.privateKeyHex());
            assertThat(Files.getPosixFilePermissions(key)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
            assertThat(values).doesNotContain(Numeric.cleanHexPrefix(v.privateKeyHex()));
            assertThat(values).contains(v.enode()).contains("pt-validator-" + i + ".chain.svc.cluster.local");
        }
        assertThat(Files.readString(out.resolve("create-secrets.sh")))
                .contains("kubectl create secret generic pt-validator-3-key --from-file=key=keys/validator-3/key");
        assertThat(JSON.readTree(Files.readString(out.resolve("genesis.json")))
                        .path("extraData")
                        .asText())
                .isEqualTo(network.extraData());
    }

    private static QbftNetwork.Settings settings() {
        return new QbftNetwork.Settings(2026, 2, 10, 30000, WRITER, 30303);
    }

    /** Key pairs from fixed private keys 1 000 001, 1 000 002, … (a test needs the same ones each run). */
    private static List<ECKeyPair> fixedKeys(int count) {
        return IntStream.rangeClosed(1, count)
                .mapToObj(i -> ECKeyPair.create(BigInteger.valueOf(1_000_000 + i)))
                .toList();
    }
}
