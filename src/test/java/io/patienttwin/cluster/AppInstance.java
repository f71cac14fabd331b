package io.patienttwin.cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * One packaged PatientTwin ({@code target/quarkus-app/quarkus-run.jar}, built by {@code ./mvnw package}
 * before the integration tests) as a child process on its own port, configured through its environment
 * as README's production table says.
 */
final class AppInstance implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    final String name;
    final int port;
    final Path log;
    private final Process process;

    private AppInstance(String name, int port, Path log, Process process) {
        this.name = name;
        this.port = port;
        this.log = log;
        this.process = process;
    }

    /** Starts an instance and waits until {@code /q/health/ready} answers 200. */
    static AppInstance start(String name, int port, Map<String, String> environment, Duration timeout)
            throws IOException, InterruptedException {
        return start(name, port, environment, timeout, "-Xmx512m");
    }

    /** As {@link #start(String, int, Map, Duration)} with another heap ({@code -Xmx1g} for a 72 MB Bundle). */
    static AppInstance start(String name, int port, Map<String, String> environment, Duration timeout, String heap)
            throws IOException, InterruptedException {
        Path jar = Path.of("target", "quarkus-app", "quarkus-run.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException(jar + " is missing: the integration tests run after ./mvnw package");
        }
        Path log = Files.createDirectories(Path.of("target", "cluster-it")).resolve("app-" + name + ".log");
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        heap,
                        "-XX:TieredStopAtLevel=1",
                        "-jar",
                        jar.toString())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        builder.environment().putAll(environment);
        builder.environment().put("QUARKUS_HTTP_PORT", Integer.toString(port));
        AppInstance instance = new AppInstance(name, port, log, builder.start());
        Instant deadline = Instant.now().plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            if (!instance.process.isAlive()) {
                throw new IllegalStateException("instance " + name + " exited: " + tail(log));
            }
            if (instance.ready()) {
                return instance;
            }
            Thread.sleep(250);
        }
        instance.close();
        throw new IllegalStateException("instance " + name + " not ready in " + timeout + ": " + tail(log));
    }

    String base() {
        return "http://127.0.0.1:" + port;
    }

    boolean ready() {
        try {
            return HTTP.send(
                                    HttpRequest.newBuilder(URI.create(base() + "/q/health/ready"))
                                            .timeout(Duration.ofSeconds(5))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: no shutdown hook, no graceful close of anything. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    static String tail(Path log) {
        try {
            String text = Files.readString(log);
            return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
