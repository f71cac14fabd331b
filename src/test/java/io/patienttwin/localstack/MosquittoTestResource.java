package io.patienttwin.localstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.nio.file.Path;
import java.util.Map;

/**
 * Runs one Mosquitto broker per test JVM on a free port of 127.0.0.1, with a password file and the
 * device ACL of {@link MosquittoProcess}, and switches device ingestion on against it. Register it on a
 * test profile ({@code testResources}) of the tests that need devices. Lives until the JVM exits.
 *
 * <p>Users: the platform ({@value #PLATFORM}), the operator ({@value #OPERATOR}, reads dead letters)
 * and the devices {@link #DEVICES}, each with the password {@code <user>-secret}.
 */
public class MosquittoTestResource implements QuarkusTestResourceLifecycleManager {

    public static final String PLATFORM = "patient-twin";
    public static final String OPERATOR = "operator";
    /** Device user names: the tests register Devices under some of these ids, and leave others unregistered. */
    public static final java.util.List<String> DEVICES = java.util.List.of(
            "mon-a",
            "mon-b",
            "mon-c",
            "mon-x",
            "pump-1",
            "pump-2",
            "pump-3",
            "mon-live",
            "mon-ews",
            "mon-wm",
            "mon-wm-other");

    private static final String PORT_PROPERTY = "twin.test.mosquitto.port";
    private static MosquittoProcess broker;

    @Override
    public Map<String, String> start() {
        return Map.of(
                "twin.devices.enabled",
                "true",
                "twin.devices.port",
                Integer.toString(port()),
                "twin.devices.username",
                PLATFORM,
                "twin.devices.password",
                password(PLATFORM),
                "twin.devices.client-id",
                "patient-twin-test");
    }

    @Override
    public void stop() {}

    public static String password(String user) {
        return user + "-secret";
    }

    /** The broker's port, starting it on first use. */
    public static synchronized int port() {
        String running = System.getProperty(PORT_PROPERTY);
        if (running != null) {
            return Integer.parseInt(running);
        }
        Map<String, String> devices = new java.util.LinkedHashMap<>();
        DEVICES.forEach(device -> devices.put(device, password(device)));
        broker = MosquittoProcess.start(
                MosquittoProcess.DEFAULT_BINARY,
                0,
                Path.of("target", "mosquitto-test"),
                new MosquittoProcess.Users(
                        Map.entry(PLATFORM, password(PLATFORM)), Map.entry(OPERATOR, password(OPERATOR)), devices));
        System.setProperty(PORT_PROPERTY, Integer.toString(broker.port()));
        return broker.port();
    }

    /** The broker's log (connections, refused logins), for a test's failure message. */
    public static synchronized String log() {
        return broker == null ? "" : broker.log();
    }
}
