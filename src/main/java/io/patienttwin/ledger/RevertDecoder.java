package io.patienttwin.ledger;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.web3j.abi.FunctionReturnDecoder;
import org.web3j.abi.TypeReference;
import org.web3j.abi.datatypes.Type;
import org.web3j.crypto.Hash;
import org.web3j.utils.Numeric;

/**
 * Decodes revert data into the custom errors a contract declares, from the contract's ABI on the
 * classpath ({@code contracts/<Name>.abi}, written by the build). Decoding the data, never the
 * node's message text, keeps this independent of Besu's and Anvil's wording. Immutable, thread-safe.
 */
public final class RevertDecoder {

    private record ErrorDefinition(String name, List<TypeReference<Type>> types) {}

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Map<String, ErrorDefinition> bySelector;

    private RevertDecoder(Map<String, ErrorDefinition> bySelector) {
        this.bySelector = Map.copyOf(bySelector);
    }

    /** The decoder for the errors of the named contracts (e.g. ConsentRegistry, AuditAnchor). */
    public static RevertDecoder forContracts(String... contractNames) {
        Map<String, ErrorDefinition> bySelector = new HashMap<>();
        for (String contract : contractNames) {
            String resource = "contracts/" + contract + ".abi";
            try (InputStream in = RevertDecoder.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException(resource + " is not on the classpath");
                }
                for (JsonNode entry : JSON.readTree(in)) {
                    if ("error".equals(entry.path("type").asText())) {
                        ErrorDefinition definition = definition(entry);
                        bySelector.put(selector(entry), definition);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return new RevertDecoder(bySelector);
    }

    /**
     * The custom error in revert data ({@code 0x} + 4-byte selector + ABI-encoded arguments, optionally
     * in JSON quotes), or empty when the data is absent, too short, or not an error of these contracts.
     */
    public Optional<ContractError> decode(String revertData) {
        if (revertData == null) {
            return Optional.empty();
        }
        // web3j 4.13 hands out the JSON-RPC error's data with its JSON quotes
        String hex = Numeric.cleanHexPrefix(revertData.strip().replace("\"", ""));
        if (hex.length() < 8) {
            return Optional.empty();
        }
        ErrorDefinition definition = bySelector.get(hex.substring(0, 8).toLowerCase(java.util.Locale.ROOT));
        if (definition == null) {
            return Optional.empty();
        }
        List<Object> arguments = new ArrayList<>();
        if (!definition.types().isEmpty()) {
            for (Type<?> value : FunctionReturnDecoder.decode("0x" + hex.substring(8), definition.types())) {
                arguments.add(value.getValue());
            }
        }
        return Optional.of(new ContractError(definition.name(), arguments));
    }

    private static ErrorDefinition definition(JsonNode entry) {
        List<TypeReference<Type>> types = new ArrayList<>();
        for (JsonNode input : entry.path("inputs")) {
            try {
                @SuppressWarnings("unchecked")
                TypeReference<Type> type = (TypeReference<Type>) (TypeReference<?>)
                        TypeReference.makeTypeReference(input.path("type").asText());
                types.add(type);
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(
                        "unsupported ABI type " + input.path("type").asText(), e);
            }
        }
        return new ErrorDefinition(entry.path("name").asText(), types);
    }

    private static String selector(JsonNode entry) {
        List<String> types = new ArrayList<>();
        entry.path("inputs").forEach(input -> types.add(input.path("type").asText()));
        String signature = entry.path("name").asText() + "(" + String.join(",", types) + ")";
        return Hash.sha3String(signature).substring(2, 10);
    }
}
