package io.patienttwin.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.patienttwin.identity.Principal.Kind;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** How realm roles and token claims become a Principal, and which accounts are refused. */
class PrincipalFactoryTest {

    private static final String SUBJECT = "5b1c1f9e-0000-4000-8000-000000000001";

    @Test
    void clinicianWithAPractitionerFhirUserIsAPractitioner() {
        Principal bob = resolve(Set.of(Roles.CLINICIAN), "Practitioner/bob", List.of("user/*.rs"))
                .orElseThrow();

        assertThat(bob.kind()).isEqualTo(Kind.PRACTITIONER);
        assertThat(bob.fhirUser()).isEqualTo("Practitioner/bob");
        assertThat(bob.mayBreakGlass()).isFalse();
        assertThat(bob.permits("Observation", Interaction.READ)).isTrue();
        assertThat(bob.permits("Observation", Interaction.CREATE)).isFalse();
    }

    @Test
    void breakGlassIsAPermissionOfAClinicianNotAKind() {
        Principal alice = resolve(Set.of(Roles.CLINICIAN, Roles.BREAK_GLASS), "Practitioner/alice", List.of())
                .orElseThrow();

        assertThat(alice.kind()).isEqualTo(Kind.PRACTITIONER);
        assertThat(alice.mayBreakGlass()).isTrue();
    }

    @Test
    void clinicianWhoseFhirUserIsNotAPractitionerIsRefused() {
        assertThat(resolve(Set.of(Roles.CLINICIAN), "Patient/pat", List.of("user/*.rs")))
                .isEmpty();
        assertThat(resolve(Set.of(Roles.CLINICIAN), null, List.of("user/*.rs"))).isEmpty();
    }

    @Test
    void patientIsAPatientAndKnowsItsOwnId() {
        Principal pat =
                resolve(Set.of(Roles.PATIENT), "Patient/pat", "patient/*.rs").orElseThrow();

        assertThat(pat.kind()).isEqualTo(Kind.PATIENT);
        assertThat(pat.patientId()).contains("pat");
        assertThat(pat.permits("Observation", Interaction.UPDATE)).isFalse();
    }

    @Test
    void patientWithoutAPatientFhirUserIsRefused() {
        assertThat(resolve(Set.of(Roles.PATIENT), null, List.of("patient/*.rs")))
                .isEmpty();
        assertThat(resolve(Set.of(Roles.PATIENT), "Practitioner/bob", List.of("patient/*.rs")))
                .isEmpty();
    }

    @Test
    void ehrSystemRoleMakesASystemPrincipalThatMayWrite() {
        Principal ehr = resolve(Set.of(Roles.EHR_SYSTEM), null, List.of("system/*.cruds"))
                .orElseThrow();

        assertThat(ehr.kind()).isEqualTo(Kind.SYSTEM);
        assertThat(ehr.permits("Patient", Interaction.CREATE)).isTrue();
        assertThat(ehr.patientId()).isEmpty();
    }

    @Test
    void complianceOfficerAndAdminNeedNoFhirUser() {
        assertThat(resolve(Set.of(Roles.COMPLIANCE_OFFICER), null, List.of()).map(Principal::kind))
                .contains(Kind.COMPLIANCE);
        assertThat(resolve(Set.of(Roles.ADMIN), null, List.of()).map(Principal::kind))
                .contains(Kind.ADMIN);
    }

    @Test
    void accountWithoutAPatientTwinRoleIsRefused() {
        assertThat(resolve(Set.of("offline_access", "default-roles-patient-twin"), null, List.of("user/*.rs")))
                .isEmpty();
        assertThat(resolve(Set.of(Roles.BREAK_GLASS), "Practitioner/alice", List.of()))
                .isEmpty();
    }

    @Test
    void fhirUserMustBeARelativeReference() {
        assertThat(resolve(Set.of(Roles.CLINICIAN), "https://elsewhere.example/fhir/Practitioner/alice", List.of()))
                .isEmpty();
    }

    @Test
    void tokenWithoutSubjectIsRefused() {
        assertThat(PrincipalFactory.resolve(null, "twin-cli", "Practitioner/bob", List.of(), Set.of(Roles.CLINICIAN)))
                .isEmpty();
    }

    @Test
    void scopesMayArriveAsArrayOrAsOneSpaceSeparatedString() {
        Set<String> roles = Set.of(Roles.COMPLIANCE_OFFICER);
        Principal fromArray = resolve(roles, null, List.of("user/AuditEvent.rs", "user/Consent.rs"))
                .orElseThrow();
        Principal fromString =
                resolve(roles, null, "user/AuditEvent.rs user/Consent.rs").orElseThrow();

        assertThat(fromString.scopes()).isEqualTo(fromArray.scopes()).hasSize(2);
    }

    @Test
    void missingScopesClaimGrantsNoInteraction() {
        Principal bob =
                resolve(Set.of(Roles.CLINICIAN), "Practitioner/bob", null).orElseThrow();

        assertThat(bob.scopes()).isEmpty();
        assertThat(bob.permits("Patient", Interaction.READ)).isFalse();
    }

    private static Optional<Principal> resolve(Set<String> roles, String fhirUser, Object scopesClaim) {
        return PrincipalFactory.resolve(SUBJECT, "twin-cli", fhirUser, scopesClaim, roles);
    }
}
