package io.patienttwin.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.identity.CodeFlowLogin;
import io.patienttwin.localstack.AnvilProcess;
import io.patienttwin.localstack.ChildProcesses;
import io.patienttwin.localstack.KeycloakDistribution;
import io.patienttwin.localstack.KeycloakOptions;
import io.patienttwin.localstack.KeycloakProcess;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A fault of issue 18: Keycloak goes down. Tokens it issued before keep working (the app verifies them
 * with the signing keys it fetched, without asking Keycloak); a request without a token, or with a
 * forged signature, is still refused with 401; a clinician signed in to the portal before keeps
 * working; a browser that is not signed in gets the portal's own 503 page ({@code SignInAvailability})
 * instead of a redirect to a host that does not answer.
 */
class KeycloakOutageIT {

    private static final String DB = "patienttwin_keycloak_it";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    private static KeycloakProcess keycloak;
    private static AnvilProcess chain;
    private static AppInstance app;

    @BeforeAll
    static void start() throws Exception {
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://127.0.0.1:5432/test", "postgres", "");
                Statement s = c.createStatement()) {
            s.execute("drop database if exists " + DB);
            s.execute("create database " + DB);
        }
        int port = ChildProcesses.freePort();
        keycloak = KeycloakProcess.start(new KeycloakOptions(
                KeycloakDistribution.ensure(),
                port,
                "http://127.0.0.1:" + port,
                Path.of("target", "keycloak-outage"),
                false,
                Duration.ofSeconds(240)));
        chain = AnvilProcess.start(AnvilProcess.DEFAULT_BINARY, 0, List.of());
        app = AppInstance.start(
                "keycloak-outage",
                ChildProcesses.freePort(),
                TwoInstancesIT.environment("jdbc:postgresql://127.0.0.1:5432/" + DB, keycloak.issuer(), chain.rpcUrl()),
                Duration.ofSeconds(120));
    }

    @AfterAll
    static void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (keycloak != null) {
            keycloak.stop();
        }
        if (chain != null) {
            chain.stop();
        }
    }

    @Test
    void issuedTokensAndPortalSessionsKeepWorkingWhileKeycloakIsDownAndSignInShowsAPageOfItsOwn() throws Exception {
        String token = clientToken();
        assertThat(status("/fhir/Organization?_count=1", token)).isEqualTo(200);
        CodeFlowLogin alice = new CodeFlowLogin();
        assertThat(alice.open(app.base() + "/portal/me", "alice", "alice").statusCode())
                .isEqualTo(200);

        keycloak.stop();
        long stopped = System.nanoTime();

        assertThat(status("/fhir/Organization?_count=1", token))
                .as("a token issued before the outage")
                .isEqualTo(200);
        assertThat(status("/fhir/Organization?_count=1", null)).as("no token").isEqualTo(401);
        assertThat(status("/fhir/Organization?_count=1", token.substring(0, token.length() - 4) + "AAAA"))
                .as("a forged signature, still refused")
                .isEqualTo(401);

        // a browser that is not signed in: the portal's own page once the probe (every 5 s) noticed
        HttpResponse<String> signIn = portalSignIn();
        for (int i = 0; i < 40 && signIn.statusCode() != 503; i++) {
            Thread.sleep(250);
            signIn = portalSignIn();
        }
        System.out.printf(
                "portal sign-in page while Keycloak is down: %d after %d ms%n",
                signIn.statusCode(), (System.nanoTime() - stopped) / 1_000_000);
        assertThat(signIn.statusCode()).isEqualTo(503);
        assertThat(signIn.headers().firstValue("Retry-After")).hasValue("30");
        assertThat(signIn.headers().firstValue("Content-Type").orElse("")).startsWith("text/html");
        assertThat(signIn.body()).contains("Sign-in is unavailable").contains("already signed in");
        assertThat(status("/portal/patients", null))
                .as("the code-flow callback and every other portal path")
                .isEqualTo(503);

        HttpResponse<String> signedIn = alice.fetch(app.base() + "/portal/me");
        assertThat(signedIn.statusCode())
                .as("a clinician signed in before the outage keeps working (no redirect to Keycloak)")
                .isEqualTo(200);
        assertThat(signedIn.body()).contains("alice");
    }

    private static HttpResponse<String> portalSignIn() throws Exception {
        return HTTP.send(
                HttpRequest.newBuilder(URI.create(app.base() + "/portal/me"))
                        .timeout(Duration.ofSeconds(30))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int status(String path, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(app.base() + path))
                .header("Accept", "application/fhir+json")
                .timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private static String clientToken() throws Exception {
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(URI.create(keycloak.issuer() + "/protocol/openid-connect/token"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "grant_type=client_credentials&client_id=ehr-system&client_secret=ehr-system-secret"))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body()).path("access_token").asText();
    }
}
