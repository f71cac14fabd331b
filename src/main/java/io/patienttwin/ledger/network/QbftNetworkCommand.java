package io.patienttwin.ledger.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.Map;

/**
 * Generates a Besu QBFT network for the Helm chart (helm/README.md, "A new chain"):
 *
 * <pre>
 * java -cp "target/quarkus-app/app/*:target/quarkus-app/lib/main/*" io.patienttwin.ledger.network.QbftNetworkCommand \
 *     --out target/network --writer 0x… [--validators 4] [--chain-id 2026] [--block-period 2]
 *     [--request-timeout 10] [--release patient-twin] [--namespace default]
 * </pre>
 *
 * Writes {@code genesis.json}, {@code static-nodes.json}, {@code permissions_config.toml} and
 * {@code network-values.yaml} (the chart's {@code network} values: nothing secret), and each
 * validator's node key under {@code keys/validator-N/} (owner-only) with {@code create-secrets.sh}, which
 * stores them as the Kubernetes Secrets the chart mounts. The keys never go into values or ConfigMaps.
 */
public final class QbftNetworkCommand {

    private QbftNetworkCommand() {}

    public static void main(String[] args) throws IOException {
        Map<String, String> options = options(args);
        if (!options.containsKey("out") || !options.containsKey("writer")) {
            System.err.println("usage: QbftNetworkCommand --out DIR --writer 0xADDRESS [--validators 4]"
                    + " [--chain-id 2026] [--block-period 2] [--request-timeout 10] [--release patient-twin]"
                    + " [--namespace default]");
            System.exit(2);
        }
        String release = options.getOrDefault("release", "patient-twin");
        String namespace = options.getOrDefault("namespace", "default");
        QbftNetwork.Settings settings = new QbftNetwork.Settings(
                Long.parseLong(options.getOrDefault("chain-id", "2026")),
                Integer.parseInt(options.getOrDefault("block-period", "2")),
                Integer.parseInt(options.getOrDefault("request-timeout", "10")),
                30000,
                options.get("writer"),
                30303);
        QbftNetwork network = QbftNetwork.generate(
                Integer.parseInt(options.getOrDefault("validators", "4")),
                i -> validatorHost(release, namespace, i),
                settings);
        Path out = Path.of(options.get("out"));
        write(out, network, release);
        System.out.println("QBFT network of " + network.validators().size() + " validators written to " + out);
        network.validators().forEach(v -> System.out.println("  " + v.address() + "  " + v.enode()));
    }

    /** The DNS name of validator i's Service in the chart (templates/besu-validators.yaml). */
    public static String validatorHost(String release, String namespace, int index) {
        return release + "-validator-" + index + "." + namespace + ".svc.cluster.local";
    }

    /** Writes the network's files into a directory (created if need be). */
    public static void write(Path out, QbftNetwork network, String release) throws IOException {
        Files.createDirectories(out);
        Files.writeString(out.resolve("genesis.json"), network.genesis(), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("static-nodes.json"), network.staticNodes(), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("permissions_config.toml"), network.permissions(), StandardCharsets.UTF_8);
        Files.writeString(out.resolve("network-values.yaml"), values(network), StandardCharsets.UTF_8);
        StringBuilder secrets = new StringBuilder("#!/usr/bin/env sh\n# Stores the validators' node keys as the"
                + " Secrets the chart mounts (run with kubectl pointed at the release's namespace).\nset -eu\n"
                + "cd \"$(dirname \"$0\")\"\n");
        for (int i = 0; i < network.validators().size(); i++) {
            QbftNetwork.Validator v = network.validators().get(i);
            Path dir = Files.createDirectories(out.resolve("keys/validator-" + i));
            Path key = dir.resolve("key");
            Files.writeString(key, v.privateKeyHex(), StandardCharsets.US_ASCII);
            ownerOnly(key);
            Files.writeString(dir.resolve("key.pub"), "0x" + v.nodeId(), StandardCharsets.US_ASCII);
            Files.writeString(dir.resolve("address"), v.address(), StandardCharsets.US_ASCII);
            secrets.append("kubectl create secret generic ")
                    .append(release)
                    .append("-validator-")
                    .append(i)
                    .append("-key --from-file=key=keys/validator-")
                    .append(i)
                    .append("/key\n");
        }
        Path script = out.resolve("create-secrets.sh");
        Files.writeString(script, secrets.toString(), StandardCharsets.UTF_8);
        script.toFile().setExecutable(true, true);
    }

    /** The chart's {@code network} values: genesis, static nodes, permissions and validators. */
    static String values(QbftNetwork network) {
        StringBuilder yaml = new StringBuilder("# Generated by io.patienttwin.ledger.network.QbftNetworkCommand;"
                + " pass with -f. Holds no key.\nnetwork:\n");
        block(yaml, "genesis", network.genesis());
        block(yaml, "staticNodes", network.staticNodes());
        block(yaml, "permissions", network.permissions());
        yaml.append("  validators:\n");
        for (QbftNetwork.Validator v : network.validators()) {
            yaml.append("    - address: \"").append(v.address()).append("\"\n");
            yaml.append("      enode: \"").append(v.enode()).append("\"\n");
        }
        return yaml.toString();
    }

    private static void block(StringBuilder yaml, String name, String text) {
        yaml.append("  ").append(name).append(": |\n");
        for (String line : text.split("\n", -1)) {
            if (!line.isEmpty()) {
                yaml.append("    ").append(line).append('\n');
            }
        }
    }

    private static void ownerOnly(Path file) throws IOException {
        try {
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException notPosix) {
            file.toFile().setReadable(false, false);
            file.toFile().setReadable(true, true);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
            }
            options.put(args[i].substring(2), args[++i]);
        }
        return options;
    }
}
