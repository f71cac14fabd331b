package io.patienttwin.identity;

/** Names of the realm roles of the {@code patient-twin} Keycloak realm, usable in {@code @RolesAllowed}. */
public final class Roles {

    public static final String CLINICIAN = "clinician";
    public static final String PATIENT = "patient";
    public static final String COMPLIANCE_OFFICER = "compliance-officer";
    public static final String ADMIN = "admin";
    public static final String EHR_SYSTEM = "ehr-system";
    /** May invoke break-glass access (purpose ETREAT); never a kind of principal on its own. */
    public static final String BREAK_GLASS = "break-glass";

    private Roles() {}
}
