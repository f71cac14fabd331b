package io.patienttwin.localstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.List;
import java.util.Map;

/**
 * Runs one Anvil chain per test JVM on a free port of 127.0.0.1 and points the ledger client at it;
 * the client deploys the contracts on first use. Lives until the JVM exits (its shutdown hook stops it),
 * so Quarkus restarts for test profiles reuse it. Its URL is kept in a system property, not a static
 * field, because Quarkus loads test resources in more than one class loader.
 */
public class AnvilTestResource implements QuarkusTestResourceLifecycleManager {

    /** System property with the running test chain's JSON-RPC URL. */
    public static final String RPC_URL_PROPERTY = "twin.test.anvil.rpc-url";

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
        AnvilProcess anvil = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, 0, List.of());
        System.setProperty(RPC_URL_PROPERTY, anvil.rpcUrl());
        return anvil.rpcUrl();
    }
}
