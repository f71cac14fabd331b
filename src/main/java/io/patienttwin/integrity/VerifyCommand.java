package io.patienttwin.integrity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.web3j.abi.FunctionEncoder;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Function;
import org.web3j.abi.datatypes.Type;
import org.web3j.abi.datatypes.generated.Bytes32;
import org.web3j.abi.datatypes.generated.Uint32;
import org.web3j.abi.datatypes.generated.Uint64;
import org.web3j.protocol.Web3j;
import org.web3j.protocol.core.DefaultBlockParameter;
import org.web3j.protocol.core.DefaultBlockParameterName;
import org.web3j.protocol.core.methods.request.Transaction;
import org.web3j.protocol.core.methods.response.EthBlock;
import org.web3j.protocol.core.methods.response.EthCall;
import org.web3j.protocol.http.HttpService;
import org.web3j.utils.Numeric;

/**
 * Checks a {@code $proof} with nothing of the server: the leaf recomputed from the resource version (or
 * the audit record's document in the proof), the inclusion path to the root, and the root, block and
 * chain as the chain itself holds them.
 *
 * <pre>
 * java -cp "target/quarkus-app/app/*:target/quarkus-app/lib/main/*" io.patienttwin.integrity.VerifyCommand \
 *     proof.json [resource.json] --rpc http://besu:8545 [--contract 0xAuditAnchor]
 * </pre>
 *
 * Exit 0 and {@code VERIFIED} when every check holds; exit 1 and {@code NOT VERIFIED: reason} otherwise;
 * exit 2 for wrong arguments. Pass {@code --contract} with the AuditAnchor address the operator
 * publishes: without it the verifier trusts the address the proof names (a forged proof could name a
 * contract of its own).
 */
public final class VerifyCommand {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HexFormat HEX = HexFormat.of();

    /** The outcome of a verification: verified, or the first check that failed. */
    public record Result(boolean verified, String message) {}

    private VerifyCommand() {}

    public static void main(String[] args) throws IOException {
        String proof = null;
        String resource = null;
        String rpc = null;
        String contract = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rpc" -> rpc = i + 1 < args.length ? args[++i] : null;
                case "--contract" -> contract = i + 1 < args.length ? args[++i] : null;
                default -> {
                    if (proof == null) {
                        proof = args[i];
                    } else if (resource == null) {
                        resource = args[i];
                    } else {
                        usage();
                    }
                }
            }
        }
        if (proof == null || rpc == null) {
            usage();
        }
        Result result = verify(
                Files.readString(Path.of(proof), StandardCharsets.UTF_8),
                resource == null ? null : Files.readString(Path.of(resource), StandardCharsets.UTF_8),
                rpc,
                contract);
        PrintStream out = result.verified() ? System.out : System.err;
        out.println((result.verified() ? "VERIFIED: " : "NOT VERIFIED: ") + result.message());
        System.exit(result.verified() ? 0 : 1);
    }

    private static void usage() {
        System.err.println("usage: VerifyCommand proof.json [resource.json] --rpc URL [--contract 0xADDRESS]");
        System.exit(2);
    }

    /**
     * Verifies a proof (FHIR Parameters JSON) against a resource version (its JSON as read, or null for an
     * audit record's proof, which carries its document) and the chain at {@code rpcUrl}.
     */
    public static Result verify(String proofJson, String resourceJson, String rpcUrl, String expectedContract) {
        Map<String, List<String>> p;
        try {
            p = parameters(JSON.readTree(proofJson));
        } catch (IOException | RuntimeException e) {
            return new Result(false, "the proof is not a FHIR Parameters resource: " + e.getMessage());
        }
        try {
            return verify(p, resourceJson, rpcUrl, expectedContract);
        } catch (RuntimeException e) {
            return new Result(false, "the proof is malformed: " + e);
        }
    }

    private static Result verify(
            Map<String, List<String>> p, String resourceJson, String rpcUrl, String expectedContract) {
        if (!"anchored".equals(first(p, "status"))) {
            return new Result(false, "the proof's status is " + first(p, "status") + ", not anchored");
        }
        byte[] leaf;
        try {
            leaf = leafOf(p, resourceJson);
        } catch (IllegalArgumentException e) {
            return new Result(false, e.getMessage());
        }
        if (!HEX.formatHex(leaf).equalsIgnoreCase(first(p, "leaf"))) {
            return new Result(false, "the resource does not hash to the proof's leaf: it is not the anchored version");
        }
        List<byte[]> path = new ArrayList<>();
        for (String sibling : p.getOrDefault("path", List.of())) {
            path.add(HEX.parseHex(sibling));
        }
        byte[] root = Numeric.hexStringToByteArray(first(p, "root"));
        long index = Long.parseLong(first(p, "leafIndex"));
        long size = Long.parseLong(first(p, "treeSize"));
        if (!MerkleTree.verify(leaf, index, size, path, root)) {
            return new Result(false, "the inclusion path does not lead from the leaf to the root");
        }
        String contract = first(p, "contract");
        if (expectedContract != null && !expectedContract.equalsIgnoreCase(contract)) {
            return new Result(false, "the proof names contract " + contract + ", not " + expectedContract);
        }
        Web3j web3j = Web3j.build(new HttpService(rpcUrl));
        try {
            long chainId = web3j.ethChainId().send().getChainId().longValueExact();
            if (chainId != Long.parseLong(first(p, "chainId"))) {
                return new Result(false, "the node is chain " + chainId + ", the proof names " + first(p, "chainId"));
            }
            Function anchorOf = new Function(
                    "anchorOf",
                    List.of(new Bytes32(Numeric.hexStringToByteArray(first(p, "batchId")))),
                    List.of(
                            new TypeReference<Bytes32>() {},
                            new TypeReference<Uint32>() {},
                            new TypeReference<Uint64>() {},
                            new TypeReference<Uint64>() {},
                            new TypeReference<Uint64>() {}));
            EthCall call = web3j.ethCall(
                            Transaction.createEthCallTransaction(null, contract, FunctionEncoder.encode(anchorOf)),
                            DefaultBlockParameterName.LATEST)
                    .send();
            if (call.hasError()) {
                return new Result(
                        false,
                        "anchorOf failed on the chain: " + call.getError().getMessage());
            }
            List<Type> values = FunctionReturnDecoder.decode(call.getValue(), anchorOf.getOutputParameters());
            if (values.isEmpty() || ((Uint32) values.get(1)).getValue().signum() == 0) {
                return new Result(false, "the chain holds no batch " + first(p, "batchId") + " at " + contract);
            }
            byte[] chainRoot = ((Bytes32) values.get(0)).getValue();
            if (!java.security.MessageDigest.isEqual(chainRoot, root)) {
                return new Result(
                        false, "the chain holds another root for the batch: " + Numeric.toHexString(chainRoot));
            }
            if (((Uint32) values.get(1)).getValue().longValueExact() != size) {
                return new Result(false, "the chain holds another leaf count for the batch");
            }
            BigInteger block = ((Uint64) values.get(4)).getValue();
            if (!block.toString().equals(first(p, "blockNumber"))) {
                return new Result(
                        false, "the batch was anchored in block " + block + ", not " + first(p, "blockNumber"));
            }
            EthBlock.Block onChain = web3j.ethGetBlockByNumber(DefaultBlockParameter.valueOf(block), false)
                    .send()
                    .getBlock();
            if (onChain == null || !onChain.getHash().equalsIgnoreCase(first(p, "blockHash"))) {
                return new Result(false, "block " + block + " has another hash on this chain");
            }
            return new Result(
                    true,
                    first(p, "reference") + " is leaf " + index + " of " + size + " of batch " + first(p, "batch")
                            + ", anchored in block " + block + " (" + onChain.getHash() + ") of chain " + chainId);
        } catch (IOException e) {
            return new Result(false, "the chain at " + rpcUrl + " cannot be reached: " + e.getMessage());
        } finally {
            web3j.shutdown();
        }
    }

    private static byte[] leafOf(Map<String, List<String>> p, String resourceJson) {
        String document = first(p, "document");
        if (resourceJson == null) {
            if (document == null) {
                throw new IllegalArgumentException("a resource version's proof needs the resource's JSON");
            }
            return Leaves.audit(document);
        }
        JsonNode resource;
        try {
            resource = JSON.readTree(resourceJson);
        } catch (IOException e) {
            throw new IllegalArgumentException("the resource is not JSON: " + e.getMessage());
        }
        String type = resource.path("resourceType").asText(null);
        String id = resource.path("id").asText(null);
        String version = resource.path("meta").path("versionId").asText(null);
        String lastUpdated = resource.path("meta").path("lastUpdated").asText(null);
        if (type == null || id == null || version == null || lastUpdated == null) {
            throw new IllegalArgumentException(
                    "the resource lacks resourceType, id, meta.versionId or meta.lastUpdated");
        }
        String reference = type + "/" + id + "/_history/" + version;
        if (!reference.equals(first(p, "reference"))) {
            throw new IllegalArgumentException("the proof is about " + first(p, "reference") + ", not " + reference);
        }
        Instant updated;
        try {
            updated = OffsetDateTime.parse(lastUpdated).toInstant();
            return Leaves.version(type, id, Long.parseLong(version), updated, resourceJson);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("the resource cannot be hashed: " + e.getMessage());
        }
    }

    private static Map<String, List<String>> parameters(JsonNode parameters) {
        if (!"Parameters".equals(parameters.path("resourceType").asText())) {
            throw new IllegalArgumentException("resourceType is not Parameters");
        }
        Map<String, List<String>> values = new LinkedHashMap<>();
        for (JsonNode parameter : parameters.path("parameter")) {
            String value = null;
            for (String key : List.of("valueString", "valueCode", "valueInteger")) {
                if (parameter.has(key)) {
                    value = parameter.get(key).asText();
                }
            }
            values.computeIfAbsent(parameter.path("name").asText(), name -> new ArrayList<>())
                    .add(value);
        }
        return values;
    }

    private static String first(Map<String, List<String>> p, String name) {
        List<String> values = p.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
