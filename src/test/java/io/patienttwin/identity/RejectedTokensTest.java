package io.patienttwin.identity;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.patienttwin.localstack.KeycloakTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tokens that must never get in: each answers 401 with WWW-Authenticate on a FHIR read, a FHIR write
 * and the API, whatever it claims. The valid control token gets in, so a 401 here is the token's fault.
 */
@QuarkusTest
class RejectedTokensTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    @Test
    void theUntamperedControlTokenIsAccepted() {
        assertThat(status(Tokens.alice())).isEqualTo(200);
    }

    @Test
    void aTokenReSignedWithAnotherKeyIsRejected() throws Exception {
        String[] parts = Tokens.alice().split("\\.");
        PrivateKey otherKey =
                KeyPairGenerator.getInstance("RSA").generateKeyPair().getPrivate();
        assertRejected(sign(parts[0], parts[1], otherKey));
    }

    @Test
    void aTokenWhosePayloadWasChangedIsRejected() throws Exception {
        String[] parts = Tokens.bob().split("\\.");
        ObjectNode claims = (ObjectNode) JSON.readTree(B64D.decode(parts[1]));
        claims.put("fhirUser", "Practitioner/alice");
        assertRejected(parts[0] + "." + B64.encodeToString(JSON.writeValueAsBytes(claims)) + "." + parts[2]);
    }

    @Test
    void anUnsignedAlgNoneTokenIsRejected() throws Exception {
        String[] parts = Tokens.alice().split("\\.");
        Map<String, Object> header = new LinkedHashMap<>();
        header.put("alg", "none");
        header.put("typ", "JWT");
        assertRejected(B64.encodeToString(JSON.writeValueAsBytes(header)) + "." + parts[1] + ".");
    }

    @Test
    void anExpiredTokenIsRejected() throws Exception {
        // twin-cli-expiring issues tokens that live 1 s (dev and test realm only).
        String token = Tokens.uncached("twin-cli-expiring", "alice", "alice");
        long exp = Tokens.claims(token).get("exp").asLong();
        Duration wait =
                Duration.between(Instant.now(), Instant.ofEpochSecond(exp)).plusSeconds(2);
        if (!wait.isNegative()) {
            Thread.sleep(wait.toMillis());
        }
        assertRejected(token);
    }

    @Test
    void aTokenForAnotherAudienceIsRejected() {
        // admin-cli, a built-in client of every realm, does not add the patient-twin-api audience.
        String token = Tokens.uncached("admin-cli", "alice", "alice");
        assertThat(Tokens.claims(token).path("aud").toString()).doesNotContain("patient-twin-api");
        assertRejected(token);
    }

    @Test
    void aTokenFromAnotherIssuerIsRejected() {
        String masterRealm = KeycloakTestResource.realmUrl().replace("/realms/patient-twin", "/realms/master");
        String token = Tokens.uncachedFrom(masterRealm, "admin-cli", "admin", "admin");
        assertThat(Tokens.claims(token).get("iss").asText()).endsWith("/realms/master");
        assertRejected(token);
    }

    @Test
    void garbageInTheAuthorizationHeaderIsRejected() {
        assertRejected("not-a-jwt");
    }

    private static void assertRejected(String token) {
        for (String path : new String[] {"/fhir/Patient?_count=1", "/api/me"}) {
            Response response = given().auth().oauth2(token).get(path);
            assertThat(response.statusCode()).as(path).isEqualTo(401);
            assertThat(response.header("WWW-Authenticate")).as(path).startsWith("Bearer");
            assertThat(response.asString()).doesNotContain(token);
        }
        Response write = given().auth()
                .oauth2(token)
                .contentType("application/fhir+json")
                .body("{\"resourceType\":\"Patient\"}")
                .post("/fhir/Patient");
        assertThat(write.statusCode()).isEqualTo(401);
    }

    private static int status(String token) {
        return given().auth().oauth2(token).get("/api/me").statusCode();
    }

    private static String sign(String header, String payload, PrivateKey key) throws Exception {
        Signature rs256 = Signature.getInstance("SHA256withRSA");
        rs256.initSign(key);
        rs256.update((header + "." + payload).getBytes(StandardCharsets.US_ASCII));
        return header + "." + payload + "." + B64.encodeToString(rs256.sign());
    }
}
