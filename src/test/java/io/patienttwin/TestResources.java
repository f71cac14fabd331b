package io.patienttwin;

import io.patienttwin.localstack.AnvilTestResource;
import io.patienttwin.localstack.KeycloakTestResource;
import io.quarkus.test.common.QuarkusTestResource;

/**
 * The real services every {@code @QuarkusTest} runs against, started once per test JVM: Keycloak with
 * the patient-twin realm, and an Anvil chain. (PostgreSQL runs outside the build at 127.0.0.1:5432.)
 */
@QuarkusTestResource(KeycloakTestResource.class)
@QuarkusTestResource(AnvilTestResource.class)
public final class TestResources {

    private TestResources() {}
}
