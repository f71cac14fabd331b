package io.patienttwin.policy;

import io.patienttwin.consent.AccessIndex;
import io.patienttwin.consent.ConsentIndex;
import io.patienttwin.consent.Purpose;
import io.patienttwin.identity.Principal;
import io.patienttwin.identity.Principal.Kind;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The decision rules of ARCHITECTURE §3 on the in-memory consent and access indexes: deny unless the
 * reader is the patient, an effective chain-confirmed consent names the reader (or an organization or
 * care team the reader belongs to by an effective access grant) and covers the data's sensitivity and
 * the purpose, the reader is a system client with a custodian grant for the patient's managing
 * organization, or the reader broke the glass for the patient. Governance records (Consent,
 * AuditEvent) are for compliance officers and the patient only. No I/O; thread-safe; a few
 * microseconds a call.
 *
 * <p>Writes ({@link #decideWrite}) are decided side by side, on the stored version a write replaces or
 * deletes and on the new version it stores: a patient writes in her own compartment only; an EHR
 * system only in the compartments of patients whose managing organization it is custodian of (a new
 * Patient only into such an organization; moving a patient needs a grant for both); an administrator
 * writes consents (who may write which consent is also checked by {@code consent.ConsentAuthors});
 * clinicians and compliance officers write no patient's data. Resources of no patient compartment are
 * written by whoever holds the SMART scope; the store refuses a resource of a patient-compartment type
 * whose patient it cannot resolve before it asks.
 *
 * <p>Reason codes, as written to the audit trail:
 *
 * <ul>
 *   <li>permit: {@code PERMIT-SELF}, {@code PERMIT-CONSENT}, {@code PERMIT-MEMBERSHIP-CONSENT}, {@code
 *       PERMIT-CUSTODIAN}, {@code PERMIT-BREAK-GLASS}, {@code PERMIT-NO-COMPARTMENT}, {@code
 *       PERMIT-COMPLIANCE};
 *   <li>deny: {@code DENY-GOVERNANCE}, {@code DENY-NOT-SELF}, {@code DENY-CHAIN-UNTRUSTED}, {@code
 *       DENY-NO-CONSENT}, {@code DENY-CONSENT-EXPIRED}, {@code DENY-PURPOSE}, {@code DENY-LABEL}, {@code
 *       DENY-CATEGORY}, {@code DENY-NO-CUSTODIAN-GRANT}, {@code DENY-BREAK-GLASS-NOT-PERMITTED}, {@code
 *       DENY-BREAK-GLASS-NO-REASON}, {@code DENY-NO-CLINICAL-ACCESS}, {@code DENY-NO-COMPARTMENT} (a resource of
 *       a patient-compartment type that names no patient: nobody's, so nobody's to read);
 *   <li>writes: {@code PERMIT-SELF}, {@code PERMIT-CUSTODIAN}, {@code PERMIT-ADMIN-CONSENT}, {@code
 *       PERMIT-DEVICE-ASSIGNED}, {@code PERMIT-NO-COMPARTMENT}; {@code DENY-NOT-SELF}, {@code
 *       DENY-NO-CUSTODIAN-GRANT}, {@code DENY-CHAIN-UNTRUSTED}, {@code DENY-AUDIT-READ-ONLY}, {@code
 *       DENY-DEVICE-NOT-ASSIGNED}, {@code DENY-NO-WRITE-ACCESS}.
 * </ul>
 */
@ApplicationScoped
public class ConsentPolicyDecisionPoint implements PolicyDecisionPoint {

    private final ConsentIndex consents;
    private final AccessIndex access;
    private final java.util.concurrent.atomic.LongAdder decisions = new java.util.concurrent.atomic.LongAdder();
    private final java.util.concurrent.atomic.LongAdder scopes = new java.util.concurrent.atomic.LongAdder();

    public ConsentPolicyDecisionPoint(ConsentIndex consents, AccessIndex access) {
        this.consents = consents;
        this.access = access;
    }

    /** How many decisions this instance has made since it started; lets tests prove nothing bypasses it. */
    public long decisionCount() {
        return decisions.sum();
    }

    /** How many read scopes this instance has computed since it started. */
    public long scopeCount() {
        return scopes.sum();
    }

    @Override
    public Decision decide(AccessRequest request) {
        decisions.increment();
        ReadContext context = request.context();
        Principal principal = context.principal();
        String patientId = request.patientId();
        if (ReadScope.GOVERNANCE.contains(request.resourceType())) {
            if (principal.kind() == Kind.COMPLIANCE) {
                return Decision.permit("PERMIT-COMPLIANCE");
            }
            return isSelf(principal, patientId) ? Decision.permit("PERMIT-SELF") : Decision.deny("DENY-GOVERNANCE");
        }
        if (patientId == null) {
            // patient data that names no patient is nobody's: never let out (the store refuses to write it)
            return PatientCompartment.contains(request.resourceType())
                    ? Decision.deny("DENY-NO-COMPARTMENT")
                    : Decision.permit("PERMIT-NO-COMPARTMENT");
        }
        switch (principal.kind()) {
            case PATIENT:
                return isSelf(principal, patientId) ? Decision.permit("PERMIT-SELF") : Decision.deny("DENY-NOT-SELF");
            case SYSTEM:
                return custodian(principal, request, context.at());
            case PRACTITIONER:
                return context.purpose() == Purpose.ETREAT
                        ? breakGlass(principal, patientId, context)
                        : consent(principal, request, context);
            default:
                // compliance officers and administrators name no FHIR user a consent could grant
                return Decision.deny("DENY-NO-CLINICAL-ACCESS");
        }
    }

    @Override
    public Decision decideWrite(AccessRequest request) {
        decisions.increment();
        Principal principal = request.context().principal();
        String patientId = request.patientId();
        if ("AuditEvent".equals(request.resourceType())) {
            return Decision.deny("DENY-AUDIT-READ-ONLY");
        }
        if (patientId == null) {
            // the store has refused a patient-compartment type without a patient; a Consent names one
            return "Consent".equals(request.resourceType())
                    ? Decision.deny("DENY-NO-WRITE-ACCESS")
                    : Decision.permit("PERMIT-NO-COMPARTMENT");
        }
        return switch (principal.kind()) {
            case PATIENT -> isSelf(principal, patientId)
                    ? Decision.permit("PERMIT-SELF")
                    : Decision.deny("DENY-NOT-SELF");
            case SYSTEM -> custodian(principal, request, request.context().at());
            case ADMIN -> "Consent".equals(request.resourceType())
                    ? Decision.permit("PERMIT-ADMIN-CONSENT")
                    : Decision.deny("DENY-NO-WRITE-ACCESS");
            case DEVICE -> device(principal, request);
            default -> Decision.deny("DENY-NO-WRITE-ACCESS");
        };
    }

    @Override
    public ReadScope scope(ReadContext context) {
        scopes.increment();
        Principal principal = context.principal();
        Instant at = context.at();
        List<String> grantees = new ArrayList<>();
        List<String> custodianOf = new ArrayList<>();
        List<String> breakGlassPatients = new ArrayList<>();
        if (consents.trusted()) {
            if (principal.kind() == Kind.PRACTITIONER && context.purpose() != Purpose.ETREAT) {
                grantees.add(principal.fhirUser());
                access.grantsOf(principal.fhirUser(), AccessIndex.Kind.MEMBERSHIP, at)
                        .forEach(g -> grantees.add(g.target()));
            }
            if (principal.kind() == Kind.SYSTEM) {
                access.grantsOf(principal.clientId(), AccessIndex.Kind.CUSTODIAN, at)
                        .forEach(g -> custodianOf.add(g.target()));
            }
            if (principal.kind() == Kind.PRACTITIONER
                    && context.purpose() == Purpose.ETREAT
                    && principal.mayBreakGlass()) {
                access.sessionsOf(principal.subject(), at).forEach(s -> breakGlassPatients.add(s.patientId()));
            }
        }
        return new ReadScope(
                false,
                principal.kind() == Kind.COMPLIANCE,
                principal.kind() == Kind.PATIENT ? principal.patientId().orElse(null) : null,
                grantees,
                context.purpose().mask(),
                at.getEpochSecond(),
                custodianOf,
                breakGlassPatients);
    }

    private static boolean isSelf(Principal principal, String patientId) {
        return principal.kind() == Kind.PATIENT
                && patientId != null
                && principal.patientId().filter(patientId::equals).isPresent();
    }

    /**
     * A device writes readings (Observations) into the compartment of the patient its Device is assigned
     * to when the reading is written, and nothing else.
     */
    private static Decision device(Principal principal, AccessRequest request) {
        if (!"Observation".equals(request.resourceType())) {
            return Decision.deny("DENY-NO-WRITE-ACCESS");
        }
        return request.patientId().equals(principal.assignedPatient())
                ? Decision.permit("PERMIT-DEVICE-ASSIGNED")
                : Decision.deny("DENY-DEVICE-NOT-ASSIGNED");
    }

    private Decision custodian(Principal principal, AccessRequest request, Instant at) {
        if (!consents.trusted()) {
            return Decision.deny("DENY-CHAIN-UNTRUSTED");
        }
        if (request.custodian() != null) {
            for (AccessIndex.Grant grant : access.grantsOf(principal.clientId(), AccessIndex.Kind.CUSTODIAN, at)) {
                if (grant.target().equals(request.custodian())) {
                    return Decision.permit("PERMIT-CUSTODIAN", List.of(grant.grantId()), grant.block());
                }
            }
        }
        return Decision.deny("DENY-NO-CUSTODIAN-GRANT");
    }

    private Decision breakGlass(Principal principal, String patientId, ReadContext context) {
        if (!principal.mayBreakGlass()) {
            return Decision.deny("DENY-BREAK-GLASS-NOT-PERMITTED");
        }
        if (!consents.trusted()) {
            return Decision.deny("DENY-CHAIN-UNTRUSTED");
        }
        Optional<AccessIndex.Session> open = access.sessionsOf(principal.subject(), context.at()).stream()
                .filter(s -> s.patientId().equals(patientId))
                .findFirst();
        if (open.isPresent()) {
            return Decision.permit("PERMIT-BREAK-GLASS", List.of(open.get().sessionId()), 0);
        }
        if (!BreakGlassReason.acceptable(context.breakGlassReason())) {
            return Decision.deny("DENY-BREAK-GLASS-NO-REASON");
        }
        return new Decision(true, "PERMIT-BREAK-GLASS", List.of(), 0, true);
    }

    private Decision consent(Principal principal, AccessRequest request, ReadContext context) {
        if (!consents.trusted()) {
            return Decision.deny("DENY-CHAIN-UNTRUSTED");
        }
        Instant at = context.at();
        long needed = request.sensitivity();
        long purpose = context.purpose().mask();
        String reader = principal.fhirUser();
        List<AccessIndex.Grant> memberships = null; // looked up only for a consent naming a group
        String denial = null;
        for (ConsentIndex.Entry entry : consents.allOf(request.patientId())) {
            AccessIndex.Grant through = null;
            if (!entry.grantee().equals(reader)) {
                if (memberships == null) {
                    memberships = access.grantsOf(reader, AccessIndex.Kind.MEMBERSHIP, at);
                }
                through = membership(memberships, entry.grantee());
                if (through == null) {
                    continue;
                }
            }
            String problem = problem(entry, at, needed, purpose);
            if (problem == null) {
                return through == null
                        ? Decision.permit("PERMIT-CONSENT", List.of(entry.consentId()), entry.block())
                        : Decision.permit(
                                "PERMIT-MEMBERSHIP-CONSENT",
                                List.of(entry.consentId(), through.grantId()),
                                Math.max(entry.block(), through.block()));
            }
            denial = moreSpecific(denial, problem);
        }
        return Decision.deny(denial == null ? "DENY-NO-CONSENT" : denial);
    }

    private static AccessIndex.Grant membership(List<AccessIndex.Grant> memberships, String group) {
        for (AccessIndex.Grant grant : memberships) {
            if (grant.target().equals(group)) {
                return grant;
            }
        }
        return null;
    }

    /** Why a consent naming the reader does not permit this read, or null when it does. */
    private static String problem(ConsentIndex.Entry entry, Instant at, long needed, long purpose) {
        if (!entry.validAt(at)) {
            return "DENY-CONSENT-EXPIRED";
        }
        if ((entry.purposes() & purpose) != purpose) {
            return "DENY-PURPOSE";
        }
        if ((entry.categories() & needed) == needed) {
            return null;
        }
        long category = Sensitivity.categoryBits(needed);
        return (entry.categories() & category) == category ? "DENY-LABEL" : "DENY-CATEGORY";
    }

    /** Of two reasons a consent of the reader did not apply, the one that tells the most. */
    private static String moreSpecific(String current, String candidate) {
        return current == null || SPECIFICITY.indexOf(candidate) > SPECIFICITY.indexOf(current) ? candidate : current;
    }

    private static final List<String> SPECIFICITY =
            List.of("DENY-CONSENT-EXPIRED", "DENY-CATEGORY", "DENY-PURPOSE", "DENY-LABEL");
}
