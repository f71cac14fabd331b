package io.patienttwin.portal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.patienttwin.portal.SignInAvailability.State;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * When the portal shows its own "sign-in is unavailable" page instead of sending a browser to an
 * identity provider that does not answer. The probe talks to a real HTTP server on loopback; the
 * page itself, with a real Keycloak stopped, is in {@code KeycloakOutageIT}.
 */
class SignInAvailabilityTest {

    @Test
    void onlyAPortalRequestWithoutASessionIsHeldBackAndOnlyWhileTheProviderIsUnreachable() {
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/portal/me", null))
                .isTrue();
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/", null)).isTrue();
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/portal", "other=1"))
                .isTrue();
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/portal/patients", "a=b; q_auth_portal=x"))
                .as("the code-flow callback (state cookie, no session yet) needs the provider too")
                .isTrue();

        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/portal/me", "q_session_portal=abc"))
                .as("a signed-in browser")
                .isFalse();
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/portal/me", "x=1; q_session_portal_chunk_1=abc"))
                .as("a chunked session cookie")
                .isFalse();
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/fhir/Patient", null))
                .as("the FHIR API answers 401 itself")
                .isFalse();
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/assets/portal.css", null))
                .as("the page's own style sheet")
                .isFalse();
        assertThat(SignInAvailability.holdsBack(State.UNREACHABLE, "/portalx", null))
                .isFalse();
        assertThat(SignInAvailability.holdsBack(State.REACHABLE, "/portal/me", null))
                .isFalse();
        assertThat(SignInAvailability.holdsBack(State.UNKNOWN, "/portal/me", null))
                .as("before the first probe answered")
                .isFalse();
    }

    @Test
    void theProbeFollowsTheDiscoveryDocumentDownAndUpAgain() throws Exception {
        HttpServer provider = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        AtomicInteger status = new AtomicInteger(200);
        provider.createContext("/realms/patient-twin/.well-known/openid-configuration", exchange -> {
            byte[] body = "{\"issuer\":\"x\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status.get(), body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        provider.start();
        int port = provider.getAddress().getPort();
        SignInAvailability availability = new SignInAvailability(
                new PortalTemplates(),
                Optional.of("http://127.0.0.1:" + port + "/realms/patient-twin"),
                true,
                Duration.ofSeconds(5));
        try {
            assertThat(availability.state()).isEqualTo(State.UNKNOWN);
            availability.probe();
            assertThat(availability.state()).isEqualTo(State.REACHABLE);

            status.set(503);
            availability.probe();
            assertThat(availability.state()).as("an answer other than 200").isEqualTo(State.UNREACHABLE);

            status.set(200);
            availability.probe();
            assertThat(availability.state()).isEqualTo(State.REACHABLE);
        } finally {
            provider.stop(0);
        }
        availability.probe();
        assertThat(availability.state()).as("connection refused").isEqualTo(State.UNREACHABLE);
    }

    @Test
    void theDiscoveryDocumentIsUnderTheRealm() {
        assertThat(SignInAvailability.discoveryOf("http://kc:8080/realms/patient-twin/")
                        .toString())
                .isEqualTo("http://kc:8080/realms/patient-twin/.well-known/openid-configuration");
        assertThat(SignInAvailability.discoveryOf("http://kc:8080/realms/patient-twin")
                        .toString())
                .isEqualTo("http://kc:8080/realms/patient-twin/.well-known/openid-configuration");
    }
}
