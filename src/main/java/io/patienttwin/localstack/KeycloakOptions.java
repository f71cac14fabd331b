package io.patienttwin.localstack;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How to run a local Keycloak with {@link KeycloakProcess}.
 *
 * @param distribution home of the unpacked keycloak-quarkus-dist (the folder holding {@code bin/kc.sh})
 * @param port HTTP port; Keycloak binds 127.0.0.1 only
 * @param publicUrl scheme, host and port that Keycloak writes into tokens and discovery, e.g. {@code
 *     http://localhost:8180}: the issuer is {@code publicUrl + "/realms/patient-twin"} whichever host a
 *     client used
 * @param workDir where the H2 database and {@code keycloak.log} live
 * @param persistent keep one database per realm-file hash in {@code workDir} across starts (dev mode);
 *     otherwise each start gets a fresh copy, deleted on {@link KeycloakProcess#stop()} (tests)
 * @param startTimeout how long to wait for the realm to answer before failing with the end of the log
 */
public record KeycloakOptions(
        Path distribution, int port, String publicUrl, Path workDir, boolean persistent, Duration startTimeout) {

    public KeycloakOptions {
        Objects.requireNonNull(distribution, "distribution");
        Objects.requireNonNull(publicUrl, "publicUrl");
        Objects.requireNonNull(workDir, "workDir");
        Objects.requireNonNull(startTimeout, "startTimeout");
        distribution = distribution.toAbsolutePath();
        workDir = workDir.toAbsolutePath();
    }

    /** The URL Keycloak listens on: {@code http://127.0.0.1:{port}}. */
    public String bindUrl() {
        return "http://127.0.0.1:" + port;
    }
}
