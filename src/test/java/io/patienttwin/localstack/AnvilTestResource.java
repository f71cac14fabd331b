package io.patienttwin.localstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one Anvil chain per test JVM on a free port of 127.0.0.1 and points the ledger client at it;
 * the client deploys the contracts on first use. Lives until the JVM exits (its shutdown hook stops
 * it), so Quarkus restarts for test profiles reuse it. Its URL and process id are kept in system
 * properties, not static fields, because Quarkus loads test resources in more than one class loader.
 *
 * <p>The chain keeps its state in a file ({@code --state}), so that a test can take it down
 * ({@link #stopChain()}) and bring it back with its history ({@link #startChain(boolean)}), or swap
 * in a new empty chain on the same port to see how the application takes a chain that lost its
 * history.
 */
public class AnvilTestResource implements QuarkusTestResourceLifecycleManager {

    /** System property with the running test chain's JSON-RPC URL. */
    public static final String RPC_URL_PROPERTY = "twin.test.anvil.rpc-url";

    private static final String PID_PROPERTY = "twin.test.anvil.pid";
    /** The state file of the chain running now: the test chain's, or the other chain's. */
    private static final String STATE_FILE_PROPERTY = "twin.test.anvil.state";

    private static final Path STATE_DIR = Path.of("target", "anvil-test");
    private static final Path STATE = STATE_DIR.resolve("state.json");
    private static final Path OTHER_STATE = STATE_DIR.resolve("other-chain.json");

    @Override
    public Map<String, String> start() {
        return Map.of("twin.ledger.rpc-url", rpcUrl());
    }

    @Override
    public void stop() {}

    /** The test chain's JSON-RPC URL, starting it on first use. */
    public static synchronized String rpcUrl() {
        String running = System.getProperty(RPC_URL_PROPERTY);
        if (running != null) {
            return running;
        }
        ChildProcesses.deleteTree(STATE_DIR);
        AnvilProcess anvil = launch(0, STATE);
        System.setProperty(RPC_URL_PROPERTY, anvil.rpcUrl());
        return anvil.rpcUrl();
    }

    /**
     * Stops the test chain (SIGTERM: Anvil writes its state file) and waits until it is gone and the
     * state is written. After the whole suite the state is large: on a slow machine Anvil needs more than
     * a few seconds to write it, and a chain killed before it has written it comes back as another chain
     * (a new genesis block), which no test means to test here.
     */
    public static synchronized void stopChain() {
        rpcUrl();
        long stopping = System.currentTimeMillis();
        ProcessHandle.of(Long.parseLong(System.getProperty(PID_PROPERTY))).ifPresent(process -> {
            ChildProcesses.stopTree(process, Duration.ofSeconds(120));
            try {
                process.onExit().get(130, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("Anvil did not stop", e);
            }
        });
        Path state = Path.of(
                System.getProperty(STATE_FILE_PROPERTY, STATE.toAbsolutePath().toString()));
        try {
            if (!Files.exists(state) || Files.getLastModifiedTime(state).toMillis() < stopping - 1000) {
                throw new IllegalStateException("Anvil stopped without writing its state to " + state);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts the test chain again on its port.
     *
     * @param otherChain false: the chain as it was stopped, history and all; true: another chain (a new
     *     genesis block, no contracts) that keeps its own state apart
     */
    public static synchronized void startChain(boolean otherChain) {
        String url = rpcUrl();
        int port = Integer.parseInt(url.substring(url.lastIndexOf(':') + 1));
        if (otherChain) {
            try {
                Files.deleteIfExists(OTHER_STATE);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        launch(port, otherChain ? OTHER_STATE : STATE);
    }

    private static AnvilProcess launch(int port, Path state) {
        try {
            Files.createDirectories(STATE_DIR);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the other chain must have another genesis block than the test chain: another genesis time
        long genesis =
                state.equals(OTHER_STATE) ? AnvilProcess.GENESIS_TIMESTAMP + 86_400 : AnvilProcess.GENESIS_TIMESTAMP;
        AnvilProcess anvil = AnvilProcess.start(
                AnvilProcess.DEFAULT_BINARY,
                port,
                List.of("--state", state.toAbsolutePath().toString()),
                genesis);
        System.setProperty(PID_PROPERTY, Long.toString(anvil.pid()));
        System.setProperty(STATE_FILE_PROPERTY, state.toAbsolutePath().toString());
        return anvil;
    }
}
