package io.patienttwin.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.identity.SmartScope.Context;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SMART v1 and v2 scope parsing, and which interactions a scope permits. */
class SmartScopeTest {

    @Test
    void patientReadSearchScopeCannotWrite() {
        SmartScope scope = SmartScope.parse("patient/*.rs").orElseThrow();

        assertThat(scope.context()).isEqualTo(Context.PATIENT);
        assertThat(scope.permits("Observation", Interaction.READ)).isTrue();
        assertThat(scope.permits("Observation", Interaction.SEARCH)).isTrue();
        assertThat(scope.permits("Observation", Interaction.CREATE)).isFalse();
        assertThat(scope.permits("Observation", Interaction.UPDATE)).isFalse();
        assertThat(scope.permits("Observation", Interaction.DELETE)).isFalse();
    }

    @Test
    void systemCrudsScopeLetsTheEhrClientWriteEveryType() {
        SmartScope scope = SmartScope.parse("system/*.cruds").orElseThrow();

        assertThat(scope.context()).isEqualTo(Context.SYSTEM);
        for (Interaction interaction : Interaction.values()) {
            assertThat(scope.permits("Patient", interaction))
                    .as(interaction.name())
                    .isTrue();
            assertThat(scope.permits("MedicationRequest", interaction))
                    .as(interaction.name())
                    .isTrue();
        }
    }

    @Test
    void typeScopeCoversOnlyItsOwnType() {
        SmartScope scope = SmartScope.parse("user/Observation.rs").orElseThrow();

        assertThat(scope.permits("Observation", Interaction.READ)).isTrue();
        assertThat(scope.permits("Patient", Interaction.READ)).isFalse();
        assertThat(scope.permits("ObservationDefinition", Interaction.READ)).isFalse();
    }

    @Test
    void complianceScopesReachOnlyAuditEventAndConsent() {
        List<SmartScope> scopes = SmartScope.parseAll(List.of("user/AuditEvent.rs", "user/Consent.rs"));
        Principal carol = new Principal(Principal.Kind.COMPLIANCE, "carol-id", "twin-cli", null, Set.of(), scopes);

        assertThat(carol.permits("Consent", Interaction.SEARCH)).isTrue();
        assertThat(carol.permits("AuditEvent", Interaction.READ)).isTrue();
        assertThat(carol.permits("Observation", Interaction.READ)).isFalse();
        assertThat(carol.permits("Consent", Interaction.CREATE)).isFalse();
    }

    @Test
    void v1ReadMeansReadAndSearch() {
        SmartScope scope = SmartScope.parse("patient/*.read").orElseThrow();

        assertThat(scope.interactions()).containsExactlyInAnyOrder(Interaction.READ, Interaction.SEARCH);
        assertThat(scope).hasToString("patient/*.rs");
    }

    @Test
    void v1WriteMeansCreateUpdateDeleteButNotRead() {
        SmartScope scope = SmartScope.parse("user/*.write").orElseThrow();

        assertThat(scope.interactions())
                .containsExactlyInAnyOrder(Interaction.CREATE, Interaction.UPDATE, Interaction.DELETE);
        assertThat(scope.permits("Observation", Interaction.READ)).isFalse();
    }

    @Test
    void v1WildcardPermissionMeansEverything() {
        SmartScope scope = SmartScope.parse("user/*.*").orElseThrow();

        assertThat(scope.interactions()).containsExactlyInAnyOrder(Interaction.values());
        assertThat(scope).hasToString("user/*.cruds");
    }

    @ParameterizedTest
    @ValueSource(strings = {"patient/*.rs", "user/Observation.c", "system/*.cruds", "user/Consent.ud"})
    void v2FormsRoundTrip(String text) {
        assertThat(SmartScope.parse(text).orElseThrow()).hasToString(text);
    }

    @ParameterizedTest
    @ValueSource(strings = {"patient/*.sr", "patient/*.rr", "patient/*.x", "patient/*.", "patient/*.READ"})
    void permissionsOutOfOrderRepeatedOrUnknownGrantNothing(String text) {
        assertThat(SmartScope.parse(text)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*.*", "Observation.read", "admin/*.cruds", "Patient/*.rs", "patient/observation.rs"})
    void scopesWithoutAKnownContextOrWithALowerCaseTypeGrantNothing(String text) {
        assertThat(SmartScope.parse(text)).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"openid", "profile", "fhirUser", "launch", "launch/patient", "offline_access", ""})
    void openIdAndLaunchScopesAreNotResourceScopes(String text) {
        assertThat(SmartScope.parse(text)).isEmpty();
    }

    @Test
    void granularScopesWithSearchParametersAreRefusedRatherThanWidened() {
        assertThat(SmartScope.parse("patient/Observation.rs?category=laboratory"))
                .isEmpty();
    }

    @Test
    void parseAllKeepsOnlyResourceScopesFromASpaceSeparatedString() {
        List<SmartScope> scopes = SmartScope.parseAll("openid  patient/*.rs fhirUser\tuser/Observation.cruds ");

        assertThat(scopes).extracting(SmartScope::toString).containsExactly("patient/*.rs", "user/Observation.cruds");
    }

    @Test
    void nullTextGrantsNothing() {
        assertThat(SmartScope.parse(null)).isEmpty();
        assertThat(SmartScope.parseAll((String) null)).isEmpty();
    }
}
