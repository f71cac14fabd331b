package io.patienttwin.localstack;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** Runs the Keycloak server distribution as a child process with the patient-twin realm, for dev mode and tests. */
public final class KeycloakProcess implements AutoCloseable {

    /** The realm every PatientTwin token comes from. */
    public static final String REALM = "patient-twin";
    /** The realm file on the classpath; its SHA-256 keys the golden database. */
    public static final String REALM_RESOURCE = "keycloak/patient-twin-realm.json";

    private static final String DB_FILE = "keycloakdb.mv.db";
    private static final String LOG_FILE = "keycloak.log";
    private static final int LOG_TAIL_LINES = 40;
    private static final long POLL_INTERVAL_MILLIS = 250;
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    private final Process process;
    private final String baseUrl;
    private final String publicUrl;
    private final Path dataDir;
    private final boolean ephemeral;
    private final Thread shutdownHook;
    private final AtomicBoolean stopped = new AtomicBoolean();

    private KeycloakProcess(Process process, String baseUrl, String publicUrl, Path dataDir, boolean ephemeral) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.publicUrl = publicUrl;
        this.dataDir = dataDir;
        this.ephemeral = ephemeral;
        ProcessHandle handle = process.toHandle();
        this.shutdownHook = new Thread(
                () -> {
                    ChildProcesses.stopTree(handle, STOP_GRACE);
                    if (ephemeral) {
                        ChildProcesses.deleteTree(dataDir);
                    }
                },
                "keycloak-stop-" + handle.pid());
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts Keycloak and returns once the realm's discovery document answers.
     *
     * <p>The first start for a given realm file (keyed by its SHA-256) imports it into a golden H2
     * database beside the distribution ({@code golden-<hash>/}, built under a file lock so concurrent
     * JVMs build it once); every start then runs {@code kc.sh start-dev} on a copy of it, about 5 s once
     * the distribution has been built by its own first start (15–30 s). A persistent start ({@link
     * KeycloakOptions#persistent()}) reuses its copy, so changes made in the admin console survive a
     * restart until the realm file changes.
     *
     * <p>Blocks the caller for at most twice {@link KeycloakOptions#startTimeout()} (import, then
     * start), plus any wait for another JVM that is building the same golden database; never hangs. The
     * process is stopped by {@link #stop()} or, failing that, by a JVM shutdown hook, which also deletes
     * a non-persistent database copy. One start at a time per JVM.
     *
     * @throws KeycloakStartException when the distribution is missing, or Keycloak exits or does not
     *     answer in time; the message ends with the last 40 lines of its log, and the process and its
     *     descendants are stopped (its files are kept for inspection)
     */
    public static synchronized KeycloakProcess start(KeycloakOptions options) {
        Path kcSh = options.distribution().resolve("bin").resolve("kc.sh");
        if (!Files.isRegularFile(kcSh)) {
            throw new KeycloakStartException("Keycloak distribution not found: " + kcSh + " does not exist (see"
                    + " KeycloakDistribution, or -D" + KeycloakDistribution.DISTRIBUTION_PROPERTY + ").");
        }
        try {
            byte[] realm = readRealm();
            String hash = sha256(realm).substring(0, 16);
            Path golden = goldenDatabase(options, realm, hash);
            Files.createDirectories(options.workDir());
            Path dataDir = options.persistent()
                    ? Files.createDirectories(options.workDir().resolve("realm-" + hash))
                    : Files.createTempDirectory(options.workDir(), "run-");
            if (Files.notExists(dataDir.resolve(DB_FILE))) {
                Files.copy(golden.resolve(DB_FILE), dataDir.resolve(DB_FILE));
            }
            KeycloakProcess keycloak = launch(
                    options.distribution(), options.port(), options.publicUrl(), dataDir, false, !options.persistent());
            keycloak.awaitReady(options.startTimeout());
            return keycloak;
        } catch (IOException e) {
            throw new KeycloakStartException("Could not prepare Keycloak's files: " + e, e);
        }
    }

    /**
     * Whether a Keycloak serving the patient-twin realm answers at a base URL, e.g. {@code
     * http://127.0.0.1:8180}. Takes at most about 3 s (1 s to connect, 2 s for the answer).
     */
    public static boolean answers(String baseUrl) {
        return isReady(discovery(baseUrl));
    }

    /** The URL Keycloak listens on, {@code http://127.0.0.1:{port}}. */
    public String baseUrl() {
        return baseUrl;
    }

    /** The realm's issuer, {@code iss} of every token: {@code <publicUrl>/realms/patient-twin}. */
    public String issuer() {
        return publicUrl + "/realms/" + REALM;
    }

    /**
     * Stops Keycloak and every process it started (SIGTERM, which Keycloak answers with a clean
     * shutdown, then SIGKILL after 20 s) and deletes the database copy of a non-persistent run.
     * Idempotent and thread-safe.
     */
    public void stop() {
        if (!stopped.compareAndSet(false, true)) {
            return;
        }
        removeShutdownHook();
        ChildProcesses.stopTree(process.toHandle(), STOP_GRACE);
        if (ephemeral) {
            ChildProcesses.deleteTree(dataDir);
        }
    }

    /** Same as {@link #stop()}. */
    @Override
    public void close() {
        stop();
    }

    private static Path goldenDatabase(KeycloakOptions options, byte[] realm, String hash) throws IOException {
        Path root = options.distribution().getParent();
        Path golden = root.resolve("golden-" + hash);
        if (Files.isRegularFile(golden.resolve(DB_FILE))) {
            return golden;
        }
        try (FileChannel channel = FileChannel.open(
                        root.resolve(".golden.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                FileLock ignored = channel.lock()) {
            if (Files.isRegularFile(golden.resolve(DB_FILE))) {
                return golden; // built by another JVM while this one waited for the lock
            }
            Path staging = Files.createTempDirectory(root, "golden-staging-");
            Path importFile =
                    options.distribution().resolve("data").resolve("import").resolve(REALM + "-realm.json");
            Files.createDirectories(importFile.getParent());
            Files.write(importFile, realm);
            int port = ChildProcesses.freePort();
            try (KeycloakProcess importer =
                    launch(options.distribution(), port, "http://127.0.0.1:" + port, staging, true, false)) {
                importer.awaitReady(options.startTimeout());
            } finally {
                Files.deleteIfExists(importFile);
            }
            // The importer stopped cleanly (SIGTERM), so H2 has closed the file.
            Files.createDirectories(golden);
            Files.move(staging.resolve(DB_FILE), golden.resolve(DB_FILE), StandardCopyOption.ATOMIC_MOVE);
            ChildProcesses.deleteTree(staging);
            return golden;
        }
    }

    private static KeycloakProcess launch(
            Path distribution, int port, String publicUrl, Path dataDir, boolean importRealm, boolean ephemeral)
            throws IOException {
        List<String> command = new ArrayList<>(List.of(
                "/bin/sh",
                distribution.resolve("bin").resolve("kc.sh").toString(),
                "start-dev",
                "--http-host=127.0.0.1",
                "--http-port=" + port,
                "--db=dev-file",
                "--hostname=" + publicUrl));
        if (importRealm) {
            command.add("--import-realm");
        }
        ProcessBuilder builder = new ProcessBuilder(command)
                .directory(dataDir.toFile())
                .redirectErrorStream(true)
                .redirectOutput(dataDir.resolve(LOG_FILE).toFile());
        Map<String, String> env = builder.environment();
        // Keycloak is itself a Quarkus application: the app's QUARKUS_*/KC_* settings must not reach it.
        env.keySet()
                .removeIf(name -> name.startsWith("QUARKUS_") || name.startsWith("KC_") || name.equals("JAVA_OPTS"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1");
        // kc.sh evals its arguments, where the ';' of the H2 URL would end the command: use the environment.
        env.put("KC_DB_URL", "jdbc:h2:file:" + dataDir.resolve("keycloakdb") + ";NON_KEYWORDS=VALUE");
        if (importRealm) {
            // Admin console login of the local realm copies (Keycloak binds 127.0.0.1 only).
            env.put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
            env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin");
        }
        return new KeycloakProcess(builder.start(), "http://127.0.0.1:" + port, publicUrl, dataDir, ephemeral);
    }

    private void awaitReady(Duration timeout) {
        URI discovery = discovery(baseUrl);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isReady(discovery)) {
            if (!process.isAlive()) {
                throw failed("Keycloak exited with code " + process.exitValue() + " before the realm answered");
            }
            if (System.nanoTime() - deadline > 0) {
                throw failed("Keycloak did not answer within " + timeout.toSeconds() + " s");
            }
            try {
                Thread.sleep(POLL_INTERVAL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw failed("Interrupted while waiting for Keycloak");
            }
        }
    }

    /** Reads the end of the log, then stops the process tree but keeps its files. */
    private KeycloakStartException failed(String reason) {
        Path log = dataDir.resolve(LOG_FILE);
        String tail = ChildProcesses.tail(log, LOG_TAIL_LINES);
        if (stopped.compareAndSet(false, true)) {
            removeShutdownHook();
            ChildProcesses.stopTree(process.toHandle(), STOP_GRACE);
        }
        return new KeycloakStartException(
                reason + " at " + baseUrl + ". Last " + LOG_TAIL_LINES + " lines of " + log + ":\n" + tail);
    }

    private static URI discovery(String baseUrl) {
        return URI.create(baseUrl + "/realms/" + REALM + "/.well-known/openid-configuration");
    }

    private static boolean isReady(URI discovery) {
        HttpRequest request = HttpRequest.newBuilder(discovery)
                .timeout(Duration.ofSeconds(2))
                .GET()
                .build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void removeShutdownHook() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is exiting and the hook runs (or ran) anyway
        }
    }

    private static byte[] readRealm() throws IOException {
        try (InputStream in = KeycloakProcess.class.getClassLoader().getResourceAsStream(REALM_RESOURCE)) {
            if (in == null) {
                throw new KeycloakStartException(REALM_RESOURCE + " is not on the classpath");
            }
            return in.readAllBytes();
        }
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
