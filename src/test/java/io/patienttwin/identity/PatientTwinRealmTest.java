package io.patienttwin.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import io.patienttwin.identity.Principal.Kind;
import io.patienttwin.localstack.KeycloakTestResource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The realm file, checked against a real Keycloak: which claims each dev account's access token
 * carries, and that they make the expected Principal.
 */
class PatientTwinRealmTest {

    @Test
    void aliceIsAClinicianWithBreakGlassAndUserScopes() {
        JsonNode alice = Tokens.claims(Tokens.alice());

        assertThat(alice.path("iss").asText()).isEqualTo(KeycloakTestResource.realmUrl());
        assertThat(texts(alice.path("aud"))).contains(KeycloakTestResource.API_CLIENT_ID);
        assertThat(alice.path("azp").asText()).isEqualTo("twin-cli");
        assertThat(alice.path("fhirUser").asText()).isEqualTo("Practitioner/alice");
        assertThat(texts(alice.path("smart_scopes"))).containsExactly("user/*.rs");
        assertThat(texts(alice.path("realm_access").path("roles"))).contains(Roles.CLINICIAN, Roles.BREAK_GLASS);
    }

    @Test
    void bobIsAClinicianWithoutBreakGlass() {
        JsonNode bob = Tokens.claims(Tokens.bob());

        assertThat(bob.path("fhirUser").asText()).isEqualTo("Practitioner/bob");
        assertThat(texts(bob.path("realm_access").path("roles")))
                .contains(Roles.CLINICIAN)
                .doesNotContain(Roles.BREAK_GLASS);
    }

    @Test
    void carolGetsComplianceScopesAndNoFhirUser() {
        JsonNode carol = Tokens.claims(Tokens.carol());

        assertThat(carol.has("fhirUser")).isFalse();
        assertThat(texts(carol.path("smart_scopes")))
                .containsExactlyInAnyOrder("user/AuditEvent.rs", "user/Consent.rs");
        assertThat(texts(carol.path("realm_access").path("roles"))).contains(Roles.COMPLIANCE_OFFICER);
    }

    @Test
    void patIsAPatientWithPatientScopes() {
        Principal pat = principal(Tokens.claims(Tokens.pat()));

        assertThat(pat.kind()).isEqualTo(Kind.PATIENT);
        assertThat(pat.patientId()).contains("pat");
        assertThat(pat.permits("Observation", Interaction.READ)).isTrue();
        assertThat(pat.permits("Observation", Interaction.CREATE)).isFalse();
    }

    @Test
    void ehrSystemGetsSystemScopesThroughClientCredentials() {
        JsonNode ehr = Tokens.claims(Tokens.ehrSystem());
        Principal principal = principal(ehr);

        assertThat(texts(ehr.path("aud"))).contains(KeycloakTestResource.API_CLIENT_ID);
        assertThat(principal.kind()).isEqualTo(Kind.SYSTEM);
        assertThat(principal.clientId()).isEqualTo("ehr-system");
        assertThat(principal.permits("Patient", Interaction.CREATE)).isTrue();
    }

    @Test
    void accessTokensLiveFiveMinutes() {
        JsonNode bob = Tokens.claims(Tokens.bob());

        assertThat(bob.path("exp").asLong() - bob.path("iat").asLong()).isEqualTo(300);
    }

    @Test
    void aWrongPasswordGetsNoToken() {
        IllegalStateException refused =
                assertThrows(IllegalStateException.class, () -> Tokens.password("bob", "not-bob"));

        assertThat(refused).hasMessageContaining("invalid_grant");
    }

    @Test
    void aWrongClientSecretGetsNoToken() {
        assertThrows(IllegalStateException.class, () -> Tokens.clientCredentials("ehr-system", "guess"));
    }

    /** What PrincipalFactory makes of a real token's claims (roles as quarkus-oidc maps them). */
    private static Principal principal(JsonNode claims) {
        Set<String> roles = new HashSet<>(texts(claims.path("realm_access").path("roles")));
        JsonNode fhirUser = claims.get("fhirUser");
        return PrincipalFactory.resolve(
                        claims.path("sub").asText(null),
                        claims.path("azp").asText(null),
                        fhirUser == null ? null : fhirUser.asText(),
                        texts(claims.path("smart_scopes")),
                        roles)
                .orElseThrow();
    }

    private static List<String> texts(JsonNode node) {
        List<String> texts = new ArrayList<>();
        if (node.isArray()) {
            node.forEach(value -> texts.add(value.asText()));
        } else if (node.isTextual()) {
            texts.add(node.asText());
        }
        return texts;
    }
}
