package io.patienttwin.identity;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The authenticated caller as PatientTwin sees it: what kind of actor, which FHIR resource it is, its
 * realm roles and its SMART scopes. Immutable and free of the raw token; built per request by {@link
 * PrincipalFactory}.
 *
 * @param kind what kind of actor the caller is; decides which policy rules apply
 * @param subject the token's {@code sub}: stable id of the Keycloak user or service account
 * @param clientId the OAuth client that obtained the token ({@code azp}); null if the token names none
 * @param fhirUser relative FHIR reference of the user, e.g. {@code Practitioner/alice}; null when the
 *     account has none (system clients, compliance officers, administrators)
 * @param roles the realm roles
 * @param scopes the SMART resource scopes granted; empty grants no FHIR interaction at all
 * @param assignedPatient for a {@link Kind#DEVICE}, the id of the Patient the device is assigned to when
 *     its reading is written (its Device's {@code patient}, looked up then); null for every other kind
 */
public record Principal(
        Kind kind,
        String subject,
        String clientId,
        String fhirUser,
        Set<String> roles,
        List<SmartScope> scopes,
        String assignedPatient) {

    /** What kind of actor a principal is. */
    public enum Kind {
        /** A clinician; fhirUser is a Practitioner. */
        PRACTITIONER,
        /** A patient; fhirUser is their Patient resource. */
        PATIENT,
        /** A backend system such as an EHR, authenticated with client credentials. */
        SYSTEM,
        /** A compliance officer: consent log and access audit, no clinical data unless consented. */
        COMPLIANCE,
        /** An administrator of PatientTwin. */
        ADMIN,
        /**
         * A registered bedside or home device whose readings arrive over MQTT; fhirUser is its Device. Never
         * made from a token: the device ingestion makes it for each reading, authenticated by the broker.
         */
        DEVICE
    }

    private static final String PATIENT_PREFIX = "Patient/";

    public Principal {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(subject, "subject");
        roles = Set.copyOf(roles);
        scopes = List.copyOf(scopes);
        if ((kind == Kind.DEVICE) != (assignedPatient != null)) {
            throw new IllegalArgumentException("a device, and only a device, names the patient it is assigned to");
        }
    }

    /** A principal of a token (every kind but {@link Kind#DEVICE}). */
    public Principal(
            Kind kind, String subject, String clientId, String fhirUser, Set<String> roles, List<SmartScope> scopes) {
        this(kind, subject, clientId, fhirUser, roles, scopes, null);
    }

    /**
     * A device writing a reading: {@code Device/{deviceId}}, allowed by its scope to create
     * Observations only, and by the decision point only into the compartment of the patient it is
     * assigned to.
     */
    public static Principal device(String deviceId, String assignedPatient) {
        Objects.requireNonNull(assignedPatient, "assignedPatient");
        return new Principal(
                Kind.DEVICE,
                "device:" + deviceId,
                deviceId,
                "Device/" + deviceId,
                Set.of(),
                SmartScope.parseAll("patient/Observation.c"),
                assignedPatient);
    }

    /** Whether the principal holds a realm role (see {@link Roles}). */
    public boolean hasRole(String role) {
        return roles.contains(role);
    }

    /** Whether the principal may invoke break-glass access; the policy still requires purpose and reason. */
    public boolean mayBreakGlass() {
        return roles.contains(Roles.BREAK_GLASS);
    }

    /**
     * Whether any of the principal's SMART scopes allows an interaction on a resource type. This is the
     * scope check that runs before any consent check; it does not say whose data may be touched.
     */
    public boolean permits(String resourceType, Interaction interaction) {
        return scopes.stream().anyMatch(scope -> scope.permits(resourceType, interaction));
    }

    /** The id of the principal's own Patient resource when fhirUser is {@code Patient/{id}}. */
    public Optional<String> patientId() {
        return fhirUser != null && fhirUser.startsWith(PATIENT_PREFIX)
                ? Optional.of(fhirUser.substring(PATIENT_PREFIX.length()))
                : Optional.empty();
    }
}
