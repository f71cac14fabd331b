package io.patienttwin.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.jboss.logging.Logger;

/**
 * Provides the Keycloak server distribution (org.keycloak:keycloak-quarkus-dist) unpacked on this
 * machine, for dev mode and tests alike: from the local Maven repository when the zip is there,
 * otherwise downloaded once from Maven Central and checked against its published SHA-1.
 */
public final class KeycloakDistribution {

    private static final Logger LOG = Logger.getLogger(KeycloakDistribution.class);

    /** The keycloak-quarkus-dist version PatientTwin runs. */
    public static final String VERSION = "26.7.3";

    /** System property naming an already unpacked distribution to use instead. */
    public static final String DISTRIBUTION_PROPERTY = "twin.localstack.keycloak.distribution";

    private static final String ARTIFACT_PATH =
            "org/keycloak/keycloak-quarkus-dist/" + VERSION + "/keycloak-quarkus-dist-" + VERSION + ".zip";
    private static final String CENTRAL = "https://repo.maven.apache.org/maven2/";

    private KeycloakDistribution() {}

    /**
     * The home of the unpacked distribution (the folder with {@code bin/kc.sh}), unpacking it into
     * {@code ~/.cache/patient-twin/} first if needed. Safe to call from several JVMs at once (a file
     * lock serialises the unpacking). The first call on a fresh machine downloads 169 MiB.
     *
     * @throws KeycloakStartException if the zip can be neither found nor downloaded intact
     */
    public static Path ensure() {
        String override = System.getProperty(DISTRIBUTION_PROPERTY);
        if (override != null && !override.isBlank()) {
            return Path.of(override).toAbsolutePath();
        }
        Path root = Path.of(System.getProperty("user.home"), ".cache", "patient-twin");
        Path home = root.resolve("keycloak-" + VERSION);
        if (Files.isRegularFile(home.resolve("bin/kc.sh"))) {
            return home;
        }
        try {
            Files.createDirectories(root);
            try (FileChannel channel = FileChannel.open(
                            root.resolve(".keycloak.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                    FileLock ignored = channel.lock()) {
                if (!Files.isRegularFile(home.resolve("bin/kc.sh"))) {
                    unpack(zip(), root, home);
                }
            }
            return home;
        } catch (IOException e) {
            throw new KeycloakStartException("Could not prepare the Keycloak distribution in " + home + ": " + e, e);
        }
    }

    /** The distribution zip in the local Maven repository, downloading it there when absent. */
    private static Path zip() throws IOException {
        String localRepository = System.getProperty(
                "maven.repo.local",
                Path.of(System.getProperty("user.home"), ".m2", "repository").toString());
        Path zip = Path.of(localRepository).resolve(ARTIFACT_PATH);
        if (Files.isRegularFile(zip)) {
            return zip;
        }
        LOG.infof("Downloading Keycloak %s (169 MiB) from Maven Central into %s", VERSION, zip);
        HttpClient http = HttpClient.newBuilder()
                .followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(Duration.ofSeconds(20))
                .build();
        try {
            String expected = http.send(
                            HttpRequest.newBuilder(URI.create(CENTRAL + ARTIFACT_PATH + ".sha1"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString(StandardCharsets.US_ASCII))
                    .body()
                    .trim()
                    .split("\\s+")[0];
            Files.createDirectories(zip.getParent());
            Path partial = Files.createTempFile(zip.getParent(), "keycloak-", ".part");
            HttpResponse<InputStream> response = http.send(
                    HttpRequest.newBuilder(URI.create(CENTRAL + ARTIFACT_PATH)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() != 200) {
                throw new IOException("HTTP " + response.statusCode() + " for " + CENTRAL + ARTIFACT_PATH);
            }
            MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
            try (InputStream in = new DigestInputStream(response.body(), sha1)) {
                Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
            }
            String actual = HexFormat.of().formatHex(sha1.digest());
            if (!actual.equalsIgnoreCase(expected)) {
                Files.deleteIfExists(partial);
                throw new IOException("SHA-1 of the downloaded zip is " + actual + ", Maven Central says " + expected);
            }
            Files.move(partial, zip, StandardCopyOption.ATOMIC_MOVE);
            return zip;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while downloading Keycloak", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-1", e);
        }
    }

    /** Unpacks into a staging folder, then renames it into place, so a half-unpacked home never exists. */
    private static void unpack(Path zip, Path root, Path home) throws IOException {
        Path staging = Files.createTempDirectory(root, "keycloak-unpack-");
        try (ZipInputStream in = new ZipInputStream(Files.newInputStream(zip))) {
            for (ZipEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
                Path target = staging.resolve(entry.getName()).normalize();
                if (!target.startsWith(staging)) {
                    throw new IOException("zip entry outside the distribution: " + entry.getName());
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                } else {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                    if (target.getFileName().toString().endsWith(".sh")) {
                        target.toFile().setExecutable(true);
                    }
                }
            }
        }
        Files.move(staging.resolve("keycloak-" + VERSION), home, StandardCopyOption.ATOMIC_MOVE);
        ChildProcesses.deleteTree(staging);
    }
}
