package io.patienttwin.localstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * Runs the machine's Mosquitto broker as a child process on its own loopback port, with a password file
 * and an ACL: the MQTT broker of dev mode and tests, standing in for whatever broker production names.
 *
 * <p>The ACL is the one {@code docs/security.md} ("Devices") asks of any broker: a device (its user name
 * is its Device id) may publish only under {@code devices/{its id}/} and read nothing; the platform's
 * user reads {@code devices/#} and writes the dead letters under {@code dead-letter/}; an operator user
 * reads the dead letters. Queues are large enough for an app restart under load (a persistent session
 * keeps a device's readings while the platform is away).
 */
public final class MosquittoProcess implements AutoCloseable {

    /** Where Debian's package installs the broker. */
    public static final Path DEFAULT_BINARY = Path.of("/usr/sbin/mosquitto");

    private static final Pattern USER_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
    private static final int PBKDF2_ITERATIONS = 101;

    private final Process process;
    private final int port;
    private final Path dir;
    private final Thread shutdownHook;

    private MosquittoProcess(Process process, int port, Path dir) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        ProcessHandle handle = process.toHandle();
        this.shutdownHook = new Thread(() -> ChildProcesses.stopTree(handle, Duration.ofSeconds(5)), "mosquitto-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * The broker's users.
     *
     * @param platform the platform's user and password (reads every device topic, writes dead letters)
     * @param operator the operator's user and password (reads dead letters)
     * @param devices device id to password: each publishes under its own topic only
     */
    public record Users(
            Map.Entry<String, String> platform, Map.Entry<String, String> operator, Map<String, String> devices) {
        public Users {
            devices = Map.copyOf(devices);
        }
    }

    /**
     * Writes the broker's configuration, password file and ACL into {@code dir} and starts it on
     * 127.0.0.1; returns once it accepts connections.
     *
     * @param port the port, or 0 for a free one
     * @throws IllegalStateException if the broker exits or does not listen within 10 s (with its log)
     */
    public static MosquittoProcess start(Path binary, int port, Path dir, Users users) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("Mosquitto not found at " + binary
                    + ": install Debian's package mosquitto, or point twin.localstack.mosquitto.binary at it");
        }
        try {
            int chosen = port == 0 ? ChildProcesses.freePort() : port;
            Files.createDirectories(dir);
            Path passwords = dir.resolve("passwd");
            Path acl = dir.resolve("acl");
            Path config = dir.resolve("mosquitto.conf");
            // stdout, not a log file: started as root, Mosquitto drops to its own user, which cannot
            // create files here; the JVM opened mosquitto.out before the broker started
            Path log = dir.resolve("mosquitto.out");
            Files.writeString(passwords, passwordFile(users));
            Files.writeString(acl, acl(users));
            Files.writeString(
                    config,
                    String.join(
                            "\n",
                            List.of(
                                    "listener " + chosen + " 127.0.0.1",
                                    "allow_anonymous false",
                                    "password_file " + passwords.toAbsolutePath(),
                                    "acl_file " + acl.toAbsolutePath(),
                                    "persistence false",
                                    "max_inflight_messages 1000",
                                    "max_queued_messages 200000",
                                    "log_dest stdout",
                                    "log_timestamp_format %Y-%m-%dT%H:%M:%S",
                                    "log_type error",
                                    "log_type warning",
                                    "log_type notice",
                                    "connection_messages true",
                                    "")));
            Process process = new ProcessBuilder(
                            binary.toString(), "-c", config.toAbsolutePath().toString())
                    .redirectErrorStream(true)
                    .redirectOutput(dir.resolve("mosquitto.out").toFile())
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!listens(chosen)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    ChildProcesses.stopTree(process.toHandle(), Duration.ofSeconds(2));
                    throw new IllegalStateException("Mosquitto did not start listening on " + chosen + ". Log:\n"
                            + ChildProcesses.tail(log, 20));
                }
                Thread.sleep(50);
            }
            return new MosquittoProcess(process, chosen, dir);
        } catch (IOException e) {
            throw new UncheckedIOException("Could not start Mosquitto: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while starting Mosquitto", e);
        }
    }

    private static boolean listens(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static String acl(Users users) {
        return String.join(
                "\n",
                List.of(
                        "user " + checked(users.platform().getKey()),
                        "topic read devices/#",
                        "topic write dead-letter/#",
                        "",
                        "user " + checked(users.operator().getKey()),
                        "topic read dead-letter/#",
                        "",
                        "# every other user is a device: its user name is its Device id",
                        "pattern write devices/%u/#",
                        ""));
    }

    static String passwordFile(Users users) {
        Map<String, String> all = new LinkedHashMap<>();
        all.put(users.platform().getKey(), users.platform().getValue());
        all.put(users.operator().getKey(), users.operator().getValue());
        all.putAll(users.devices());
        StringBuilder file = new StringBuilder();
        all.forEach((user, password) ->
                file.append(checked(user)).append(':').append(hash(password)).append('\n'));
        return file.toString();
    }

    /**
     * Mosquitto 2's password hash ({@code $7$}): PBKDF2 with HMAC-SHA512, 101 rounds, a 12-byte salt and a
     * 64-byte key, both in Base64, as {@code mosquitto_passwd} writes them.
     */
    static String hash(String password) {
        byte[] salt = new byte[12];
        new SecureRandom().nextBytes(salt);
        return hash(password, salt);
    }

    static String hash(String password, byte[] salt) {
        try {
            PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, PBKDF2_ITERATIONS, 512);
            byte[] key = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA512")
                    .generateSecret(spec)
                    .getEncoded();
            Base64.Encoder base64 = Base64.getEncoder();
            return "$7$" + PBKDF2_ITERATIONS + "$" + base64.encodeToString(salt) + "$" + base64.encodeToString(key);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA512 is part of every JDK", e);
        }
    }

    private static String checked(String user) {
        if (!USER_NAME.matcher(user).matches()) {
            throw new IllegalArgumentException("not a broker user name: " + user);
        }
        return user;
    }

    /** The broker's port on 127.0.0.1. */
    public int port() {
        return port;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The broker's log so far (connections, refusals), for tests and error messages. */
    public String log() {
        try {
            return Files.readString(dir.resolve("mosquitto.out"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** Stops the broker (SIGTERM, then SIGKILL after 5 s). Idempotent. */
    public void stop() {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException | IllegalArgumentException alreadyGone) {
            // the JVM is exiting, or stop() ran before
        }
        ChildProcesses.stopTree(process.toHandle(), Duration.ofSeconds(5));
    }

    @Override
    public void close() {
        stop();
    }
}
