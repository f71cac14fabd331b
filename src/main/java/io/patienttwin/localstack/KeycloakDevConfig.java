package io.patienttwin.localstack;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Settings of the Keycloak that {@code quarkus:dev} runs as a child process. */
@ConfigMapping(prefix = "twin.localstack.keycloak")
public interface KeycloakDevConfig {

    /**
     * Start Keycloak when the application starts in dev mode, unless one already answers on {@link
     * #port()}. Read in dev mode only (application.properties sets it for {@code %dev}).
     */
    @WithDefault("false")
    boolean enabled();

    /**
     * Port on 127.0.0.1. Tokens carry the issuer {@code http://localhost:<port>/realms/patient-twin},
     * which {@code quarkus.oidc.auth-server-url} must match.
     */
    @WithDefault("8180")
    int port();

    /**
     * An unpacked keycloak-quarkus-dist to run. Default: the one {@link KeycloakDistribution} keeps in
     * {@code ~/.cache/patient-twin/}, unpacked (and downloaded from Maven Central) on first use.
     */
    Optional<Path> distribution();

    /** Folder of the dev Keycloak's database and log; one database per realm-file hash, kept across runs. */
    @WithDefault(".dev-data/keycloak")
    Path dataDir();

    /**
     * How long to wait for Keycloak before failing with the end of its log. The first start of a fresh
     * distribution builds it and imports the realm, which can take a minute on two cores.
     */
    @WithDefault("90s")
    Duration startTimeout();
}
