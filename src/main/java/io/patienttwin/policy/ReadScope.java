package io.patienttwin.policy;

import java.util.List;
import java.util.Set;

/**
 * What one request may read, in the form the store filters a query by (ARCHITECTURE §3: consent is
 * evaluated in the query, not after it). A row may be read when any one holds:
 *
 * <ul>
 *   <li>it belongs to no patient compartment and is not a governance record ({@link #GOVERNANCE});
 *   <li>it is a governance record and {@link #allGovernance} is set;
 *   <li>it belongs to {@link #selfPatient}'s compartment;
 *   <li>its patient has an effective consent naming one of {@link #grantees} that covers the row's
 *       sensitivity and {@link #purposeMask} at {@link #atSeconds} (clinical rows only);
 *   <li>its patient's managing organization is one of {@link #custodianOf} (clinical rows only);
 *   <li>its patient is one of {@link #breakGlassPatients} (clinical rows only).
 * </ul>
 *
 * {@link #unrestricted} lets every row through; only the benchmark build's {@code
 * UngatedPolicyDecisionPoint} (build profile {@code ungated}, never in a deployable build) sets it.
 *
 * <p>The lists are small (a user and their organizations), never a list of patients reached through
 * consents. Break-glass patients are the few the principal opened sessions for.
 */
public record ReadScope(
        boolean unrestricted,
        boolean allGovernance,
        String selfPatient,
        List<String> grantees,
        long purposeMask,
        long atSeconds,
        List<String> custodianOf,
        List<String> breakGlassPatients) {

    /** Resource types that record governance, not care: compliance officers and the patient read them. */
    public static final Set<String> GOVERNANCE = Set.of("Consent", "AuditEvent");

    public ReadScope {
        grantees = List.copyOf(grantees);
        custodianOf = List.copyOf(custodianOf);
        breakGlassPatients = List.copyOf(breakGlassPatients);
    }
}
