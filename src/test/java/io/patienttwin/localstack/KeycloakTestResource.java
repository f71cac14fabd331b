package io.patienttwin.localstack;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * Runs one Keycloak per test JVM on a free port of 127.0.0.1 and points quarkus-oidc at it.
 *
 * <p>Register it once for the whole suite, e.g. {@code @QuarkusTestResource(KeycloakTestResource.class)}
 * on one test class (global by default). Keycloak starts on first use (≈ 5 s with a prepared
 * distribution and golden database) and lives until the JVM exits, whose shutdown hook stops it: test
 * profiles that restart Quarkus reuse it. Its realm URL is kept in a system property, not a static
 * field, because Quarkus loads test resources in more than one class loader.
 */
public class KeycloakTestResource implements QuarkusTestResourceLifecycleManager {

    /** System property with the running test realm's URL, e.g. {@code http://127.0.0.1:41234/realms/patient-twin}. */
    public static final String REALM_URL_PROPERTY = "twin.test.keycloak.realm-url";
    /** The audience every PatientTwin access token must carry. */
    public static final String API_CLIENT_ID = "patient-twin-api";

    private static final Duration START_TIMEOUT = Duration.ofSeconds(180);

    @Override
    public Map<String, String> start() {
        return Map.of(
                "quarkus.oidc.tenant-enabled",
                "true",
                "quarkus.oidc.auth-server-url",
                realmUrl(),
                "quarkus.oidc.client-id",
                API_CLIENT_ID,
                "quarkus.oidc.token.audience",
                API_CLIENT_ID);
    }

    /** Nothing: Keycloak outlives single test classes and is stopped when the JVM exits. */
    @Override
    public void stop() {}

    /**
     * The realm URL (also the issuer) of the test Keycloak, starting it on first use.
     *
     * @throws KeycloakStartException if it cannot start; the message ends with its log
     */
    public static synchronized String realmUrl() {
        String running = System.getProperty(REALM_URL_PROPERTY);
        if (running != null) {
            return running;
        }
        int port;
        try {
            port = ChildProcesses.freePort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        KeycloakProcess keycloak = KeycloakProcess.start(new KeycloakOptions(
                KeycloakDistribution.ensure(),
                port,
                "http://127.0.0.1:" + port,
                Path.of("target", "keycloak"),
                false,
                START_TIMEOUT));
        System.setProperty(REALM_URL_PROPERTY, keycloak.issuer());
        return keycloak.issuer();
    }
}
