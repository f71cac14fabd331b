package io.patienttwin.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.patienttwin.localstack.KeycloakTestResource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * Real access tokens from the test Keycloak ({@link KeycloakTestResource}, started on first use):
 * password grant through the public dev client {@code twin-cli} for the dev users, client credentials
 * for {@code ehr-system}. Tokens are cached until 30 s before they expire (password hashing makes each
 * grant cost ~0.1–0.3 s); none is ever printed, and failures report only Keycloak's error answer.
 */
public final class Tokens {

    public static final String EHR_SYSTEM_SECRET = "ehr-system-secret";

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Cached> CACHE = new ConcurrentHashMap<>();

    private record Cached(String accessToken, Instant refreshAfter) {}

    private Tokens() {}

    /** Clinician Practitioner/alice, who also holds break-glass; scopes user/*.rs. */
    public static String alice() {
        return user("alice");
    }

    /** Clinician Practitioner/bob; scopes user/*.rs. */
    public static String bob() {
        return user("bob");
    }

    /** Clinician Practitioner/erin, no break-glass; scopes user/*.rs. Reaches patients through organization consents. */
    public static String erin() {
        return user("erin");
    }

    /** Compliance officer; scopes user/AuditEvent.rs and user/Consent.rs. */
    public static String carol() {
        return user("carol");
    }

    /** Operator with role admin (ledger status and rebuild); no clinical scopes. */
    public static String dave() {
        return user("dave");
    }

    /** Patient Patient/pat; scopes patient/*.rs and patient/Consent.cud (her own consents). */
    public static String pat() {
        return user("pat");
    }

    /** The EHR client (service account, role ehr-system, scopes system/*.cruds). */
    public static String ehrSystem() {
        return clientCredentials("ehr-system", EHR_SYSTEM_SECRET);
    }

    /** A dev user's token; in the dev realm the password is the user name. */
    public static String user(String username) {
        return password(username, username);
    }

    /** Password grant through twin-cli. */
    public static String password(String username, String password) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("client_id", "twin-cli");
        form.put("username", username);
        form.put("password", password);
        return cached("password:" + username + ":" + password, form);
    }

    /** Client credentials grant for a confidential client. */
    public static String clientCredentials(String clientId, String secret) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "client_credentials");
        form.put("client_id", clientId);
        form.put("client_secret", secret);
        return cached("client:" + clientId + ":" + secret, form);
    }

    /** The value of an Authorization header for a token. */
    public static String bearer(String accessToken) {
        return "Bearer " + accessToken;
    }

    /** A token's claims, decoded without verification: for asserting what Keycloak put in it. */
    public static JsonNode claims(String accessToken) {
        String[] parts = accessToken.split("\\.");
        try {
            return JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String cached(String key, Map<String, String> form) {
        Cached hit = CACHE.get(key);
        if (hit != null && Instant.now().isBefore(hit.refreshAfter())) {
            return hit.accessToken();
        }
        Cached fresh = request(form);
        CACHE.put(key, fresh);
        return fresh.accessToken();
    }

    /** A fresh password-grant token through any public client of the patient-twin realm. */
    public static String uncached(String clientId, String username, String password) {
        return uncachedFrom(KeycloakTestResource.realmUrl(), clientId, username, password);
    }

    /** A fresh password-grant token from any realm of the test Keycloak (e.g. master, for a wrong issuer). */
    public static String uncachedFrom(String realmUrl, String clientId, String username, String password) {
        Map<String, String> form = new LinkedHashMap<>();
        form.put("grant_type", "password");
        form.put("client_id", clientId);
        form.put("username", username);
        form.put("password", password);
        return request(realmUrl, form).accessToken();
    }

    private static Cached request(Map<String, String> form) {
        return request(KeycloakTestResource.realmUrl(), form);
    }

    private static Cached request(String realmUrl, Map<String, String> form) {
        URI tokenEndpoint = URI.create(realmUrl + "/protocol/openid-connect/token");
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(tokenEndpoint)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                // an OAuth error answer ({"error": ..., "error_description": ...}), never a token
                throw new IllegalStateException("Keycloak refused the " + form.get("grant_type") + " grant for "
                        + form.getOrDefault("username", form.get("client_id")) + ": HTTP " + response.statusCode()
                        + " " + response.body());
            }
            JsonNode answer = JSON.readTree(response.body());
            long lifetime = answer.path("expires_in").asLong(60);
            return new Cached(
                    answer.path("access_token").asText(), Instant.now().plusSeconds(Math.max(0, lifetime - 30)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while asking Keycloak for a token", e);
        }
    }
}
