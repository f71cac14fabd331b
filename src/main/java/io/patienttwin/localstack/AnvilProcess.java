package io.patienttwin.localstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs Anvil, a real EVM node, as a child process: the local chain of dev mode and tests, standing in
 * for the Besu network of production (london hardfork, chain id 1337, free gas like a Besu network
 * with min-gas-price 0).
 */
public final class AnvilProcess implements AutoCloseable {

    /** Where {@code npm ci} in consent-contracts/ puts the binary (package @foundry-rs/anvil-linux-amd64). */
    public static final Path DEFAULT_BINARY =
            Path.of("consent-contracts", "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");

    public static final long CHAIN_ID = 1337;

    /**
     * The genesis block's timestamp (2026-01-01T00:00:00Z), unless the caller names another.
     * Anvil (1.7) creates a genesis block each time it loads a state file and stores it beside the
     * loaded one; with a timestamp of "now" that block differs, and after a few restarts Anvil answers
     * block 0 with one or the other at random — the same chain would look like another (a new genesis
     * hash) and the follower halts. A fixed timestamp makes the created genesis block the loaded one.
     */
    public static final long GENESIS_TIMESTAMP = 1_767_225_600L;

    private static final Pattern LISTENING = Pattern.compile("Listening on 127\\.0\\.0\\.1:(\\d+)");
    private static final int LOG_TAIL_LINES = 40;

    private final Process process;
    private final int port;
    private final Thread shutdownHook;

    private AnvilProcess(Process process, int port) {
        this.process = process;
        this.port = port;
        ProcessHandle handle = process.toHandle();
        this.shutdownHook = new Thread(() -> ChildProcesses.stopTree(handle, Duration.ofSeconds(5)), "anvil-stop");
        Runtime.getRuntime().addShutdownHook(shutdownHook);
    }

    /**
     * Starts Anvil on 127.0.0.1 and returns once it listens.
     *
     * @param binary the anvil executable
     * @param port the port, or 0 for a free one
     * @param extraArguments more options, e.g. {@code --block-time 2} or {@code --state <file>}
     * @throws IllegalStateException if the binary is missing, or Anvil exits or stays silent for 20 s;
     *     the message ends with what it printed
     */
    public static AnvilProcess start(Path binary, int port, List<String> extraArguments) {
        return start(binary, port, extraArguments, GENESIS_TIMESTAMP);
    }

    /** As {@link #start(Path, int, List)}, with another genesis time (so another genesis block). */
    public static AnvilProcess start(Path binary, int port, List<String> extraArguments, long genesisTimestamp) {
        if (!Files.isExecutable(binary)) {
            throw new IllegalStateException("Anvil not found at " + binary.toAbsolutePath()
                    + ": the build installs it with npm ci in consent-contracts/ (./mvnw generate-sources)");
        }
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--host",
                "127.0.0.1",
                "--port",
                Integer.toString(port),
                "--chain-id",
                Long.toString(CHAIN_ID),
                "--hardfork",
                "london",
                "--base-fee",
                "0",
                "--gas-price",
                "0"));
        command.addAll(List.of("--timestamp", Long.toString(genesisTimestamp)));
        command.addAll(extraArguments);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IllegalStateException("Could not start Anvil: " + e.getMessage(), e);
        }
        Deque<String> tail = new ArrayDeque<>();
        CompletableFuture<Integer> listening = new CompletableFuture<>();
        Thread reader = new Thread(() -> drain(process, tail, listening), "anvil-output");
        reader.setDaemon(true);
        reader.start();
        try {
            AnvilProcess anvil = new AnvilProcess(process, listening.get(20, TimeUnit.SECONDS));
            anvil.blocksFollowTheClock();
            return anvil;
        } catch (ExecutionException | TimeoutException e) {
            ChildProcesses.stopTree(process.toHandle(), Duration.ofSeconds(5));
            synchronized (tail) {
                throw new IllegalStateException(
                        "Anvil did not start listening. Last output:\n" + String.join("\n", tail), e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            ChildProcesses.stopTree(process.toHandle(), Duration.ofSeconds(5));
            throw new IllegalStateException("Interrupted while starting Anvil", e);
        }
    }

    /** Reads Anvil's output for as long as it runs (a full pipe would block it), noting the port. */
    private static void drain(Process process, Deque<String> tail, CompletableFuture<Integer> listening) {
        try (BufferedReader output =
                new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line = output.readLine(); line != null; line = output.readLine()) {
                synchronized (tail) {
                    tail.addLast(line);
                    if (tail.size() > LOG_TAIL_LINES) {
                        tail.removeFirst();
                    }
                }
                Matcher matcher = LISTENING.matcher(line);
                if (!listening.isDone() && matcher.find()) {
                    listening.complete(Integer.parseInt(matcher.group(1)));
                }
            }
        } catch (IOException e) {
            // the process ended; the caller learns it from the future
        }
        String end;
        try {
            end = process.waitFor(5, TimeUnit.SECONDS) ? "exited with " + process.exitValue() : "closed its output";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            end = "closed its output";
        }
        listening.completeExceptionally(new IllegalStateException("Anvil " + end));
    }

    /**
     * With a fixed genesis time Anvil would stamp the next blocks from that time on: the next block is
     * stamped now (or one second after the newest block, if that lies ahead), and the ones after it
     * follow the clock.
     */
    private void blocksFollowTheClock() {
        try {
            String latest = rpc("eth_getBlockByNumber", "[\"latest\",false]");
            Matcher m = Pattern.compile("\"timestamp\":\"0x([0-9a-fA-F]+)\"").matcher(latest);
            long newest = m.find() ? Long.parseLong(m.group(1), 16) : 0;
            long next = Math.max(java.time.Instant.now().getEpochSecond(), newest + 1);
            String answer = rpc("evm_setNextBlockTimestamp", "[" + next + "]");
            if (answer.contains("\"error\"")) {
                throw new IllegalStateException("Anvil refused the next block's time: " + answer);
            }
        } catch (IOException e) {
            throw new IllegalStateException("Anvil does not answer: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while setting Anvil's clock", e);
        }
    }

    private String rpc(String method, String params) throws IOException, InterruptedException {
        java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(rpcUrl()))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(10))
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"" + method + "\",\"params\":" + params + "}"))
                .build();
        return java.net.http.HttpClient.newHttpClient()
                .send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
                .body();
    }

    /** The JSON-RPC URL, {@code http://127.0.0.1:<port>}. */
    public String rpcUrl() {
        return "http://127.0.0.1:" + port;
    }

    /** The operating system's id of the Anvil process. */
    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Stops Anvil (SIGTERM, then SIGKILL after 5 s). Idempotent. */
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
