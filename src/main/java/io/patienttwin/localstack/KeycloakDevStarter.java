package io.patienttwin.localstack;

import io.quarkus.arc.profile.IfBuildProfile;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * Starts the local Keycloak when {@code quarkus:dev} starts, unless one already answers, and leaves it
 * running across live reloads; the JVM's exit stops it.
 *
 * <p>quarkus-oidc creates its default tenant during runtime init, before {@link StartupEvent}. On the
 * first start it finds no Keycloak, logs one warning and connects on the first authenticated request
 * (its tenant context retries until the server answers); live reloads find Keycloak already running.
 * Do not set {@code quarkus.oidc.connection-delay} in dev mode: it would block startup retrying before
 * this observer can start Keycloak.
 */
@IfBuildProfile("dev")
@ApplicationScoped
class KeycloakDevStarter {

    private static final Logger LOG = Logger.getLogger(KeycloakDevStarter.class);

    private final KeycloakDevConfig config;

    KeycloakDevStarter(KeycloakDevConfig config) {
        this.config = config;
    }

    /** Runs before the application's other startup observers, so those may already call Keycloak. */
    void startKeycloak(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent event) {
        if (!config.enabled()) {
            return;
        }
        KeycloakOptions options = new KeycloakOptions(
                config.distribution().orElseGet(KeycloakDistribution::ensure),
                config.port(),
                "http://localhost:" + config.port(),
                config.dataDir(),
                true,
                config.startTimeout());
        if (KeycloakProcess.answers(options.bindUrl())) {
            LOG.infof("Keycloak already answers at %s; using it", options.bindUrl());
            return;
        }
        long started = System.nanoTime();
        // Deliberately never stopped on ShutdownEvent, which every live reload fires: the process's own
        // JVM shutdown hook stops it when quarkus:dev exits.
        KeycloakProcess keycloak;
        try {
            keycloak = KeycloakProcess.start(options);
        } catch (KeycloakStartException e) {
            throw new KeycloakStartException(
                    e.getMessage() + "\n(To run without a local Keycloak: twin.localstack.keycloak.enabled=false.)", e);
        }
        LOG.infof(
                "Keycloak started in %d ms at %s (issuer %s; users alice, bob, erin, carol, dave, pat, password = user name)",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), keycloak.baseUrl(), keycloak.issuer());
    }
}
